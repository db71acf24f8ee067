"""`scripts/deploy.py` and `scripts/destroy.py`: flags in, a Deployment of the real things out."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from alex.core.config import PROJECT_ROOT, get_settings
from alex.deploy.steps import (
    INPUTS_FILE,
    Aws,
    DeployError,
    DeployInputs,
    Deployment,
    build_frontend,
    deploy,
    destroy,
    preflight,
    seed_knowledge,
    setup_database,
    smoke,
)
from alex.deploy.terraform import TerraformCli, TerraformError

TOOLS = {
    "terraform": "install Terraform 1.5+ (https://developer.hashicorp.com/terraform/install)",
    "npm": "install Node.js 20+ (https://nodejs.org), which brings npm",
    "uv": "pip install uv",
}

Region = Annotated[
    str, typer.Option(envvar="AWS_REGION", help="AWS region for everything but WAF's ACL.")
]
Owner = Annotated[str, typer.Option(help="Owner tag on every resource (you, or your team).")]
Email = Annotated[str, typer.Option(help="Where alarms and the budget alert are e-mailed.")]
Environment = Annotated[str, typer.Option(help="Environment tag and name suffix.")]


def _inputs(**values: object) -> DeployInputs:
    try:
        return DeployInputs.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]).replace("_", "-") if error["loc"] else "input"
            typer.echo(f"error: --{name}: {error['msg']}", err=True)
        raise typer.Exit(2) from None


def _deployment(inputs: DeployInputs) -> Deployment:
    return Deployment(
        root=PROJECT_ROOT,
        inputs=inputs,
        terraform=TerraformCli(),
        aws=Aws(inputs.aws_region),
        operator=get_settings(),
        build_frontend=build_frontend,
        setup_database=setup_database,
        seed_knowledge=seed_knowledge,
        smoke=smoke,
    )


def _package() -> None:
    script = PROJECT_ROOT / "scripts" / "package_lambda.py"
    done = subprocess.run([sys.executable, str(script)], check=False)  # noqa: S603
    if done.returncode != 0:
        raise DeployError("packaging failed (see above)")


def deploy_command(
    owner: Owner,
    alert_email: Email,
    region: Region = "us-east-1",
    environment: Environment = "prod",
    monthly_budget_usd: Annotated[int, typer.Option(help="Budget alert threshold.")] = 50,
    model: Annotated[str, typer.Option(help="LiteLLM id of the agents' model.")] = (
        "bedrock/us.amazon.nova-pro-v1:0"
    ),
    embedding_model: Annotated[str, typer.Option(help="LiteLLM id of the embedder.")] = (
        "bedrock/amazon.titan-embed-text-v2:0"
    ),
    clerk_publishable_key: Annotated[
        str, typer.Option(envvar="ALEX_CLERK_PUBLISHABLE_KEY", help="Clerk's pk_… key.")
    ] = "",
    clerk_jwks_url: Annotated[
        str, typer.Option(envvar="ALEX_CLERK_JWKS_URL", help="Clerk's JWKS URL (required).")
    ] = "",
    clerk_issuer: Annotated[
        str, typer.Option(envvar="ALEX_CLERK_ISSUER", help="Clerk's issuer origin (required).")
    ] = "",
) -> None:
    """Create or update Alex in an AWS account and print its URL."""
    # Flags and the environment first, then `.env` (read through the settings).
    operator = get_settings()
    inputs = _inputs(
        aws_region=region,
        environment=environment,
        owner=owner,
        alert_email=alert_email,
        monthly_budget_usd=monthly_budget_usd,
        model_id=model,
        embedding_model=embedding_model,
        clerk_publishable_key=clerk_publishable_key or operator.clerk_publishable_key,
        clerk_jwks_url=clerk_jwks_url or operator.clerk_jwks_url,
        clerk_issuer=clerk_issuer or operator.clerk_issuer,
    )
    deployment = _deployment(inputs.with_content_security_policy())
    try:
        account = preflight(deployment, tools=TOOLS)
        typer.echo(f"deploying to account {account} in {inputs.aws_region}")
        deploy(deployment, package=_package)
    except (DeployError, TerraformError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def destroy_command(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask first.")] = False,
) -> None:
    """Remove every part of the deployment made from this checkout, newest first, emptying
    its buckets. The inputs are the ones the deploy recorded."""
    recorded = PROJECT_ROOT / "build" / "deploy" / INPUTS_FILE
    if not recorded.is_file():
        typer.echo(
            f"error: {recorded.relative_to(PROJECT_ROOT)} is missing: nothing was deployed from "
            "this checkout (or it was destroyed already)",
            err=True,
        )
        raise typer.Exit(1)
    inputs = DeployInputs.model_validate_json(recorded.read_text(encoding="utf-8"))
    where = f"{inputs.environment} deployment in {inputs.aws_region}"
    if not yes and not typer.confirm(f"Destroy the {where}, its database and files included?"):
        raise typer.Exit(1)
    try:
        count = destroy(_deployment(inputs))
    except (DeployError, TerraformError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"destroyed {count} parts")


def run_deploy() -> None:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    typer.run(deploy_command)


def run_destroy() -> None:
    typer.run(destroy_command)


__all__ = ["run_deploy", "run_destroy"]
