output "queue_url" {
  value = aws_sqs_queue.jobs.url
}

output "queue_arn" {
  value = aws_sqs_queue.jobs.arn
}

output "queue_name" {
  value = aws_sqs_queue.jobs.name
}

output "dlq_url" {
  value = aws_sqs_queue.dead_letters.url
}

output "dlq_name" {
  value = aws_sqs_queue.dead_letters.name
}

output "job_environment" {
  description = "The queue settings the API needs to send jobs the planner can run."
  value       = local.job_environment
}

output "visibility_timeout_seconds" {
  value = aws_sqs_queue.jobs.visibility_timeout_seconds
}

output "function_names" {
  value = merge(
    { planner = module.planner.function_name },
    { for name, section in module.section : name => section.function_name },
  )
}
