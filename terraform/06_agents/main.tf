# The analysis pipeline: the jobs queue (and its dead-letter queue), the planner consuming it,
# and the four section functions that can run one part of a job on their own.

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

  # One number for both: SQS moves a message to the DLQ after this many receives, and the
  # app treats the same receive as the job's last attempt (ALEX_JOB_MAX_ATTEMPTS).
  max_receive_count = 3
  # The job gives up a minute before Lambda would kill it, so it is recorded as failed with
  # a reason instead of vanishing mid-write.
  job_timeout_seconds = var.planner_timeout_seconds - 60
  # AWS's advice for a Lambda event source is at least six times the function's timeout: a
  # throttled or retried batch stays invisible meanwhile instead of counting receives
  # towards the DLQ without having run. The price is that a crashed attempt is retried only
  # when this runs out (90 minutes with the default 15-minute planner).
  queue_visibility_timeout_seconds = 6 * var.planner_timeout_seconds

  job_environment = {
    ALEX_QUEUE               = "sqs"
    ALEX_SQS_QUEUE_URL       = aws_sqs_queue.jobs.url
    ALEX_JOB_MAX_ATTEMPTS    = tostring(local.max_receive_count)
    ALEX_JOB_TIMEOUT_SECONDS = tostring(local.job_timeout_seconds)
  }
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

# --- queues ---------------------------------------------------------------------------------

resource "aws_sqs_queue" "dead_letters" {
  name                              = "${local.name}-jobs-dlq"
  message_retention_seconds         = 1209600 # 14 days, the most SQS keeps
  kms_master_key_id                 = local.foundation.kms_key_arn
  kms_data_key_reuse_period_seconds = 86400
}

resource "aws_sqs_queue" "jobs" {
  name                       = "${local.name}-jobs"
  visibility_timeout_seconds = local.queue_visibility_timeout_seconds
  # Shorter than the DLQ's: a dead-lettered message keeps its age, and must not expire there
  # before anyone looks.
  message_retention_seconds         = 345600
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = local.foundation.kms_key_arn
  kms_data_key_reuse_period_seconds = 86400
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letters.arn
    maxReceiveCount     = local.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letters" {
  queue_url = aws_sqs_queue.dead_letters.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.jobs.arn]
  })
}

# --- the planner ----------------------------------------------------------------------------

data "aws_iam_policy_document" "consume_jobs" {
  statement {
    sid = "ConsumeJobs"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.jobs.arn]
  }
}

module "planner" {
  source             = "../modules/lambda_function"
  name               = "${local.name}-planner"
  description        = "Runs a whole analysis job (load, tag, report, charts, retirement) from the jobs queue."
  handler            = "alex.agents.planner.lambda_handler.handler"
  artifact           = "worker.zip"
  artifacts          = local.foundation.artifacts
  timeout_seconds    = var.planner_timeout_seconds
  memory_mb          = var.planner_memory_mb
  kms_key_arn        = local.foundation.kms_key_arn
  log_retention_days = var.log_retention_days
  shared_environment = module.runtime.environment
  environment        = local.job_environment
  policy_documents = [
    module.runtime.policies.runtime,
    module.runtime.policies.chat_model,
    module.runtime.policies.embeddings,
    module.runtime.policies.vectors_query,
    data.aws_iam_policy_document.consume_jobs.json,
  ]
}

resource "aws_lambda_event_source_mapping" "jobs" {
  event_source_arn = aws_sqs_queue.jobs.arn
  function_name    = module.planner.arn
  # One job per invocation: the handler raises if any record fails, which would send every
  # record of a larger batch back to the queue.
  batch_size = 1
  scaling_config {
    maximum_concurrency = var.planner_max_concurrency
  }
}

# --- the section functions (invoked directly with {"job_id": …}) ----------------------------

locals {
  sections = {
    tagger = {
      handler     = "alex.agents.tagger.lambda_handler.handler"
      description = "Classifies one instrument of a job ({\"job_id\", \"symbol\"})."
      # The tagger classifies from the instrument alone; it never searches the knowledge base.
      policies = ["runtime", "chat_model"]
    }
    reporter = {
      handler     = "alex.agents.reporter.lambda_handler.handler"
      description = "Writes a job's report section."
      policies    = ["runtime", "chat_model", "embeddings", "vectors_query"]
    }
    charter = {
      handler     = "alex.agents.charter.lambda_handler.handler"
      description = "Produces a job's charts section."
      policies    = ["runtime", "chat_model", "embeddings", "vectors_query"]
    }
    retirement = {
      handler     = "alex.agents.retirement.lambda_handler.handler"
      description = "Produces a job's retirement section."
      policies    = ["runtime", "chat_model", "embeddings", "vectors_query"]
    }
  }
}

module "section" {
  for_each           = local.sections
  source             = "../modules/lambda_function"
  name               = "${local.name}-${each.key}"
  description        = each.value.description
  handler            = each.value.handler
  artifact           = "worker.zip"
  artifacts          = local.foundation.artifacts
  timeout_seconds    = var.section_timeout_seconds
  memory_mb          = var.section_memory_mb
  kms_key_arn        = local.foundation.kms_key_arn
  log_retention_days = var.log_retention_days
  shared_environment = module.runtime.environment
  policy_documents   = [for capability in each.value.policies : module.runtime.policies[capability]]
}
