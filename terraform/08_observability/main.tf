# One dashboard and the alarms that page someone: a message in the dead-letter queue, a
# function failing more than error_rate_percent of its invocations, the API answering 5xx.
# Plus a monthly budget with e-mail warnings.

data "terraform_remote_state" "foundation" {
  backend = "local"
  config = {
    path = "${path.module}/../01_foundation/terraform.tfstate"
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

data "terraform_remote_state" "researcher" {
  backend = "local"
  config = {
    path = "${path.module}/../05_researcher/terraform.tfstate"
  }
}

data "terraform_remote_state" "agents" {
  backend = "local"
  config = {
    path = "${path.module}/../06_agents/terraform.tfstate"
  }
}

data "terraform_remote_state" "frontend" {
  backend = "local"
  config = {
    path = "${path.module}/../07_frontend/terraform.tfstate"
  }
}

locals {
  foundation = data.terraform_remote_state.foundation.outputs
  database   = data.terraform_remote_state.database.outputs
  agents     = data.terraform_remote_state.agents.outputs
  frontend   = data.terraform_remote_state.frontend.outputs

  # Every function of every part, by a short name (the parts' function_names outputs).
  functions = merge(
    data.terraform_remote_state.knowledge.outputs.function_names,
    data.terraform_remote_state.researcher.outputs.function_names,
    local.agents.function_names,
    local.frontend.function_names,
  )
  function_list  = [for key in sort(keys(local.functions)) : local.functions[key]]
  api_dimensions = ["ApiId", local.frontend.api_id, "Stage", "$default"]
  region         = var.aws_region
}

# --- notifications --------------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = local.foundation.kms_key_arn
}

data "aws_iam_policy_document" "alarms_topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarms_topic.json
}

# SNS e-mails the address once to confirm; until someone clicks, alarms reach nobody.
resource "aws_sns_topic_subscription" "alarms_email" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alert_email
}

# --- alarms ---------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  alarm_name          = "${local.name}-jobs-dead-letters"
  alarm_description   = "A job message reached the dead-letter queue after ${local.agents.job_environment["ALEX_JOB_MAX_ATTEMPTS"]} receives: the job failed for good. See the planner's logs for its job_id."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = local.agents.dlq_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each            = local.functions
  alarm_name          = "${each.value}-error-rate"
  alarm_description   = "${each.value} failed more than ${var.error_rate_percent}% of its invocations in 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_percent
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "error_rate"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    label       = "Error rate (%)"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = each.value }
      stat        = "Sum"
      period      = 300
    }
  }
  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = each.value }
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${local.name}-api-5xx"
  alarm_description   = "The API answered more than ${var.api_5xx_per_5_minutes} 5xx responses in 5 minutes."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = local.frontend.api_id, Stage = "$default" }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = var.api_5xx_per_5_minutes
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# --- dashboard ------------------------------------------------------------------------------

locals {
  lambda_metric = { for stat in ["Invocations", "Errors", "Throttles"] : stat => [
    for fn in local.function_list : ["AWS/Lambda", stat, "FunctionName", fn, { stat = "Sum", label = fn }]
  ] }
  widgets = [
    {
      type       = "metric", x = 0, y = 0, width = 8, height = 6
      properties = { title = "Invocations", region = local.region, view = "timeSeries", period = 300, metrics = local.lambda_metric["Invocations"] }
    },
    {
      type       = "metric", x = 8, y = 0, width = 8, height = 6
      properties = { title = "Errors", region = local.region, view = "timeSeries", period = 300, metrics = local.lambda_metric["Errors"] }
    },
    {
      type       = "metric", x = 16, y = 0, width = 8, height = 6
      properties = { title = "Throttles", region = local.region, view = "timeSeries", period = 300, metrics = local.lambda_metric["Throttles"] }
    },
    {
      type = "metric", x = 0, y = 6, width = 12, height = 6
      properties = {
        title   = "Duration p95 (ms)", region = local.region, view = "timeSeries", period = 300
        metrics = [for fn in local.function_list : ["AWS/Lambda", "Duration", "FunctionName", fn, { stat = "p95", label = fn }]]
      }
    },
    {
      type = "metric", x = 12, y = 6, width = 12, height = 6
      properties = {
        title = "Jobs queue", region = local.region, view = "timeSeries", period = 300
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.agents.queue_name, { stat = "Maximum", label = "waiting" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "QueueName", local.agents.queue_name, { stat = "Maximum", label = "running" }],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", local.agents.queue_name, { stat = "Maximum", label = "oldest (s)", yAxis = "right" }],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", local.agents.dlq_name, { stat = "Maximum", label = "dead letters", color = "#d62728" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 12, height = 6
      properties = {
        title = "API requests and errors", region = local.region, view = "timeSeries", period = 300
        metrics = [
          concat(["AWS/ApiGateway", "Count"], local.api_dimensions, [{ stat = "Sum", label = "requests" }]),
          concat(["AWS/ApiGateway", "4xx"], local.api_dimensions, [{ stat = "Sum", label = "4xx" }]),
          concat(["AWS/ApiGateway", "5xx"], local.api_dimensions, [{ stat = "Sum", label = "5xx", color = "#d62728" }]),
        ]
      }
    },
    {
      type = "metric", x = 12, y = 12, width = 12, height = 6
      properties = {
        title = "API latency (ms)", region = local.region, view = "timeSeries", period = 300
        metrics = [
          concat(["AWS/ApiGateway", "Latency"], local.api_dimensions, [{ stat = "p50", label = "p50" }]),
          concat(["AWS/ApiGateway", "Latency"], local.api_dimensions, [{ stat = "p95", label = "p95" }]),
          concat(["AWS/ApiGateway", "IntegrationLatency"], local.api_dimensions, [{ stat = "p95", label = "integration p95" }]),
        ]
      }
    },
    {
      type = "metric", x = 0, y = 18, width = 12, height = 6
      properties = {
        title = "Aurora capacity (0 ACU = paused)", region = local.region, view = "timeSeries", period = 300
        metrics = [
          ["AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", local.database.cluster_identifier, { stat = "Maximum", label = "ACU" }],
          ["AWS/RDS", "ACUUtilization", "DBClusterIdentifier", local.database.cluster_identifier, { stat = "Maximum", label = "ACU utilisation (%)", yAxis = "right" }],
        ]
      }
    },
    {
      type = "alarm", x = 12, y = 18, width = 12, height = 6
      properties = {
        title = "Alarms"
        alarms = concat(
          [aws_cloudwatch_metric_alarm.dead_letters.arn, aws_cloudwatch_metric_alarm.api_5xx.arn],
          [for alarm in aws_cloudwatch_metric_alarm.function_errors : alarm.arn],
        )
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "app" {
  dashboard_name = local.name
  dashboard_body = jsonencode({ widgets = local.widgets })
}

# --- budget ---------------------------------------------------------------------------------

# The whole account's spend: cost allocation tags only filter a budget once someone has
# activated them in the Billing console, which Terraform cannot do before the tags exist.
resource "aws_budgets_budget" "monthly" {
  name         = "${local.name}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator        = "GREATER_THAN"
    notification_type          = "ACTUAL"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    subscriber_email_addresses = [var.alert_email]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    notification_type          = "FORECASTED"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    subscriber_email_addresses = [var.alert_email]
  }
}
