output "vectors_bucket" {
  value = local.vectors.bucket
}

output "vectors_index" {
  value = local.vectors.index
}

output "vectors_bucket_arn" {
  value = local.vectors.bucket_arn
}

output "vectors_index_arn" {
  value = local.vectors.index_arn
}

output "vectors_dimension" {
  description = "The index's dimension (create it with this; it must match the embedder)."
  value       = local.models.embedding_dimensions
}

output "vectors_data_type" {
  value = "float32"
}

output "vectors_distance_metric" {
  description = "The store turns a distance into a similarity as 1 - distance: the index must be cosine."
  value       = "cosine"
}

output "ingest_url" {
  description = "POST here with X-Alex-Service-Key (ALEX_KNOWLEDGE_SERVICE_KEY from the app secret)."
  value       = "${aws_apigatewayv2_api.ingest.api_endpoint}/ingest"
}

output "function_names" {
  value = {
    ingest = module.ingest.function_name
  }
}
