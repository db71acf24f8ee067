# What every Alex function shares: the settings it starts with (names and ARNs only; its keys
# come from the app secret at start-up) and the permissions a function may be given, one
# policy document per capability, so each function's role lists only the ones it uses.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100"
    }
  }
}

locals {
  environment = {
    ALEX_ENV        = "production"
    ALEX_LOG_FORMAT = "json"
    # No ALEX_VAR_DIR: on Lambda the settings default it to the writable temporary directory.
    ALEX_SECRET_ARNS          = jsonencode([var.app_secret_arn])
    ALEX_DATABASE_URL         = var.database_url
    ALEX_AWS_REGION           = var.aws_region
    ALEX_MODEL                = var.models.chat_model
    ALEX_BEDROCK_REGION       = var.models.bedrock_region
    ALEX_EMBEDDING_MODEL      = var.models.embedding_model
    ALEX_EMBEDDING_DIMENSIONS = tostring(var.models.embedding_dimensions)
    ALEX_VECTOR_STORE         = "s3vectors"
    ALEX_S3_VECTORS_BUCKET    = var.vectors.bucket
    ALEX_S3_VECTORS_INDEX     = var.vectors.index
    # Prometheus counters would live in one execution environment each, and nothing scrapes
    # them: the dashboard reads CloudWatch's own metrics instead.
    ALEX_METRICS_ENABLED = "false"
    # A synchronous Lambda request is at most 6 MB, and API Gateway sends an upload base64
    # encoded (4/3 the size): 4 MB of file is 5.3 MB on the wire, so a larger one would be
    # refused by Lambda with an opaque 413 before the app could name the limit.
    ALEX_KNOWLEDGE_MAX_UPLOAD_BYTES = "4000000"
  }
}

# Every function reads the database through the Data API and its keys from the app secret.
data "aws_iam_policy_document" "runtime" {
  statement {
    sid       = "ReadAppSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.app_secret_arn]
  }
  statement {
    sid       = "ReadDatabaseSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.database_secret_arn]
  }
  statement {
    sid = "DataApi"
    actions = [
      "rds-data:ExecuteStatement",
      "rds-data:BatchExecuteStatement",
      "rds-data:BeginTransaction",
      "rds-data:CommitTransaction",
      "rds-data:RollbackTransaction",
    ]
    resources = [var.cluster_arn]
  }
  statement {
    # The app key encrypts both secrets and the function's environment.
    sid       = "DecryptWithAppKey"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

data "aws_iam_policy_document" "chat_model" {
  dynamic "statement" {
    for_each = length(var.models.chat_model_arns) > 0 ? [1] : []
    content {
      sid       = "InvokeChatModel"
      actions   = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]
      resources = var.models.chat_model_arns
    }
  }
}

data "aws_iam_policy_document" "embeddings" {
  dynamic "statement" {
    for_each = length(var.models.embedding_arns) > 0 ? [1] : []
    content {
      sid       = "InvokeEmbeddingModel"
      actions   = var.models.embedding_actions
      resources = var.models.embedding_arns
    }
  }
}

# A query with a metadata filter (the store always filters by model) needs GetVectors too.
data "aws_iam_policy_document" "vectors_query" {
  statement {
    sid       = "QueryVectors"
    actions   = ["s3vectors:QueryVectors", "s3vectors:GetVectors"]
    resources = [var.vectors.index_arn]
  }
}

data "aws_iam_policy_document" "vectors_put" {
  statement {
    sid       = "PutVectors"
    actions   = ["s3vectors:PutVectors"]
    resources = [var.vectors.index_arn]
  }
}

data "aws_iam_policy_document" "vectors_delete" {
  statement {
    sid       = "DeleteVectors"
    actions   = ["s3vectors:DeleteVectors"]
    resources = [var.vectors.index_arn]
  }
}

# Listing with metadata (the knowledge stats count vectors per model) needs GetVectors too.
data "aws_iam_policy_document" "vectors_list" {
  statement {
    sid       = "ListVectors"
    actions   = ["s3vectors:ListVectors", "s3vectors:GetVectors"]
    resources = [var.vectors.index_arn]
  }
}
