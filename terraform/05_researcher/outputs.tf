output "schedule_name" {
  value = aws_scheduler_schedule.research.name
}

output "function_names" {
  value = {
    researcher = module.researcher.function_name
  }
}
