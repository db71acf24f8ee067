output "artifacts_bucket" {
  value = aws_s3_bucket.artifacts.id
}

output "artifacts_bucket_arn" {
  value = aws_s3_bucket.artifacts.arn
}

output "artifacts" {
  description = "Each build's object, exact version and hash, by file name; the function parts deploy from these."
  value = {
    for name, object in aws_s3_object.artifact : name => {
      bucket           = object.bucket
      key              = object.key
      version_id       = object.version_id
      source_code_hash = object.metadata.sha256
    }
  }
}

output "app_secret_arn" {
  value = aws_secretsmanager_secret.app.arn
}

output "kms_key_arn" {
  value = aws_kms_key.app.arn
}

output "function_names" {
  value = {}
}
