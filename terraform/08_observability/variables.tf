variable "alert_email" {
  description = "Receives the alarms (after confirming SNS's e-mail) and the budget warnings."
  type        = string
  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email)) && length(var.alert_email) <= 254
    error_message = "alert_email must be an e-mail address."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly spend (USD) whose 80 % (actual) and 100 % (forecast) send an e-mail."
  type        = number
  default     = 50
  validation {
    condition     = var.monthly_budget_usd >= 1 && var.monthly_budget_usd <= 100000
    error_message = "monthly_budget_usd must be 1-100000."
  }
}

variable "error_rate_percent" {
  description = "A function failing more than this share of its invocations in 5 minutes raises its alarm."
  type        = number
  default     = 5
  validation {
    condition     = var.error_rate_percent > 0 && var.error_rate_percent < 100
    error_message = "error_rate_percent must be between 0 and 100."
  }
}

variable "api_5xx_per_5_minutes" {
  description = "More 5xx answers than this in 5 minutes raises the API alarm."
  type        = number
  default     = 5
  validation {
    condition     = var.api_5xx_per_5_minutes >= 0
    error_message = "api_5xx_per_5_minutes must be 0 or more."
  }
}
