variable "aws_region" {
  type = string
}

variable "app_secret_arn" {
  description = "The foundation part's app secret (a JSON object of ALEX_* keys)."
  type        = string
}

variable "kms_key_arn" {
  type = string
}

variable "cluster_arn" {
  type = string
}

variable "database_secret_arn" {
  description = "The secret RDS manages for the cluster's master user (the Data API signs in with it)."
  type        = string
}

variable "database_url" {
  description = "postgresql+dataapi:///<db>?resource_arn=…&secret_arn=… (ARNs, no password)."
  type        = string
}

variable "models" {
  description = "The embeddings part's outputs: which models, and what calling them takes."
  type = object({
    chat_model           = string
    bedrock_region       = string
    chat_model_arns      = list(string)
    embedding_model      = string
    embedding_dimensions = number
    embedding_actions    = list(string)
    embedding_arns       = list(string)
  })
}

variable "vectors" {
  description = "The knowledge part's vector bucket, index and index ARN."
  type = object({
    bucket    = string
    index     = string
    index_arn = string
  })
}
