# The web app and the API behind one CloudFront distribution: static files from a private S3
# bucket (origin access control), `/api/*` to an HTTP API in front of the API function. The
# API behaviour caches nothing and never falls back to index.html: there is no
# distribution-wide custom error page, and page paths are mapped to files by a CloudFront
# Function on the default behaviour only.

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

data "terraform_remote_state" "knowledge" {
  backend = "local"
  config = {
    path = "${path.module}/../04_knowledge/terraform.tfstate"
  }
}

data "terraform_remote_state" "agents" {
  backend = "local"
  config = {
    path = "${path.module}/../06_agents/terraform.tfstate"
  }
}

locals {
  foundation = data.terraform_remote_state.foundation.outputs
  database   = data.terraform_remote_state.database.outputs
  knowledge  = data.terraform_remote_state.knowledge.outputs
  agents     = data.terraform_remote_state.agents.outputs

  site_url = "https://${aws_cloudfront_distribution.site.domain_name}"
  # The browser calls the API on the site's own origin; other origins (a staging web app,
  # local development against this API) must be listed.
  allowed_origins = concat([local.site_url], var.extra_cors_origins)

  api_environment = {
    ALEX_AUTH                     = "clerk"
    ALEX_CLERK_JWKS_URL           = var.clerk_jwks_url
    ALEX_CLERK_ISSUER             = var.clerk_issuer
    ALEX_CLERK_AUTHORIZED_PARTIES = jsonencode(local.allowed_origins)
    ALEX_CLERK_PUBLISHABLE_KEY    = var.clerk_publishable_key
    ALEX_DEMO_LOGIN_ENABLED       = "false"
    ALEX_CORS_ORIGINS             = jsonencode(local.allowed_origins)
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
  models              = data.terraform_remote_state.embeddings.outputs
  vectors = {
    bucket    = local.knowledge.vectors_bucket
    index     = local.knowledge.vectors_index
    index_arn = local.knowledge.vectors_index_arn
  }
}

# --- the API function and its HTTP API --------------------------------------------------------

data "aws_iam_policy_document" "send_jobs" {
  statement {
    sid       = "SendJobs"
    actions   = ["sqs:SendMessage"]
    resources = [local.agents.queue_arn]
  }
  statement {
    # The jobs queue is encrypted with the app key.
    sid       = "EncryptJobMessages"
    actions   = ["kms:GenerateDataKey"]
    resources = [local.foundation.kms_key_arn]
  }
}

module "api" {
  source      = "../modules/lambda_function"
  name        = "${local.name}-api"
  description = "The Alex API (FastAPI through Mangum) behind the HTTP API."
  handler     = "alex.api.lambda_handler.handler"
  artifact    = "api.zip"
  artifacts   = local.foundation.artifacts
  # API Gateway gives up after 30 s (its hard limit); the function stops a second earlier so
  # the timeout shows in its own logs. Analyses run on the planner, through SQS.
  timeout_seconds    = 29
  memory_mb          = var.api_memory_mb
  kms_key_arn        = local.foundation.kms_key_arn
  log_retention_days = var.log_retention_days
  shared_environment = module.runtime.environment
  environment        = merge(local.api_environment, local.agents.job_environment)
  # The API searches, adds and deletes knowledge documents (operators) but calls no chat model.
  policy_documents = [
    module.runtime.policies.runtime,
    module.runtime.policies.embeddings,
    module.runtime.policies.vectors_query,
    module.runtime.policies.vectors_put,
    module.runtime.policies.vectors_delete,
    module.runtime.policies.vectors_list,
    data.aws_iam_policy_document.send_jobs.json,
  ]
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/${var.project}/${var.environment}/api-access"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.foundation.kms_key_arn
}

# No CORS configuration here: the app answers CORS itself from ALEX_CORS_ORIGINS (one list,
# above), and API Gateway's own would replace the app's headers.
resource "aws_apigatewayv2_api" "api" {
  name          = "${local.name}-api"
  description   = "The ${local.name} API, reached through CloudFront at /api/*."
  protocol_type = "HTTP"
}

resource "aws_apigatewayv2_integration" "api" {
  api_id                 = aws_apigatewayv2_api.api.id
  integration_type       = "AWS_PROXY"
  integration_uri        = module.api.invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = 30000
}

resource "aws_apigatewayv2_route" "api" {
  # Everything the app serves under /api, plus its health and readiness checks (at the root
  # in the app) for probing the API directly.
  for_each  = toset(["ANY /api/{proxy+}", "GET /health", "GET /ready"])
  api_id    = aws_apigatewayv2_api.api.id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.api.id}"
}

resource "aws_apigatewayv2_stage" "api" {
  api_id      = aws_apigatewayv2_api.api.id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttle_burst
    throttling_rate_limit  = var.api_throttle_rate
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      ip               = "$context.identity.sourceIp"
      requestTime      = "$context.requestTime"
      method           = "$context.httpMethod"
      routeKey         = "$context.routeKey"
      path             = "$context.path"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      integrationError = "$context.integrationErrorMessage"
      latencyMs        = "$context.responseLatency"
    })
  }
}

resource "aws_lambda_permission" "api" {
  statement_id  = "HttpApiInvokesApi"
  action        = "lambda:InvokeFunction"
  function_name = module.api.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.api.execution_arn}/*/*"
}

# --- the site bucket ----------------------------------------------------------------------------

resource "aws_s3_bucket" "site" {
  bucket = "${local.name}-site-${local.account_id}"
  # The static export is rebuilt on every deploy: destroy may delete it with the bucket.
  force_destroy = true
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "site" {
  bucket = aws_s3_bucket.site.id
  versioning_configuration {
    status = "Enabled"
  }
}

# S3-managed keys: these are the files every visitor downloads, and a KMS key would have to
# trust CloudFront and be called on every cache miss for no secrecy gained.
resource "aws_s3_bucket_server_side_encryption_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "site" {
  bucket = aws_s3_bucket.site.id
  rule {
    id     = "expire-replaced-files"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
  depends_on = [aws_s3_bucket_versioning.site]
}

data "aws_iam_policy_document" "site_bucket" {
  statement {
    sid       = "CloudFrontReadsSite"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.site.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.site.arn]
    }
  }
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.site.arn, "${aws_s3_bucket.site.arn}/*"]
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

resource "aws_s3_bucket_policy" "site" {
  bucket     = aws_s3_bucket.site.id
  policy     = data.aws_iam_policy_document.site_bucket.json
  depends_on = [aws_s3_bucket_public_access_block.site]
}

# --- CloudFront -----------------------------------------------------------------------------

data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

# Every viewer header but Host (API Gateway needs its own), every cookie and query string; with
# caching disabled this forwards Authorization too.
data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

resource "aws_cloudfront_origin_access_control" "site" {
  name                              = "${local.name}-site"
  description                       = "CloudFront signs its requests to the ${local.name} site bucket."
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_function" "spa_paths" {
  name    = "${local.name}-spa-paths"
  runtime = "cloudfront-js-2.0"
  comment = "Maps page URLs to the static export's <route>/index.html files."
  code    = file("${path.module}/spa_paths.js")
  publish = true
}

# The headers the app sets on its own pages when it serves them (alex.api.security), for the
# files CloudFront serves; `override = false` leaves the API's own headers as they are.
resource "aws_cloudfront_response_headers_policy" "site" {
  name    = "${local.name}-security-headers"
  comment = "Security headers for the web app and the API."

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      override                   = false
    }
    content_type_options {
      override = false
    }
    frame_options {
      frame_option = "DENY"
      override     = false
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = false
    }
    dynamic "content_security_policy" {
      for_each = var.content_security_policy == "" ? [] : [var.content_security_policy]
      content {
        content_security_policy = content_security_policy.value
        override                = false
      }
    }
  }

  custom_headers_config {
    items {
      header   = "Cross-Origin-Opener-Policy"
      value    = "same-origin"
      override = false
    }
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=(), payment=()"
      override = false
    }
  }
}

resource "aws_cloudfront_distribution" "site" {
  enabled             = true
  comment             = "${local.name}: web app and /api"
  default_root_object = "index.html"
  price_class         = var.cloudfront_price_class
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  web_acl_id          = aws_wafv2_web_acl.site.arn

  origin {
    origin_id                = "site"
    domain_name              = aws_s3_bucket.site.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.site.id
  }

  origin {
    origin_id   = "api"
    domain_name = replace(aws_apigatewayv2_api.api.api_endpoint, "https://", "")
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
      origin_read_timeout    = 30
    }
  }

  default_cache_behavior {
    target_origin_id           = "site"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa_paths.arn
    }
  }

  ordered_cache_behavior {
    path_pattern               = "/api/*"
    target_origin_id           = "api"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.site.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
