# The app key, the bucket the Lambda builds are uploaded to, and the app secret (created empty:
# scripts/deploy.py writes its value, so no key ever passes through Terraform or its state).

locals {
  artifacts_dir = var.artifacts_dir != "" ? var.artifacts_dir : "${path.module}/../../dist/lambda"
  # api.zip runs the API function; worker.zip every other function.
  artifact_files = { for name in ["api.zip", "worker.zip"] : name => "${local.artifacts_dir}/${name}" }
}

# --- the app key ----------------------------------------------------------------------------

data "aws_iam_policy_document" "key" {
  statement {
    # Lets IAM policies in this account grant use of the key (each role names it exactly).
    sid       = "AccountAdministersKey"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }
  statement {
    sid = "CloudWatchLogsEncryptsAppLogGroups"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.aws_region}.amazonaws.com"]
    }
    # Only the app's own log groups: the functions', the database's, the APIs' access logs
    # and the optional SageMaker endpoint's.
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:/aws/lambda/${local.name}-*",
        "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:/aws/rds/cluster/${local.name}-*",
        "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:/aws/sagemaker/Endpoints/${local.name}-*",
        "arn:${local.partition}:logs:${var.aws_region}:${local.account_id}:log-group:/${var.project}/${var.environment}/*",
      ]
    }
  }
  statement {
    # Alarms publish to the encrypted alarm topic.
    sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_kms_key" "app" {
  description             = "${local.name}: secrets, queues, logs, the database and the build bucket"
  enable_key_rotation     = true
  deletion_window_in_days = var.key_deletion_window_days
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "app" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.app.key_id
}

# --- the build bucket -----------------------------------------------------------------------

resource "aws_s3_bucket" "artifacts" {
  bucket = "${local.name}-artifacts-${local.account_id}"
  # Only rebuildable zips live here: destroy removes every version instead of failing.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.app.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    # Lambda keeps its own copy of the code it runs, so old builds are only a rollback aid.
    id     = "expire-old-builds"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  depends_on = [aws_s3_bucket_versioning.artifacts]
}

data "aws_iam_policy_document" "artifacts_bucket" {
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.artifacts.arn, "${aws_s3_bucket.artifacts.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "artifacts" {
  bucket     = aws_s3_bucket.artifacts.id
  policy     = data.aws_iam_policy_document.artifacts_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.artifacts]
}

resource "aws_s3_object" "artifact" {
  for_each = local.artifact_files

  bucket = aws_s3_bucket.artifacts.id
  key    = "lambda/${each.key}"
  source = each.value
  # fileexists guards keep `terraform destroy` working after dist/ is gone (Terraform
  # evaluates these even when only deleting); the precondition stops any other plan.
  source_hash = fileexists(each.value) ? filemd5(each.value) : null
  # Lambda's source_code_hash format, kept with the object so later parts read what was
  # uploaded rather than whatever is on disk when they run.
  metadata = {
    sha256 = fileexists(each.value) ? filebase64sha256(each.value) : ""
  }

  lifecycle {
    precondition {
      condition     = fileexists(each.value)
      error_message = "${each.value} is missing: run `uv run python scripts/package_lambda.py` first (or set artifacts_dir)."
    }
  }

  depends_on = [aws_s3_bucket_server_side_encryption_configuration.artifacts]
}

# --- the app secret -------------------------------------------------------------------------

resource "aws_secretsmanager_secret" "app" {
  # A prefix, not a name: a destroyed secret waits out its recovery window under its old
  # name, and a redeploy in that window would otherwise collide with it.
  name_prefix             = "${local.name}/app-"
  description             = "ALEX_* settings that are secret, as one JSON object; scripts/deploy.py writes the value."
  kms_key_id              = aws_kms_key.app.arn
  recovery_window_in_days = var.secret_recovery_window_days
}
