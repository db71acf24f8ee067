"""Remove everything `scripts/deploy.py` created: `uv run python scripts/destroy.py`.

Empties the buckets, then destroys the Terraform parts newest first. See docs/deploy-aws.md."""

from alex.deploy.cli import run_destroy

if __name__ == "__main__":
    run_destroy()
