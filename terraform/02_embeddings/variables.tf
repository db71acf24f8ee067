variable "model_id" {
  description = "The agents' model as a LiteLLM id (ALEX_MODEL), e.g. bedrock/us.amazon.nova-pro-v1:0."
  type        = string
  default     = "bedrock/us.amazon.nova-pro-v1:0"
  validation {
    condition     = can(regex("^[a-z0-9_-]+/[A-Za-z0-9._:/-]+$", var.model_id)) && !startswith(var.model_id, "bedrock/global.")
    error_message = "model_id must be a LiteLLM id <provider>/<model>; a Bedrock global.* profile routes to any region, so use a geographic one (us., eu., apac.)."
  }
}

variable "bedrock_regions" {
  description = "Regions a cross-region inference profile (us.*, eu.*, …) may route to; the model is granted in each. See the profile's page in the Bedrock console."
  type        = list(string)
  default     = ["us-east-1", "us-east-2", "us-west-2"]
  validation {
    condition     = length(var.bedrock_regions) > 0 && alltrue([for r in var.bedrock_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "bedrock_regions must list region codes such as us-east-2."
  }
}

variable "embedding_model" {
  description = "The embedder as a LiteLLM id (ALEX_EMBEDDING_MODEL); ignored when sagemaker_embedding.enabled."
  type        = string
  default     = "bedrock/amazon.titan-embed-text-v2:0"
  validation {
    condition     = can(regex("^[a-z0-9_-]+/[A-Za-z0-9._:/-]+$", var.embedding_model))
    error_message = "embedding_model must be a LiteLLM id <provider>/<model>."
  }
}

variable "embedding_dimensions" {
  description = "Vector size: the S3 Vectors index is created with it (Titan v2: 256, 512 or 1024)."
  type        = number
  default     = 1024
  validation {
    condition     = var.embedding_dimensions >= 1 && var.embedding_dimensions <= 4096 && floor(var.embedding_dimensions) == var.embedding_dimensions
    error_message = "embedding_dimensions must be a whole number from 1 to 4096 (the S3 Vectors limit)."
  }
}

variable "sagemaker_embedding" {
  description = "A serverless SageMaker endpoint for embeddings instead of Bedrock. image_uri: an ECR image that serves /opt/ml/model (e.g. a text-embeddings-inference CPU image); model_data_path: a local model.tar.gz with the weights."
  type = object({
    enabled         = bool
    image_uri       = optional(string, "")
    model_data_path = optional(string, "")
    memory_mb       = optional(number, 3072)
    max_concurrency = optional(number, 5)
    environment     = optional(map(string), {})
  })
  default = { enabled = false }
  validation {
    condition = !var.sagemaker_embedding.enabled || (
      can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[^:@]+[:@].+$", var.sagemaker_embedding.image_uri))
      && endswith(var.sagemaker_embedding.model_data_path, ".tar.gz")
    )
    error_message = "With sagemaker_embedding.enabled, image_uri must be an ECR image URI with a tag or digest and model_data_path a .tar.gz file."
  }
  validation {
    condition     = contains([1024, 2048, 3072, 4096, 5120, 6144], var.sagemaker_embedding.memory_mb) && var.sagemaker_embedding.max_concurrency >= 1 && var.sagemaker_embedding.max_concurrency <= 200
    error_message = "Serverless endpoints take 1024-6144 MB in 1 GB steps and a max_concurrency of 1-200."
  }
  validation {
    condition     = alltrue([for k in keys(var.sagemaker_embedding.environment) : !can(regex("(?i)(key|secret|password|token)", k))])
    error_message = "sagemaker_embedding.environment must not carry secrets: the endpoint's configuration is readable by anyone who can describe it."
  }
}

variable "log_retention_days" {
  type    = number
  default = 30
}
