variable "planner_timeout_seconds" {
  description = "The planner's Lambda timeout; the job timeout is a minute less and the queue's visibility timeout six times more."
  type        = number
  default     = 900
  validation {
    condition     = var.planner_timeout_seconds >= 120 && var.planner_timeout_seconds <= 900
    error_message = "planner_timeout_seconds must be 120-900 (Lambda's maximum)."
  }
}

variable "planner_memory_mb" {
  type    = number
  default = 1024
}

variable "planner_max_concurrency" {
  description = "Most analyses running at once (the SQS event source's maximum concurrency)."
  type        = number
  default     = 5
  validation {
    condition     = var.planner_max_concurrency >= 2 && var.planner_max_concurrency <= 1000
    error_message = "SQS event sources allow a maximum concurrency of 2-1000."
  }
}

variable "section_timeout_seconds" {
  type    = number
  default = 600
  validation {
    condition     = var.section_timeout_seconds >= 30 && var.section_timeout_seconds <= 900
    error_message = "section_timeout_seconds must be 30-900."
  }
}

variable "section_memory_mb" {
  type    = number
  default = 1024
}

variable "log_retention_days" {
  type    = number
  default = 30
}
