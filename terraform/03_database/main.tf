# Aurora Serverless v2 PostgreSQL, reached only through the RDS Data API (HTTPS + IAM), so no
# function runs in a VPC and nothing connects to port 5432: the cluster sits in private
# subnets of its own VPC with no route out and a security group that admits nobody.

data "terraform_remote_state" "foundation" {
  backend = "local"
  config = {
    path = "${path.module}/../01_foundation/terraform.tfstate"
  }
}

locals {
  foundation = data.terraform_remote_state.foundation.outputs
  cluster_id = "${local.name}-db"
}

data "aws_availability_zones" "available" {
  state = "available"
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

# --- network: private, and only because Aurora needs subnets ------------------------------

resource "aws_vpc" "db" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags = {
    Name = "${local.name}-db"
  }
}

# Take the VPC's default security group's rules away, so nothing placed here by accident
# is reachable.
resource "aws_default_security_group" "db" {
  vpc_id = aws_vpc.db.id
}

resource "aws_subnet" "db" {
  # Aurora wants two AZs at least; three where the region has them.
  count                   = min(3, length(data.aws_availability_zones.available.names))
  vpc_id                  = aws_vpc.db.id
  availability_zone       = data.aws_availability_zones.available.names[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, count.index)
  map_public_ip_on_launch = false
  tags = {
    Name = "${local.name}-db-${count.index}"
  }
}

resource "aws_db_subnet_group" "db" {
  name        = local.cluster_id
  description = "Private subnets of the ${local.name} database VPC."
  subnet_ids  = aws_subnet.db[*].id
}

resource "aws_security_group" "db" {
  name        = local.cluster_id
  description = "The ${local.name} database: no inbound or outbound rules, the Data API needs none."
  vpc_id      = aws_vpc.db.id
}

# --- the cluster ---------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "postgresql" {
  # Made here (with a retention and the app key) before the cluster exports to it; left to
  # RDS it would keep logs forever and outlive `destroy`.
  name              = "/aws/rds/cluster/${local.cluster_id}/postgresql"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.foundation.kms_key_arn
}

resource "aws_rds_cluster_parameter_group" "db" {
  name        = local.cluster_id
  family      = "aurora-postgresql${split(".", var.engine_version)[0]}"
  description = "${local.name}: slow statements logged without their parameter values."

  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_statements_slower_than_ms)
  }
  parameter {
    # The statements carry users' portfolio data as bound parameters: never log them.
    name  = "log_parameter_max_length"
    value = "0"
  }
  parameter {
    name  = "log_parameter_max_length_on_error"
    value = "0"
  }
  parameter {
    name  = "log_statement"
    value = "ddl"
  }
}

resource "aws_rds_cluster" "db" {
  cluster_identifier              = local.cluster_id
  engine                          = "aurora-postgresql"
  engine_mode                     = "provisioned"
  engine_version                  = var.engine_version
  database_name                   = var.database_name
  master_username                 = var.master_username
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.db.name

  # RDS creates and rotates the master password in its own Secrets Manager secret; the Data
  # API signs in with that secret, and no password appears in Terraform at all.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = local.foundation.kms_key_arn

  enable_http_endpoint = true # the Data API

  serverlessv2_scaling_configuration {
    # 0 lets the instance pause when idle (engine 16.3+); the first request after a pause
    # waits while it resumes (up to ~15 s, reported as DatabaseResumingException).
    min_capacity             = var.min_capacity_acu
    max_capacity             = var.max_capacity_acu
    seconds_until_auto_pause = var.min_capacity_acu == 0 ? var.seconds_until_auto_pause : null
  }

  storage_encrypted = true
  kms_key_id        = local.foundation.kms_key_arn
  # Nobody signs in directly today; if someone ever must, it is with an IAM token.
  iam_database_authentication_enabled = true

  db_subnet_group_name   = aws_db_subnet_group.db.name
  vpc_security_group_ids = [aws_security_group.db.id]

  backup_retention_period         = var.backup_retention_days
  copy_tags_to_snapshot           = true
  enabled_cloudwatch_logs_exports = ["postgresql"]
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = !var.final_snapshot
  final_snapshot_identifier       = var.final_snapshot ? "${local.cluster_id}-final" : null
  apply_immediately               = true

  depends_on = [aws_cloudwatch_log_group.postgresql]
}

resource "aws_rds_cluster_instance" "writer" {
  identifier                 = "${local.cluster_id}-1"
  cluster_identifier         = aws_rds_cluster.db.id
  instance_class             = "db.serverless"
  engine                     = aws_rds_cluster.db.engine
  engine_version             = aws_rds_cluster.db.engine_version
  publicly_accessible        = false
  auto_minor_version_upgrade = true
  apply_immediately          = true
}
