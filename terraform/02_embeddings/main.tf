# Which models the functions call and what calling them takes. Nothing is created for the
# default (Bedrock: Titan embeddings, a Nova chat model); with sagemaker_embedding.enabled a
# serverless SageMaker endpoint serves the embeddings instead.

data "terraform_remote_state" "foundation" {
  backend = "local"
  config = {
    path = "${path.module}/../01_foundation/terraform.tfstate"
  }
}

locals {
  foundation = data.terraform_remote_state.foundation.outputs

  # LiteLLM ids: `bedrock/<model>` (or `bedrock/converse/<model>`); anything else is another
  # provider whose key the app secret holds, and needs no AWS permission.
  chat_on_bedrock = startswith(var.model_id, "bedrock/")
  chat_bedrock_id = replace(var.model_id, "/^bedrock/((converse|invoke)/)?/", "")
  # A `us.`/`eu.`/`apac.` id is a cross-region inference profile: the caller needs the profile
  # in its own region and the model in every region the profile routes to.
  chat_is_profile = can(regex("^(us|eu|apac|us-gov|jp|au|ca)\\.", local.chat_bedrock_id))
  chat_base_model = replace(local.chat_bedrock_id, "/^(us|eu|apac|us-gov|jp|au|ca)\\./", "")
  chat_model_arns = !local.chat_on_bedrock ? [] : local.chat_is_profile ? concat(
    ["arn:${local.partition}:bedrock:${var.aws_region}:${local.account_id}:inference-profile/${local.chat_bedrock_id}"],
    [for region in var.bedrock_regions : "arn:${local.partition}:bedrock:${region}::foundation-model/${local.chat_base_model}"],
    ) : [
    "arn:${local.partition}:bedrock:${var.aws_region}::foundation-model/${local.chat_bedrock_id}",
  ]

  sagemaker         = var.sagemaker_embedding.enabled
  endpoint_name     = "${local.name}-embeddings"
  embed_bedrock     = !local.sagemaker && startswith(var.embedding_model, "bedrock/")
  embed_bedrock_id  = replace(var.embedding_model, "/^bedrock/((converse|invoke)/)?/", "")
  embedding_model   = local.sagemaker ? "sagemaker/${local.endpoint_name}" : var.embedding_model
  embedding_actions = local.sagemaker ? ["sagemaker:InvokeEndpoint"] : local.embed_bedrock ? ["bedrock:InvokeModel"] : []
  embedding_arns = local.sagemaker ? [
    "arn:${local.partition}:sagemaker:${var.aws_region}:${local.account_id}:endpoint/${local.endpoint_name}",
    ] : local.embed_bedrock ? [
    "arn:${local.partition}:bedrock:${var.aws_region}::foundation-model/${local.embed_bedrock_id}",
  ] : []
  titan_v2 = local.embed_bedrock && local.embed_bedrock_id == "amazon.titan-embed-text-v2:0"
}

# --- optional: a serverless SageMaker endpoint for embeddings ---------------------------------
# The weights come from our own bucket (model_data_path, uploaded here) and the container is
# told the hub is offline, so starting a container never downloads a model: the reference's
# endpoint crashed doing exactly that.

locals {
  model_data_key = "sagemaker/${local.endpoint_name}/model.tar.gz"
  # <account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>
  image_parts = local.sagemaker ? regex("^(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/(?P<repository>[^:@]+)", var.sagemaker_embedding.image_uri) : null
}

resource "aws_s3_object" "model_data" {
  count  = local.sagemaker ? 1 : 0
  bucket = local.foundation.artifacts_bucket
  key    = local.model_data_key
  source = var.sagemaker_embedding.model_data_path
  # Guarded so `terraform destroy` works without the file.
  source_hash = fileexists(var.sagemaker_embedding.model_data_path) ? filemd5(var.sagemaker_embedding.model_data_path) : null

  lifecycle {
    precondition {
      condition     = fileexists(var.sagemaker_embedding.model_data_path)
      error_message = "sagemaker_embedding.model_data_path must be a model.tar.gz holding the weights (the endpoint never downloads them)."
    }
  }
}

resource "aws_cloudwatch_log_group" "endpoint" {
  count             = local.sagemaker ? 1 : 0
  name              = "/aws/sagemaker/Endpoints/${local.endpoint_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.foundation.kms_key_arn
}

data "aws_iam_policy_document" "sagemaker_assume" {
  count = local.sagemaker ? 1 : 0
  statement {
    sid     = "SageMakerAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "sagemaker" {
  count = local.sagemaker ? 1 : 0
  statement {
    sid       = "ReadModelData"
    actions   = ["s3:GetObject"]
    resources = ["${local.foundation.artifacts_bucket_arn}/${local.model_data_key}"]
  }
  # Two statements: kms:GrantIsForAWSResource exists only on grant operations, so under it
  # Decrypt would always be denied and the model data could not be read.
  statement {
    sid       = "DecryptModelData"
    actions   = ["kms:Decrypt"]
    resources = [local.foundation.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = ["s3.${var.aws_region}.amazonaws.com"]
    }
  }
  statement {
    sid       = "GrantForEndpoint"
    actions   = ["kms:CreateGrant"]
    resources = [local.foundation.kms_key_arn]
    condition {
      test     = "Bool"
      variable = "kms:GrantIsForAWSResource"
      values   = ["true"]
    }
  }
  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = ["arn:${local.partition}:ecr:${local.image_parts.region}:${local.image_parts.account}:repository/${local.image_parts.repository}"]
  }
  statement {
    sid       = "EcrSignIn"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid       = "WriteEndpointLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.endpoint[0].arn}:*"]
  }
}

resource "aws_iam_role" "sagemaker" {
  count              = local.sagemaker ? 1 : 0
  name               = "${local.endpoint_name}-model"
  description        = "Lets the embeddings endpoint read its weights and image, and log."
  assume_role_policy = data.aws_iam_policy_document.sagemaker_assume[0].json
}

resource "aws_iam_role_policy" "sagemaker" {
  count  = local.sagemaker ? 1 : 0
  name   = "${local.endpoint_name}-model-access"
  role   = aws_iam_role.sagemaker[0].id
  policy = data.aws_iam_policy_document.sagemaker[0].json
}

resource "aws_sagemaker_model" "embeddings" {
  count              = local.sagemaker ? 1 : 0
  name               = local.endpoint_name
  execution_role_arn = aws_iam_role.sagemaker[0].arn
  # Serverless endpoints refuse network isolation; the offline hub settings below keep the
  # container from fetching anything at start.
  enable_network_isolation = false

  primary_container {
    image          = var.sagemaker_embedding.image_uri
    model_data_url = "s3://${local.foundation.artifacts_bucket}/${local.model_data_key}"
    environment = merge(
      {
        # SageMaker unpacks model_data_url into /opt/ml/model before the container starts.
        HF_MODEL_ID          = "/opt/ml/model"
        HF_HUB_OFFLINE       = "1"
        TRANSFORMERS_OFFLINE = "1"
      },
      var.sagemaker_embedding.environment,
    )
  }

  depends_on = [aws_iam_role_policy.sagemaker, aws_s3_object.model_data]
}

resource "aws_sagemaker_endpoint_configuration" "embeddings" {
  count       = local.sagemaker ? 1 : 0
  name_prefix = "${local.endpoint_name}-"
  kms_key_arn = local.foundation.kms_key_arn

  production_variants {
    variant_name = "all"
    model_name   = aws_sagemaker_model.embeddings[0].name
    serverless_config {
      memory_size_in_mb = var.sagemaker_embedding.memory_mb
      max_concurrency   = var.sagemaker_embedding.max_concurrency
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_sagemaker_endpoint" "embeddings" {
  count                = local.sagemaker ? 1 : 0
  name                 = local.endpoint_name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.embeddings[0].name
  depends_on           = [aws_cloudwatch_log_group.endpoint]
}
