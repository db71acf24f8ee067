output "dashboard_name" {
  value = aws_cloudwatch_dashboard.app.dashboard_name
}

output "dashboard_url" {
  value = "https://${var.aws_region}.console.aws.amazon.com/cloudwatch/home?region=${var.aws_region}#dashboards/dashboard/${aws_cloudwatch_dashboard.app.dashboard_name}"
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "budget_name" {
  value = aws_budgets_budget.monthly.name
}

output "function_names" {
  value = {}
}
