"""Deploy and destroy, step by step. Every side effect goes through an injected collaborator
(Terraform, AWS clients, the web-app build, the database setup, the smoke test), so the whole
order of events is tested here with a fake Terraform and a moto server."""

from __future__ import annotations

import contextlib
import json
import logging
import mimetypes
import os
import re
import secrets as token_source
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import boto3
import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from alex.core.config import Settings
from alex.deploy.checks import (
    bedrock_problems,
    credentials_problem,
    model_regions,
    tool_problems,
)
from alex.deploy.terraform import Terraform, parts, terraform_version_problem

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

# Part names whose outputs the steps read (the directory is NN_<name>).
FOUNDATION, DATABASE, KNOWLEDGE, AGENTS, FRONTEND = (
    "foundation",
    "database",
    "knowledge",
    "agents",
    "frontend",
)
INPUTS_FILE = "inputs.tfvars.json"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class DeployError(RuntimeError):
    """A step cannot go on; the message says what to do."""


class DeployInputs(BaseModel):
    """The deployment's own choices: every part reads these from one var-file (Terraform
    ignores a value a part does not declare). Nothing secret goes here: it would land in
    Terraform's state."""

    model_config = ConfigDict(extra="forbid")

    aws_region: str = Field(default="us-east-1", pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    project: str = Field(default="alex", pattern=r"^[a-z][a-z0-9-]{1,20}$")
    environment: str = Field(default="prod", pattern=r"^[a-z][a-z0-9-]{1,15}$")
    owner: str = Field(min_length=1, max_length=128)
    # Alarms and the budget e-mail here (SNS asks the address to confirm once).
    alert_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    monthly_budget_usd: int = Field(default=50, ge=1, le=100_000)
    model_id: str = "bedrock/us.amazon.nova-pro-v1:0"
    embedding_model: str = "bedrock/amazon.titan-embed-text-v2:0"
    # Where the agents' inference profile may send requests: IAM grants the model there.
    # Filled by the preflight from the profile itself (GetInferenceProfile).
    bedrock_regions: list[str] = Field(
        default_factory=lambda: ["us-east-1", "us-east-2", "us-west-2"]
    )
    # On AWS sign-in is Clerk's: the API verifies tokens with these two.
    clerk_jwks_url: str = Field(pattern=r"^https://[^/\s]+/\S*$")
    clerk_issuer: str = Field(pattern=r"^https://[^/\s]+$")
    # Built into the web app: without it the site would offer local sign-in forms that an
    # API in Clerk mode refuses.
    clerk_publishable_key: str = Field(pattern=r"^pk_(test|live)_[A-Za-z0-9+/=_-]+$")
    extra_cors_origins: list[str] = Field(default_factory=list)
    # The web app's Content-Security-Policy (CloudFront sends it): the API's own, for these
    # Clerk settings, so pages and API answers carry the same policy.
    content_security_policy: str = ""

    @field_validator("model_id", "embedding_model")
    @classmethod
    def _litellm_id(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9_-]+/[\w.:/-]+", value):
            raise ValueError("must be a LiteLLM id <provider>/<model>")
        if value.startswith("bedrock/global."):
            # It may route to any region, which IAM cannot name (Terraform refuses it too).
            raise ValueError("a global. inference profile cannot be granted: use us., eu. or apac.")
        return value

    def with_content_security_policy(self) -> DeployInputs:
        from alex.api.security import content_security_policy

        settings = Settings(
            _env_file=None,
            auth="clerk",
            clerk_jwks_url=self.clerk_jwks_url,
            clerk_issuer=self.clerk_issuer,
            clerk_publishable_key=self.clerk_publishable_key,
        )
        return self.model_copy(
            update={"content_security_policy": content_security_policy(settings)}
        )

    def var_file(self, directory: Path) -> Path:
        """Written on every deploy and kept: destroy passes the very same values (Terraform
        validates variables on destroy too)."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / INPUTS_FILE
        path.write_text(json.dumps(self.model_dump(), indent=2), encoding="utf-8")
        return path


class Aws:
    """boto3 clients for one region (and, in tests, one local endpoint)."""

    def __init__(self, region: str, endpoint_url: str | None = None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url

    def client(self, service: str) -> Any:
        return boto3.client(  # type: ignore[call-overload]
            service, region_name=self.region, endpoint_url=self.endpoint_url
        )


class DatabaseSetup(Protocol):
    def __call__(self, settings: Settings) -> str:
        """Migrate and seed the database `settings` name; return the revision it is at."""
        ...


class KnowledgeSetup(Protocol):
    def __call__(self, settings: Settings) -> int:
        """File the starter notes in the knowledge base; return how many were new."""
        ...


class Smoke(Protocol):
    def __call__(self, outputs: dict[str, dict[str, Any]], aws: Aws) -> list[str]:
        """Lines describing what was checked; raises DeployError on a failed check."""
        ...


@dataclass
class Deployment:
    """Everything one run needs; the defaults are the real things."""

    root: Path
    inputs: DeployInputs
    terraform: Terraform
    aws: Aws
    operator: Settings
    build_frontend: Callable[[Path, DeployInputs], Path]
    setup_database: DatabaseSetup
    seed_knowledge: KnowledgeSetup
    smoke: Smoke
    say: Callable[[str], None] = print
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def terraform_root(self) -> Path:
        return self.root / "terraform"

    @property
    def work_dir(self) -> Path:
        return self.root / "build" / "deploy"


# --- deploy ---------------------------------------------------------------------------------


def preflight(deployment: Deployment, *, tools: dict[str, str]) -> str:
    """All problems at once, each with its fix; returns the AWS account id."""
    problems = tool_problems(tools)
    version = terraform_version_problem()
    if version and "terraform" in tools:
        problems.append(version)
    account, credentials = credentials_problem(deployment.aws.client("sts"))
    if credentials:
        problems.append(credentials)
    else:
        problems += bedrock_problems(
            deployment.aws.client("bedrock"),
            deployment.inputs.aws_region,
            [deployment.inputs.model_id, deployment.inputs.embedding_model],
        )
    if problems:
        raise DeployError(
            "cannot deploy yet:\n" + "\n".join(f"  - {problem}" for problem in problems)
        )
    assert account is not None
    regions = model_regions(
        deployment.aws.client("bedrock"), deployment.inputs.aws_region, deployment.inputs.model_id
    )
    deployment.inputs = deployment.inputs.model_copy(update={"bedrock_regions": regions})
    return account


def deploy(deployment: Deployment, *, package: Callable[[], None]) -> str:
    """Take the account to a working URL; returns it. Safe to run again: Terraform converges,
    the secret keeps its generated keys, uploads replace the site."""
    say = deployment.say
    all_parts = parts(deployment.terraform_root)
    _same_deployment(deployment)
    say("==> packaging the Lambda functions")
    package()
    var_file = deployment.inputs.var_file(deployment.work_dir)
    for part in all_parts:
        say(f"==> applying {part.path.name}")
        deployment.terraform.apply(part, var_file)
        deployment.outputs[part.name] = deployment.terraform.outputs(part)
        if part.name == FOUNDATION:
            _write_app_secret(deployment)
        elif part.name == DATABASE:
            say("==> migrating and seeding the database through the Data API")
            revision = deployment.setup_database(_aws_settings(deployment))
            say(f"    database at revision {revision}")
        elif part.name == KNOWLEDGE:
            say("==> creating the vector index and filing the starter notes")
            created = create_vector_index(deployment)
            say(f"    vector index {'created' if created else 'already there'}")
            added = deployment.seed_knowledge(_aws_settings(deployment))
            say(f"    {added} starter notes filed")
    frontend = _outputs(deployment, FRONTEND)
    say("==> building the web app")
    site = deployment.build_frontend(deployment.root, deployment.inputs)
    uploaded, removed = upload_site(deployment.aws.client("s3"), site, frontend["site_bucket"])
    say(f"    uploaded {uploaded} files, removed {removed} stale ones")
    invalidation = invalidate(
        deployment.aws.client("cloudfront"), frontend["cloudfront_distribution_id"]
    )
    say(f"    CloudFront invalidation {invalidation} started")
    say("==> smoke test")
    for line in deployment.smoke(deployment.outputs, deployment.aws):
        say(f"    {line}")
    say(f"Alex is live at {frontend['site_url']}")
    return str(frontend["site_url"])


def _same_deployment(deployment: Deployment) -> None:
    """Each part keeps one local state: deploying another project, environment or region over
    it would make Terraform rename (so replace, and delete) or lose track of (so orphan) what
    the recorded deployment created."""
    recorded = deployment.work_dir / INPUTS_FILE
    if not recorded.is_file():
        return
    before = DeployInputs.model_validate_json(recorded.read_text(encoding="utf-8"))
    changed = [
        f"{name} {getattr(before, name)!r} -> {getattr(deployment.inputs, name)!r}"
        for name in ("project", "environment", "aws_region")
        if getattr(before, name) != getattr(deployment.inputs, name)
    ]
    if changed and any(part.has_resources() for part in parts(deployment.terraform_root)):
        raise DeployError(
            "this checkout already holds a deployment, and "
            + "; ".join(changed)
            + " would replace or orphan it: run scripts/destroy.py first, or deploy the other "
            "one from another checkout"
        )


def _outputs(deployment: Deployment, part: str) -> dict[str, Any]:
    try:
        return deployment.outputs[part]
    except KeyError:
        raise DeployError(f"no Terraform part named *_{part} under terraform/") from None


def _write_app_secret(deployment: Deployment) -> None:
    """The app secret holds every secret setting the operator has set, plus a knowledge
    service key (generated once, then kept). Terraform creates the secret empty, so no value
    is in its state; only the key names are printed."""
    arn = _outputs(deployment, FOUNDATION)["app_secret_arn"]
    client = deployment.aws.client("secretsmanager")
    existing: dict[str, str] = {}
    # Terraform created it without a value: on the first deploy there is nothing to read.
    with contextlib.suppress(client.exceptions.ResourceNotFoundException):
        existing = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    current = {f"ALEX_{name.upper()}" for name in Settings.model_fields}
    dropped = sorted(key for key in existing if key not in current)
    if dropped:
        # A setting a newer version renamed: functions refuse unknown keys at start.
        deployment.say(
            f"    dropped from the app secret (no longer settings): {', '.join(dropped)}"
        )
    kept = {key: value for key, value in existing.items() if key in current}
    values = {**kept, **secret_settings(deployment.operator)}
    values.setdefault("ALEX_KNOWLEDGE_SERVICE_KEY", token_source.token_urlsafe(32))
    client.put_secret_value(SecretId=arn, SecretString=json.dumps(values, sort_keys=True))
    deployment.say(f"    app secret holds: {', '.join(sorted(values))}")


# Settings that are not secret but only the operator knows, carried in the app secret too
# (the functions read every ALEX_* key there): what the price keys and LangFuse keys need.
OPERATOR_SETTINGS = ("price_provider", "langfuse_host")


def secret_settings(settings: Settings) -> dict[str, str]:
    """The operator's secret settings that are set, and the operator settings above when they
    differ from the default, by their variable names."""
    values = {
        f"ALEX_{name.upper()}": value.get_secret_value()
        for name in Settings.model_fields
        if isinstance(value := getattr(settings, name), SecretStr) and value.get_secret_value()
    }
    for name in OPERATOR_SETTINGS:
        value = getattr(settings, name)
        if value != Settings.model_fields[name].default:
            values[f"ALEX_{name.upper()}"] = str(value)
    return values


def _aws_settings(deployment: Deployment) -> Settings:
    """The settings the deploy's own database and knowledge steps run with: the deployed
    functions' (from the parts' outputs), not the operator's local ones (a local endpoint
    override or embedding size would send them elsewhere)."""
    outputs = deployment.outputs
    embeddings = outputs.get("embeddings", {})
    values: dict[str, Any] = {
        "env": "production",
        "database_url": _outputs(deployment, DATABASE)["database_url"],
        "aws_region": deployment.inputs.aws_region,
        "bedrock_region": deployment.inputs.aws_region,
        "embedding_model": embeddings.get("embedding_model", deployment.inputs.embedding_model),
        "embedding_dimensions": int(embeddings.get("embedding_dimensions", 0)),
        "aws_endpoint_url": deployment.aws.endpoint_url or "",
    }
    if KNOWLEDGE in outputs:
        values |= {
            "vector_store": "s3vectors",
            "s3_vectors_bucket": outputs[KNOWLEDGE]["vectors_bucket"],
            "s3_vectors_index": outputs[KNOWLEDGE]["vectors_index"],
        }
    return Settings(_env_file=None, **values)


def create_vector_index(deployment: Deployment) -> bool:
    """The S3 Vectors bucket and index (the AWS provider this was built with has no resource
    for them), with the dimension, type and metric the knowledge part states. Returns False
    when both were there already."""
    knowledge = _outputs(deployment, KNOWLEDGE)
    client = deployment.aws.client("s3vectors")
    inputs = deployment.inputs
    tags = {"Project": inputs.project, "Environment": inputs.environment, "Owner": inputs.owner}
    bucket, name = knowledge["vectors_bucket"], knowledge["vectors_index"]
    dimension = int(knowledge["vectors_dimension"])
    created = False
    try:
        client.get_vector_bucket(vectorBucketName=bucket)
    except client.exceptions.NotFoundException:
        client.create_vector_bucket(vectorBucketName=bucket, tags=tags)
        created = True
    try:
        index = client.get_index(vectorBucketName=bucket, indexName=name)["index"]
    except client.exceptions.NotFoundException:
        client.create_index(
            vectorBucketName=bucket,
            indexName=name,
            dataType=knowledge.get("vectors_data_type", "float32"),
            dimension=dimension,
            distanceMetric=knowledge.get("vectors_distance_metric", "cosine"),
            tags=tags,
        )
        return True
    if int(index["dimension"]) != dimension:
        raise DeployError(
            f"the vector index {name} has dimension {index['dimension']} but the embedder "
            f"gives {dimension}: run scripts/destroy.py (or delete the index) and deploy again"
        )
    return created


def delete_vector_index(client: Any, bucket: str, index: str) -> bool:
    """Undo `create_vector_index`; False when there was nothing to delete."""
    deleted = False
    # Apart: a deploy stopped between creating the bucket and the index leaves a bucket only.
    with contextlib.suppress(client.exceptions.NotFoundException):
        client.delete_index(vectorBucketName=bucket, indexName=index)
        deleted = True
    with contextlib.suppress(client.exceptions.NotFoundException):
        client.delete_vector_bucket(vectorBucketName=bucket)
        deleted = True
    return deleted


def upload_site(s3: S3Client, site: Path, bucket: str) -> tuple[int, int]:
    """Put every file of the static export, then delete what the new build no longer has.
    Hashed assets are cached for a year; everything else is revalidated, so a deploy shows at
    once."""
    if not (site / "index.html").is_file():
        raise DeployError(f"{site} has no index.html: the web-app build did not finish")
    keys: set[str] = set()
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        key = path.relative_to(site).as_posix()
        content_type = content_type_of(path)
        cache = IMMUTABLE if key.startswith("_next/static/") else REVALIDATE
        s3.upload_file(
            str(path),
            bucket,
            key,
            ExtraArgs={"ContentType": content_type, "CacheControl": cache},
        )
        keys.add(key)
    stale = [key for key in _keys(s3, bucket) if key not in keys]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": [{"Key": key} for key in stale[start : start + 1000]]},
        )
    return len(keys), len(stale)


# The types the static export uses, fixed: `mimetypes` reads the Windows registry, where `.js`
# can be text/plain, which browsers refuse under CloudFront's `nosniff`.
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
}


def content_type_of(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _keys(s3: S3Client, bucket: str) -> Iterator[str]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def invalidate(cloudfront: Any, distribution_id: str) -> str:
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"alex-deploy-{uuid.uuid4()}",
        },
    )
    return str(answer["Invalidation"]["Id"])


def build_frontend(root: Path, inputs: DeployInputs) -> Path:
    """`npm ci` and the static export, with Clerk's publishable key baked in. The API is the
    same origin (CloudFront sends `/api/*` to it), so no API URL is built in."""
    frontend = root / "frontend"
    env = {"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY": inputs.clerk_publishable_key}
    # The path `which` finds: on Windows npm is npm.cmd, which a bare "npm" does not run.
    npm = shutil.which("npm")
    if npm is None:
        raise DeployError("npm is not on PATH: install Node.js 20+ (https://nodejs.org)")
    for command in ([npm, "ci", "--no-audit", "--no-fund"], [npm, "run", "build"]):
        done = subprocess.run(  # noqa: S603 - fixed commands
            command, cwd=frontend, check=False, env={**os.environ, **env}
        )
        if done.returncode != 0:
            raise DeployError(f"`npm {' '.join(command[1:])}` failed in frontend/ (see above)")
    return frontend / "out"


def setup_database(settings: Settings) -> str:
    """Migrate through the Data API and load the shared reference data (the S&P 500, the
    fund list): what `alex db seed` does, without the demo user."""
    from alembic.runtime.migration import MigrationContext

    from alex.db.migrate import upgrade
    from alex.db.seed import seed_reference
    from alex.db.session import make_engine, session_scope

    url = settings.resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            seed_reference(session)
        with engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
    return ", ".join(heads)


def seed_knowledge(settings: Settings) -> int:
    """The starter notes, embedded with the deployed embedder into the S3 Vectors index."""
    from alex.db.session import make_engine
    from alex.knowledge.factory import knowledge_base
    from alex.knowledge.seed import seed_starter_notes

    engine = make_engine(settings.resolved_database_url)
    try:
        results = seed_starter_notes(knowledge_base(settings, engine))
    finally:
        engine.dispose()
    return sum(1 for result in results if result.created)


def smoke(
    outputs: dict[str, dict[str, Any]],
    aws: Aws,
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """The site through CloudFront (its home page, and `/api/*` reaching the API with Clerk
    sign-in); the API's own endpoint (up, and the database at the latest migration: a Data
    API read made by the API); and a direct Data API read of the schema revision."""
    frontend = outputs[FRONTEND]
    site, api = frontend["site_url"].rstrip("/"), frontend["api_url"].rstrip("/")
    checks: list[tuple[str, Callable[[httpx.Response], bool]]] = [
        (f"{site}/", lambda r: "text/html" in r.headers.get("content-type", "")),
        (
            f"{site}/api/auth/config",
            lambda r: (
                _json(r).get("mode") == "clerk" and bool(_json(r).get("clerk_publishable_key"))
            ),
        ),
        (f"{api}/health", lambda r: _json(r).get("status") == "ok"),
        (f"{api}/ready", lambda r: _json(r).get("migrations_at_head") is True),
    ]
    lines: list[str] = []
    with httpx.Client(timeout=30, transport=transport) as client:
        for url, check in checks:
            response = client.get(url)
            if response.status_code != 200 or not check(response):
                raise DeployError(
                    f"smoke test: GET {url} answered {response.status_code} {response.text[:200]!r}"
                )
            lines.append(f"GET {url}: {response.status_code} ok")
    database = outputs[DATABASE]
    answer = aws.client("rds-data").execute_statement(
        resourceArn=database["cluster_arn"],
        secretArn=database["database_secret_arn"],
        database=database["database_name"],
        sql="SELECT version_num FROM alembic_version",
    )
    revisions = [record[0].get("stringValue") for record in answer.get("records", [])]
    if not revisions:
        raise DeployError("smoke test: the Data API read found no schema revision")
    lines.append(f"Data API read: schema at {', '.join(str(r) for r in revisions)}")
    return lines


def _json(response: httpx.Response) -> dict[str, Any]:
    if "json" not in response.headers.get("content-type", ""):
        return {}
    body = response.json()
    return body if isinstance(body, dict) else {}


# --- destroy --------------------------------------------------------------------------------


def destroy(deployment: Deployment) -> int:
    """Empty what Terraform cannot delete while full, then destroy every part in reverse.
    Parts with nothing in their state are skipped. Returns the number of parts destroyed."""
    say = deployment.say
    var_file = deployment.work_dir / INPUTS_FILE
    done = 0
    for part in reversed(parts(deployment.terraform_root)):
        if not part.has_resources():
            say(f"==> {part.path.name}: nothing deployed")
            continue
        if not var_file.is_file():
            raise DeployError(
                f"{var_file} is missing: it records the inputs the deployment was made with, "
                "and Terraform needs them to destroy it. Run destroy from the checkout that "
                "deployed."
            )
        outputs = deployment.terraform.outputs(part)
        if part.name == KNOWLEDGE and outputs.get("vectors_bucket"):
            client = deployment.aws.client("s3vectors")
            if delete_vector_index(client, outputs["vectors_bucket"], outputs["vectors_index"]):
                say(f"    deleted the vector index in {outputs['vectors_bucket']}")
        for bucket_output in ("site_bucket", "artifacts_bucket"):
            if outputs.get(bucket_output):
                removed = empty_bucket(deployment.aws.client("s3"), outputs[bucket_output])
                say(f"    emptied {outputs[bucket_output]} ({removed} objects)")
        say(f"==> destroying {part.path.name}")
        deployment.terraform.destroy(part, var_file)
        done += 1
    return done


def empty_bucket(s3: S3Client, bucket: str) -> int:
    """Delete every object version and delete marker (a versioned bucket is not empty until
    then, and Terraform refuses to delete it)."""
    removed = 0
    try:
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket))
    except s3.exceptions.NoSuchBucket:
        return 0
    for page in pages:
        doomed = [
            {"Key": item["Key"], "VersionId": item["VersionId"]}
            for kind in ("Versions", "DeleteMarkers")
            for item in page.get(kind, [])  # type: ignore[attr-defined]
        ]
        for start in range(0, len(doomed), 1000):
            s3.delete_objects(
                Bucket=bucket,
                Delete={"Objects": doomed[start : start + 1000]},  # type: ignore[typeddict-item]
            )
        removed += len(doomed)
    return removed
