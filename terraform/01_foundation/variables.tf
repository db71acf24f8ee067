variable "artifacts_dir" {
  description = "Directory holding api.zip and worker.zip (scripts/package_lambda.py); empty means dist/lambda in the repository."
  type        = string
  default     = ""
}

variable "key_deletion_window_days" {
  description = "Days a destroyed app key waits before AWS deletes it (7-30); it can be restored until then."
  type        = number
  default     = 7
  validation {
    condition     = var.key_deletion_window_days >= 7 && var.key_deletion_window_days <= 30
    error_message = "KMS allows a deletion window of 7-30 days."
  }
}

variable "secret_recovery_window_days" {
  description = "Days a destroyed app secret can still be restored (0 deletes it at once, 7-30 otherwise)."
  type        = number
  default     = 7
  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "Secrets Manager allows 0 (immediate) or 7-30 days."
  }
}
