output "chat_model" {
  description = "ALEX_MODEL."
  value       = var.model_id
}

output "bedrock_region" {
  description = "ALEX_BEDROCK_REGION: the deployment's own region (where an inference profile is called)."
  value       = var.aws_region
}

output "chat_model_arns" {
  description = "What a function calling the chat model is granted: the inference profile and the model in each region it routes to."
  value       = local.chat_model_arns
}

output "embedding_model" {
  description = "ALEX_EMBEDDING_MODEL."
  value       = local.embedding_model
}

output "embedding_dimensions" {
  description = "ALEX_EMBEDDING_DIMENSIONS, and the vector index's dimension."
  value       = var.embedding_dimensions
  precondition {
    condition     = !local.titan_v2 || contains([256, 512, 1024], var.embedding_dimensions)
    error_message = "Titan Text Embeddings v2 produces 256, 512 or 1024 dimensions."
  }
}

output "embedding_actions" {
  value = local.embedding_actions
}

output "embedding_arns" {
  value = local.embedding_arns
}

output "function_names" {
  value = {}
}
