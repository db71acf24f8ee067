# The same file in every part (tests/infra checks that the copies agree): Terraform has no
# include, and a module cannot declare a part's variables or providers.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.100 is the last 5.x line; 6.x renames arguments these parts use.
      version = "~> 5.100"
    }
  }
  # State stays in the part's directory, where the next parts' terraform_remote_state reads it.
  backend "local" {}
}

provider "aws" {
  region = var.aws_region
  default_tags {
    tags = {
      Project     = var.project
      Environment = var.environment
      Owner       = var.owner
    }
  }
}

variable "aws_region" {
  description = "The region everything but the CloudFront WAF lives in."
  type        = string
  default     = "us-east-1"
  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as us-east-1."
  }
}

variable "project" {
  description = "Prefix of every name, and the Project tag."
  type        = string
  default     = "alex"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.project))
    error_message = "project must be 2-21 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Second part of every name (prod, staging, …), and the Environment tag."
  type        = string
  default     = "prod"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lower-case letters, digits or hyphens, starting with a letter."
  }
}

variable "owner" {
  description = "Who answers for this deployment (a team or an e-mail): the Owner tag."
  type        = string
  validation {
    condition     = can(regex("^[\\p{L}\\p{N} _.:/=+@-]{1,128}$", var.owner))
    error_message = "owner must be 1-128 characters a tag value allows (letters, digits, spaces, _ . : / = + @ -)."
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name       = "${var.project}-${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
}
