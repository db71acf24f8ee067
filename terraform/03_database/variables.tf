variable "engine_version" {
  description = "Aurora PostgreSQL version; 0 ACU (auto-pause) needs 16.3 or later (or 15.7+, 14.12+, 13.15+)."
  type        = string
  default     = "16.6"
  validation {
    condition     = can(regex("^(1[7-9]\\.[0-9]+|16\\.([3-9]|[1-9][0-9])|15\\.([7-9]|[1-9][0-9])|14\\.(1[2-9]|[2-9][0-9])|13\\.(1[5-9]|[2-9][0-9]))$", var.engine_version))
    error_message = "engine_version must be an Aurora PostgreSQL version that supports 0 ACU: 16.3+, 15.7+, 14.12+, 13.15+ or 17.x."
  }
}

variable "database_name" {
  type    = string
  default = "alex"
  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must be a lower-case PostgreSQL identifier."
  }
}

variable "master_username" {
  type    = string
  default = "alex_admin"
  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,15}$", var.master_username)) && !contains(["postgres", "rdsadmin", "admin"], var.master_username)
    error_message = "master_username must be 1-16 lower-case letters, digits or underscores, and not a reserved name."
  }
}

variable "min_capacity_acu" {
  description = "0 pauses the database when idle (no compute charge while paused)."
  type        = number
  default     = 0
  validation {
    condition     = var.min_capacity_acu >= 0 && var.min_capacity_acu <= 256 && var.min_capacity_acu * 2 == floor(var.min_capacity_acu * 2)
    error_message = "min_capacity_acu must be 0-256 in steps of 0.5."
  }
}

variable "max_capacity_acu" {
  type    = number
  default = 4
  validation {
    condition     = var.max_capacity_acu >= 1 && var.max_capacity_acu <= 256 && var.max_capacity_acu * 2 == floor(var.max_capacity_acu * 2)
    error_message = "max_capacity_acu must be 1-256 in steps of 0.5."
  }
}

variable "seconds_until_auto_pause" {
  description = "Idle time before the instance pauses (with min_capacity_acu = 0)."
  type        = number
  default     = 600
  validation {
    condition     = var.seconds_until_auto_pause >= 300 && var.seconds_until_auto_pause <= 86400
    error_message = "Aurora allows 300-86400 seconds."
  }
}

variable "backup_retention_days" {
  type    = number
  default = 7
  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "Aurora keeps automated backups 1-35 days."
  }
}

variable "deletion_protection" {
  description = "true makes `destroy` fail until it is set back to false and applied; scripts/destroy.py expects false."
  type        = bool
  default     = false
}

variable "final_snapshot" {
  description = "Keep a snapshot (<project>-<environment>-db-final) when the cluster is destroyed; it outlives `destroy` and is billed as backup storage."
  type        = bool
  default     = false
}

variable "vpc_cidr" {
  description = "Address range of the database's own VPC (nothing else is in it)."
  type        = string
  default     = "10.42.0.0/16"
  validation {
    condition     = can(cidrsubnet(var.vpc_cidr, 8, 2)) && tonumber(split("/", var.vpc_cidr)[1]) <= 22
    error_message = "vpc_cidr must be an IPv4 CIDR of /22 or larger (three /x+8 subnets are cut from it)."
  }
}

variable "log_statements_slower_than_ms" {
  description = "Statements slower than this are logged (text only, never parameter values); -1 logs none."
  type        = number
  default     = 1000
  validation {
    condition     = var.log_statements_slower_than_ms >= -1
    error_message = "Use -1 (off) or a number of milliseconds."
  }
}

variable "log_retention_days" {
  type    = number
  default = 30
}

check "capacity_range" {
  assert {
    condition     = var.max_capacity_acu >= var.min_capacity_acu
    error_message = "max_capacity_acu is below min_capacity_acu."
  }
}
