"""Deploying Alex to AWS: `scripts/deploy.py` and `scripts/destroy.py` run what is here.

Terraform creates the infrastructure, one directory per part under `terraform/`; this package
puts the parts in order, passes them their inputs, and does what Terraform should not: write
secret values (kept out of Terraform's state), migrate the database through the Data API,
build and upload the web app, and check the result."""
