output "cluster_arn" {
  value = aws_rds_cluster.db.arn
}

output "cluster_identifier" {
  value = aws_rds_cluster.db.cluster_identifier
}

output "database_secret_arn" {
  description = "The RDS-managed secret of the master user (username and password), for the Data API."
  value       = aws_rds_cluster.db.master_user_secret[0].secret_arn
}

output "database_name" {
  value = aws_rds_cluster.db.database_name
}

output "database_url" {
  description = "ALEX_DATABASE_URL: ARNs only, the password stays in the RDS-managed secret."
  value       = "postgresql+dataapi:///${aws_rds_cluster.db.database_name}?resource_arn=${aws_rds_cluster.db.arn}&secret_arn=${aws_rds_cluster.db.master_user_secret[0].secret_arn}"
}

output "function_names" {
  value = {}
}
