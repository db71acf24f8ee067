output "site_bucket" {
  value = aws_s3_bucket.site.id
}

output "cloudfront_distribution_id" {
  value = aws_cloudfront_distribution.site.id
}

output "site_url" {
  value = local.site_url
}

output "api_url" {
  description = "The HTTP API itself (the browser uses <site_url>/api instead, which goes through WAF)."
  value       = aws_apigatewayv2_api.api.api_endpoint
}

output "api_id" {
  value = aws_apigatewayv2_api.api.id
}

output "api_function_name" {
  value = module.api.function_name
}

output "web_acl_name" {
  value = aws_wafv2_web_acl.site.name
}

output "function_names" {
  value = {
    api = module.api.function_name
  }
}
