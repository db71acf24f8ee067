"""Deploy Alex to AWS: `uv run python scripts/deploy.py --owner you --alert-email you@example.com`.

Checks the prerequisites (Terraform, AWS credentials, Bedrock model access), packages the
Lambda functions, applies the Terraform parts in order, writes the app secret, migrates the
database through the Data API, builds and uploads the web app, invalidates CloudFront, runs a
smoke test and prints the URL. See docs/deploy-aws.md."""

from alex.deploy.cli import run_deploy

if __name__ == "__main__":
    run_deploy()
