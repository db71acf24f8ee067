variable "research_schedule" {
  description = "When the researcher runs (EventBridge Scheduler expression, UTC); each run costs model tokens."
  type        = string
  default     = "rate(1 day)"
  validation {
    condition     = can(regex("^(rate\\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\\)|cron\\(.+\\))$", var.research_schedule))
    error_message = "research_schedule must be rate(<n> <unit>) or cron(<6 fields>)."
  }
}

variable "research_enabled" {
  description = "false keeps the schedule but stops it firing."
  type        = bool
  default     = true
}

variable "research_web" {
  description = "ALEX_RESEARCH_WEB: let the researcher fetch pages from its allowed hosts."
  type        = bool
  default     = false
}

variable "researcher_timeout_seconds" {
  type    = number
  default = 600
  validation {
    condition     = var.researcher_timeout_seconds >= 60 && var.researcher_timeout_seconds <= 900
    error_message = "researcher_timeout_seconds must be 60-900."
  }
}

variable "researcher_retries" {
  description = "Lambda's retries of a run that raised (0-2)."
  type        = number
  default     = 1
  validation {
    condition     = contains([0, 1, 2], var.researcher_retries)
    error_message = "Lambda retries an asynchronous invocation 0, 1 or 2 times."
  }
}

variable "log_retention_days" {
  type    = number
  default = 30
}
