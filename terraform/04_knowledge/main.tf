# The knowledge base's vector store (an S3 Vectors bucket and index) and the HTTPS ingest
# endpoint: POST /ingest, refused without the X-Alex-Service-Key the app secret holds.
#
# AWS provider 5.100 has no S3 Vectors resources, so scripts/deploy.py creates the bucket and
# the index (boto3 `s3vectors`) from the names, dimension and metric output here; this part
# grants access to their ARNs.

data "terraform_remote_state" "foundation" {
  backend = "local"
  config = {
    path = "${path.module}/../01_foundation/terraform.tfstate"
  }
}

data "terraform_remote_state" "embeddings" {
  backend = "local"
  config = {
    path = "${path.module}/../02_embeddings/terraform.tfstate"
  }
}

data "terraform_remote_state" "database" {
  backend = "local"
  config = {
    path = "${path.module}/../03_database/terraform.tfstate"
  }
}

locals {
  foundation = data.terraform_remote_state.foundation.outputs
  models     = data.terraform_remote_state.embeddings.outputs
  database   = data.terraform_remote_state.database.outputs

  vectors_bucket = var.vectors_bucket != "" ? var.vectors_bucket : "${local.name}-vectors"
  vectors = {
    bucket     = local.vectors_bucket
    index      = var.vectors_index
    bucket_arn = "arn:${local.partition}:s3vectors:${var.aws_region}:${local.account_id}:bucket/${local.vectors_bucket}"
    index_arn  = "arn:${local.partition}:s3vectors:${var.aws_region}:${local.account_id}:bucket/${local.vectors_bucket}/index/${var.vectors_index}"
  }
}

module "runtime" {
  source              = "../modules/app_runtime"
  aws_region          = var.aws_region
  app_secret_arn      = local.foundation.app_secret_arn
  kms_key_arn         = local.foundation.kms_key_arn
  cluster_arn         = local.database.cluster_arn
  database_secret_arn = local.database.database_secret_arn
  database_url        = local.database.database_url
  models              = local.models
  vectors             = local.vectors
}

module "ingest" {
  source      = "../modules/lambda_function"
  name        = "${local.name}-knowledge-ingest"
  description = "POST /ingest: adds one document to the knowledge base."
  handler     = "alex.knowledge.lambda_handler.handler"
  artifact    = "worker.zip"
  artifacts   = local.foundation.artifacts
  # API Gateway answers 503 after 30 s; a large document can take longer to embed, and the
  # function finishes it anyway (sending it again answers 200, created: false).
  timeout_seconds    = var.ingest_timeout_seconds
  memory_mb          = 1024
  kms_key_arn        = local.foundation.kms_key_arn
  log_retention_days = var.log_retention_days
  shared_environment = module.runtime.environment
  policy_documents = [
    module.runtime.policies.runtime,
    module.runtime.policies.embeddings,
    module.runtime.policies.vectors_put,
  ]
}

# --- the ingest endpoint ------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "ingest_api" {
  name              = "/${var.project}/${var.environment}/ingest-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.foundation.kms_key_arn
}

resource "aws_apigatewayv2_api" "ingest" {
  name          = "${local.name}-knowledge-ingest"
  description   = "Adds documents to the ${local.name} knowledge base (service key required)."
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "ingest" {
  api_id                 = aws_apigatewayv2_api.ingest.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.ingest.invoke_arn
  payload_format_version = "2.0"
  # The most API Gateway allows.
  timeout_milliseconds = 30000
}

resource "aws_apigatewayv2_route" "ingest" {
  api_id    = aws_apigatewayv2_api.ingest.id
  route_key = "POST /ingest"
  target    = "integrations/${aws_apigatewayv2_integration.ingest.id}"
}

resource "aws_apigatewayv2_stage" "ingest" {
  api_id      = aws_apigatewayv2_api.ingest.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.ingest_throttle_burst
    throttling_rate_limit  = var.ingest_throttle_rate
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.ingest_api.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      ip               = "$context.identity.sourceIp"
      requestTime      = "$context.requestTime"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      integrationError = "$context.integrationErrorMessage"
      latencyMs        = "$context.responseLatency"
    })
  }
}

resource "aws_lambda_permission" "ingest" {
  statement_id  = "HttpApiInvokesIngest"
  action        = "lambda:InvokeFunction"
  function_name = module.ingest.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.ingest.execution_arn}/*/POST/ingest"
}
