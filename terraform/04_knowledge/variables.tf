variable "vectors_bucket" {
  description = "S3 Vectors bucket name; empty means <project>-<environment>-vectors."
  type        = string
  default     = ""
  validation {
    condition     = var.vectors_bucket == "" || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.vectors_bucket))
    error_message = "vectors_bucket must be 3-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit."
  }
}

variable "vectors_index" {
  description = "S3 Vectors index name (ALEX_S3_VECTORS_INDEX)."
  type        = string
  default     = "alex-knowledge"
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.vectors_index))
    error_message = "vectors_index must be 3-63 lower-case letters, digits, hyphens or dots, starting and ending with a letter or digit."
  }
}

variable "ingest_timeout_seconds" {
  type    = number
  default = 300
  validation {
    condition     = var.ingest_timeout_seconds >= 30 && var.ingest_timeout_seconds <= 900
    error_message = "ingest_timeout_seconds must be 30-900."
  }
}

variable "ingest_throttle_rate" {
  description = "Steady requests per second the ingest endpoint accepts."
  type        = number
  default     = 2
  validation {
    condition     = var.ingest_throttle_rate > 0 && var.ingest_throttle_rate <= 100
    error_message = "ingest_throttle_rate must be above 0 and at most 100."
  }
}

variable "ingest_throttle_burst" {
  type    = number
  default = 5
  validation {
    condition     = var.ingest_throttle_burst >= 1 && var.ingest_throttle_burst <= 500
    error_message = "ingest_throttle_burst must be 1-500."
  }
}

variable "log_retention_days" {
  type    = number
  default = 30
}
