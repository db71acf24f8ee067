# The researcher: one function, run on a schedule by EventBridge Scheduler, which invokes it
# with a role that may invoke exactly that function.

data "terraform_remote_state" "foundation" {
  backend = "local"
  config = {
    path = "${path.module}/../01_foundation/terraform.tfstate"
  }
}

data "terraform_remote_state" "embeddings" {
  backend = "local"
  config = {
    path = "${path.module}/../02_embeddings/terraform.tfstate"
  }
}

data "terraform_remote_state" "database" {
  backend = "local"
  config = {
    path = "${path.module}/../03_database/terraform.tfstate"
  }
}

data "terraform_remote_state" "knowledge" {
  backend = "local"
  config = {
    path = "${path.module}/../04_knowledge/terraform.tfstate"
  }
}

locals {
  foundation = data.terraform_remote_state.foundation.outputs
  database   = data.terraform_remote_state.database.outputs
  knowledge  = data.terraform_remote_state.knowledge.outputs
}

module "runtime" {
  source              = "../modules/app_runtime"
  aws_region          = var.aws_region
  app_secret_arn      = local.foundation.app_secret_arn
  kms_key_arn         = local.foundation.kms_key_arn
  cluster_arn         = local.database.cluster_arn
  database_secret_arn = local.database.database_secret_arn
  database_url        = local.database.database_url
  models              = data.terraform_remote_state.embeddings.outputs
  vectors = {
    bucket    = local.knowledge.vectors_bucket
    index     = local.knowledge.vectors_index
    index_arn = local.knowledge.vectors_index_arn
  }
}

module "researcher" {
  source             = "../modules/lambda_function"
  name               = "${local.name}-researcher"
  description        = "Writes one research note into the knowledge base per scheduled run."
  handler            = "alex.agents.researcher.lambda_handler.handler"
  artifact           = "worker.zip"
  artifacts          = local.foundation.artifacts
  timeout_seconds    = var.researcher_timeout_seconds
  memory_mb          = 1024
  kms_key_arn        = local.foundation.kms_key_arn
  log_retention_days = var.log_retention_days
  shared_environment = module.runtime.environment
  environment = {
    ALEX_RESEARCH_WEB = var.research_web ? "true" : "false"
  }
  policy_documents = [
    module.runtime.policies.runtime,
    module.runtime.policies.chat_model,
    module.runtime.policies.embeddings,
    module.runtime.policies.vectors_query,
    module.runtime.policies.vectors_put,
  ]
}

# Scheduler invokes asynchronously: a run that raises (the model provider down) is retried
# by Lambda, and each retry is another model run, so few.
resource "aws_lambda_function_event_invoke_config" "researcher" {
  function_name                = module.researcher.function_name
  maximum_retry_attempts       = var.researcher_retries
  maximum_event_age_in_seconds = 3600
}

# --- the schedule ---------------------------------------------------------------------------

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    sid     = "SchedulerAssumesRole"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "InvokeResearcher"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.researcher.arn]
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${local.name}-researcher-schedule"
  description        = "Lets the research schedule invoke the researcher function, and nothing else."
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "${local.name}-researcher-schedule-invoke"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

# Schedules take no tags; their group does, and deleting the group deletes them.
resource "aws_scheduler_schedule_group" "app" {
  name = local.name
}

resource "aws_scheduler_schedule" "research" {
  name                         = "${local.name}-research"
  group_name                   = aws_scheduler_schedule_group.app.name
  description                  = "Runs the researcher, which picks a topic itself."
  schedule_expression          = var.research_schedule
  schedule_expression_timezone = "UTC"
  state                        = var.research_enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode                      = "FLEXIBLE"
    maximum_window_in_minutes = 15
  }

  target {
    arn      = module.researcher.arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({})
    # Covers failing to hand the event to Lambda (throttling); the run's own failures are
    # Lambda's asynchronous retries above.
    retry_policy {
      maximum_retry_attempts       = 3
      maximum_event_age_in_seconds = 3600
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
