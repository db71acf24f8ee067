# One Lambda function with its own role, its own log group and nothing else: each function's
# permissions are exactly the policy documents its caller passes in.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  # Created here rather than by Lambda on first write, so it has a retention and goes away
  # with the function instead of being left behind.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "LambdaAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = var.policy_documents

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
}

resource "aws_iam_role" "this" {
  name               = var.name
  description        = "Runs the ${var.name} function, and only that."
  assume_role_policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "this" {
  name   = "${var.name}-access"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  function_name = var.name
  description   = var.description
  role          = aws_iam_role.this.arn
  handler       = var.handler
  runtime       = "python3.11"
  architectures = ["x86_64"]
  timeout       = var.timeout_seconds
  memory_size   = var.memory_mb
  kms_key_arn   = var.kms_key_arn

  # The exact object version the foundation part uploaded: a redeploy with a new build
  # changes the version, and the hash tells Lambda the code changed.
  s3_bucket         = var.artifacts[var.artifact].bucket
  s3_key            = var.artifacts[var.artifact].key
  s3_object_version = var.artifacts[var.artifact].version_id
  source_code_hash  = var.artifacts[var.artifact].source_code_hash

  environment {
    variables = merge(var.shared_environment, var.environment)
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  # The first invocation must find its permissions and its log group in place.
  depends_on = [aws_iam_role_policy.this]
}
