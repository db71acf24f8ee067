variable "name" {
  description = "Function name; also the name of its role and log group."
  type        = string
  validation {
    condition     = can(regex("^[a-zA-Z0-9-_]{1,64}$", var.name))
    error_message = "name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  type = string
}

variable "handler" {
  description = "Dotted path of the entry point in the package, e.g. alex.api.lambda_handler.handler."
  type        = string
  validation {
    condition     = can(regex("^alex(\\.[a-z_][a-z0-9_]*)+\\.handler$", var.handler))
    error_message = "handler must be a dotted path inside the alex package ending in .handler."
  }
}

variable "artifact" {
  description = "Which build the function runs: api.zip (the API) or worker.zip (every other function)."
  type        = string
  validation {
    condition     = contains(["api.zip", "worker.zip"], var.artifact)
    error_message = "artifact must be api.zip or worker.zip."
  }
}

variable "artifacts" {
  description = "The foundation part's `artifacts` output: where each build was uploaded."
  type = map(object({
    bucket           = string
    key              = string
    version_id       = string
    source_code_hash = string
  }))
}

variable "timeout_seconds" {
  type = number
  validation {
    condition     = var.timeout_seconds >= 1 && var.timeout_seconds <= 900
    error_message = "Lambda allows 1-900 seconds."
  }
}

variable "memory_mb" {
  type    = number
  default = 1024
  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "Lambda allows 128-10240 MB."
  }
}

variable "shared_environment" {
  description = "The settings every function of the app gets (the app_runtime module's `environment`)."
  type        = map(string)
}

variable "environment" {
  description = "This function's own ALEX_* settings, on top of the shared ones."
  type        = map(string)
  default     = {}
}

variable "policy_documents" {
  description = "JSON policy documents (from aws_iam_policy_document) granting what this function uses."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "The app key: encrypts the log group and the environment variables."
  type        = string
}

variable "log_retention_days" {
  type    = number
  default = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …)."
  }
}
