"""scripts/deploy.py and scripts/destroy.py: the order of events, with a fake Terraform that
creates what each part would (buckets, the empty app secret, a CloudFront distribution) in a
moto server, so uploads, the secret, the invalidation and the emptying of buckets are real
calls on the AWS wire format."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import typer
from botocore.stub import Stubber
from pydantic import SecretStr

from alex.core.config import Settings
from alex.deploy.checks import bedrock_model, bedrock_problems, model_regions
from alex.deploy.steps import (
    IMMUTABLE,
    REVALIDATE,
    Aws,
    DeployError,
    DeployInputs,
    Deployment,
    content_type_of,
    deploy,
    destroy,
    preflight,
    secret_settings,
    setup_database,
    smoke,
)
from alex.deploy.terraform import Part, parts
from tests.jobs.conftest import moto_server

pytestmark = pytest.mark.xdist_group("moto")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PART_NAMES = [
    "01_foundation",
    "02_embeddings",
    "03_database",
    "04_knowledge",
    "05_researcher",
    "06_agents",
    "07_frontend",
    "08_observability",
]
CLUSTER = "arn:aws:rds:us-east-1:123456789012:cluster:alex-prod"
DB_SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-abc-AbCdEf"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Aws:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    return Aws("us-east-1", moto_url)


class FakeTerraform:
    """Applies a part by creating, in moto, what that part's Terraform creates and the deploy
    steps touch; records every call; keeps a state file like Terraform's local backend."""

    def __init__(self, aws: Aws, suffix: str) -> None:
        self.aws = aws
        self.suffix = suffix
        self.calls: list[tuple[str, str]] = []
        self.var_files: list[dict[str, Any]] = []
        self._outputs: dict[str, dict[str, Any]] = {}

    def apply(self, part: Part, var_file: Path) -> None:
        self.calls.append(("apply", part.path.name))
        self.var_files.append(json.loads(var_file.read_text()))
        if part.path.name not in self._outputs:  # Terraform converges: a re-apply changes nothing
            self._outputs[part.path.name] = self._create(part.name)
        part.state_file.write_text(json.dumps({"resources": [{"type": "fake"}]}))

    def destroy(self, part: Part, var_file: Path) -> None:
        self.calls.append(("destroy", part.path.name))
        s3 = self.aws.client("s3")
        outputs = self._outputs.pop(part.path.name, {})
        for key in ("site_bucket", "artifacts_bucket"):
            if bucket := outputs.get(key):
                s3.delete_bucket(Bucket=bucket)  # fails while the bucket holds anything
        if secret := outputs.get("app_secret_arn"):
            self.aws.client("secretsmanager").delete_secret(
                SecretId=secret, ForceDeleteWithoutRecovery=True
            )
        part.state_file.write_text(json.dumps({"resources": []}))

    def outputs(self, part: Part) -> dict[str, Any]:
        return self._outputs.get(part.path.name, {})

    def output_names(self, name: str) -> list[str]:
        """The output names this fake gives part `name`, without creating anything."""
        return list(_FAKE_OUTPUT_NAMES[name])

    def _create(self, name: str) -> dict[str, Any]:
        outputs = self._build(name)
        assert set(outputs) == set(_FAKE_OUTPUT_NAMES[name]), name
        return outputs

    def _build(self, name: str) -> dict[str, Any]:
        s3 = self.aws.client("s3")
        if name == "foundation":
            bucket = f"alex-artifacts-{self.suffix}"
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            s3.put_object(Bucket=bucket, Key="api.zip", Body=b"v1")
            s3.put_object(Bucket=bucket, Key="api.zip", Body=b"v2")
            secret = self.aws.client("secretsmanager").create_secret(Name=f"alex/{self.suffix}")
            return {"artifacts_bucket": bucket, "app_secret_arn": secret["ARN"]}
        if name == "embeddings":
            return {
                "embedding_model": "bedrock/amazon.titan-embed-text-v2:0",
                "embedding_dimensions": 1024,
            }
        if name == "database":
            return {
                "cluster_arn": CLUSTER,
                "database_secret_arn": DB_SECRET,
                "database_name": "alex",
                "database_url": f"postgresql+dataapi:///alex?resource_arn={CLUSTER}"
                f"&secret_arn={DB_SECRET}",
            }
        if name == "knowledge":
            return {
                "vectors_bucket": f"alex-vectors-{self.suffix}",
                "vectors_index": "alex-knowledge",
                "vectors_dimension": 1024,
                "vectors_data_type": "float32",
                "vectors_distance_metric": "cosine",
            }
        if name == "frontend":
            bucket = f"alex-site-{self.suffix}"
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key="old-page/index.html", Body=b"stale")
            distribution = self.aws.client("cloudfront").create_distribution(
                DistributionConfig=_distribution_config(bucket)
            )["Distribution"]
            return {
                "site_bucket": bucket,
                "cloudfront_distribution_id": distribution["Id"],
                "site_url": f"https://{distribution['DomainName']}",
                "api_url": "https://abc.execute-api.us-east-1.amazonaws.com",
            }
        return {"function_names": {}}


_FAKE_OUTPUT_NAMES = {
    "foundation": ("artifacts_bucket", "app_secret_arn"),
    "embeddings": ("embedding_model", "embedding_dimensions"),
    "database": ("cluster_arn", "database_secret_arn", "database_name", "database_url"),
    "knowledge": (
        "vectors_bucket",
        "vectors_index",
        "vectors_dimension",
        "vectors_data_type",
        "vectors_distance_metric",
    ),
    "researcher": ("function_names",),
    "agents": ("function_names",),
    "frontend": ("site_bucket", "cloudfront_distribution_id", "site_url", "api_url"),
    "observability": ("function_names",),
}


def _distribution_config(bucket: str) -> dict[str, Any]:
    return {
        "CallerReference": f"{bucket}-{uuid.uuid4()}",
        "Comment": "test",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "site",
                    "DomainName": f"{bucket}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "site",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
    }


INPUTS = DeployInputs(
    owner="team-alex",
    alert_email="ops@example.com",
    clerk_publishable_key="pk_test_abc",
    clerk_jwks_url="https://clerk.example.com/.well-known/jwks.json",
    clerk_issuer="https://clerk.example.com",
)


def _site(root: Path) -> Path:
    out = root / "out"
    (out / "_next" / "static" / "chunks").mkdir(parents=True, exist_ok=True)
    (out / "accounts").mkdir(exist_ok=True)
    (out / "index.html").write_text("<html>home</html>")
    (out / "accounts" / "index.html").write_text("<html>accounts</html>")
    (out / "_next" / "static" / "chunks" / "app-1a2b.js").write_text("console.log(1)")
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in PART_NAMES:
        (tmp_path / "terraform" / name).mkdir(parents=True)
    (tmp_path / "terraform" / "modules").mkdir()  # not a part: no NN_ prefix
    return tmp_path


def _deployment(project: Path, aws: Aws, terraform: FakeTerraform, **kw: Any) -> Deployment:
    events: list[str] = kw.pop("events", [])
    operator = Settings(
        _env_file=None,  # type: ignore[call-arg]
        polygon_api_key=SecretStr("pk-live"),
        langfuse_secret_key=SecretStr("lf-secret"),
    )

    def build(root: Path, inputs: DeployInputs) -> Path:
        events.append(f"build frontend with {inputs.clerk_publishable_key}")
        return _site(root)

    def setup_database(settings: Settings) -> str:
        events.append(f"database {settings.resolved_database_url.split('?')[0]}")
        return "0007_retirement_plan"

    def seed_knowledge(settings: Settings) -> int:
        events.append(
            f"knowledge {settings.vector_store} {settings.s3_vectors_bucket} "
            f"{settings.s3_vectors_index} {settings.embedding_model} "
            f"{settings.embedding_dimensions}"
        )
        return 12

    def fake_smoke(outputs: dict[str, dict[str, Any]], aws: Aws) -> list[str]:
        events.append(f"smoke {outputs['frontend']['site_url']}")
        return ["GET /health: 200 ok"]

    return Deployment(
        root=project,
        inputs=INPUTS,
        terraform=terraform,
        aws=aws,
        operator=operator,
        build_frontend=build,
        setup_database=setup_database,
        seed_knowledge=seed_knowledge,
        smoke=fake_smoke,
        say=events.append,
        **kw,
    )


def test_deploy_applies_every_part_in_order_then_builds_uploads_and_checks(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "order")
    events: list[str] = []
    deployment = _deployment(project, aws, terraform, events=events)
    packaged: list[bool] = []

    url = deploy(deployment, package=lambda: packaged.append(True))

    assert packaged == [True]
    assert terraform.calls == [("apply", name) for name in PART_NAMES]
    assert url.startswith("https://") and url.endswith(".cloudfront.net")
    # Every part gets the same non-secret inputs.
    assert all(vars_ == terraform.var_files[0] for vars_ in terraform.var_files)
    assert terraform.var_files[0]["owner"] == "team-alex"
    assert "pk-live" not in json.dumps(terraform.var_files)
    # The database is set up right after its part; the starter notes right after the
    # knowledge part, into its index, with the embedder the embeddings part chose.
    database_step = events.index("database postgresql+dataapi:///alex")
    assert events.index("==> applying 03_database") < database_step
    assert database_step < events.index("==> applying 04_knowledge")
    knowledge_step = events.index(
        "knowledge s3vectors alex-vectors-order alex-knowledge "
        "bedrock/amazon.titan-embed-text-v2:0 1024"
    )
    assert events.index("==> applying 04_knowledge") < knowledge_step
    assert knowledge_step < events.index("==> applying 05_researcher")
    assert events[-1] == f"Alex is live at {url}"
    assert f"smoke {url}" in events
    assert "build frontend with pk_test_abc" in events


def test_the_app_secret_gets_the_operators_secret_settings_and_keeps_its_generated_key(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "secret")
    events: list[str] = []
    deploy(_deployment(project, aws, terraform, events=events), package=lambda: None)
    arn = terraform.outputs(Part(project / "terraform" / "01_foundation"))["app_secret_arn"]
    client = aws.client("secretsmanager")
    first = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    assert first["ALEX_POLYGON_API_KEY"] == "pk-live"
    assert first["ALEX_LANGFUSE_SECRET_KEY"] == "lf-secret"
    assert len(first["ALEX_KNOWLEDGE_SERVICE_KEY"]) >= 40
    # The secret holds only settings the functions accept (Settings refuses other keys).
    assert all(key.startswith("ALEX_") for key in first)
    # Only names are printed, never values.
    assert not any("pk-live" in line or "lf-secret" in line for line in events)

    deploy(_deployment(project, aws, terraform), package=lambda: None)
    again = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    assert again["ALEX_KNOWLEDGE_SERVICE_KEY"] == first["ALEX_KNOWLEDGE_SERVICE_KEY"]


def test_the_site_is_uploaded_with_cache_headers_stale_files_removed_and_invalidated(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "site")
    deploy(_deployment(project, aws, terraform), package=lambda: None)
    outputs = terraform.outputs(Part(project / "terraform" / "07_frontend"))
    s3 = aws.client("s3")
    keys = sorted(
        item["Key"] for item in s3.list_objects_v2(Bucket=outputs["site_bucket"])["Contents"]
    )
    assert keys == ["_next/static/chunks/app-1a2b.js", "accounts/index.html", "index.html"]
    page = s3.head_object(Bucket=outputs["site_bucket"], Key="accounts/index.html")
    asset = s3.head_object(Bucket=outputs["site_bucket"], Key="_next/static/chunks/app-1a2b.js")
    assert (page["ContentType"], page["CacheControl"]) == ("text/html", REVALIDATE)
    assert asset["CacheControl"] == IMMUTABLE
    assert asset["ContentType"] in {"text/javascript", "application/javascript"}
    invalidations = aws.client("cloudfront").list_invalidations(
        DistributionId=outputs["cloudfront_distribution_id"]
    )["InvalidationList"]
    assert invalidations["Quantity"] == 1


def test_a_build_without_index_html_stops_before_anything_is_uploaded(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "nobuild")
    deployment = _deployment(project, aws, terraform)
    deployment.build_frontend = lambda root, inputs: root
    with pytest.raises(DeployError, match=r"no index\.html"):
        deploy(deployment, package=lambda: None)
    bucket = terraform.outputs(Part(project / "terraform" / "07_frontend"))["site_bucket"]
    keys = [item["Key"] for item in aws.client("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["old-page/index.html"]


def test_destroy_empties_versioned_buckets_and_removes_parts_newest_first(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "destroy")
    deploy(_deployment(project, aws, terraform), package=lambda: None)
    terraform.calls.clear()
    # A part that was never applied (no state) is skipped.
    (project / "terraform" / "05_researcher" / "terraform.tfstate").unlink()

    count = destroy(_deployment(project, aws, terraform))

    expected = [name for name in reversed(PART_NAMES) if name != "05_researcher"]
    assert terraform.calls == [("destroy", name) for name in expected]
    assert count == len(expected)
    buckets = [bucket["Name"] for bucket in aws.client("s3").list_buckets()["Buckets"]]
    assert "alex-site-destroy" not in buckets
    assert "alex-artifacts-destroy" not in buckets
    # Run again: nothing left to destroy.
    terraform.calls.clear()
    assert destroy(_deployment(project, aws, terraform)) == 0
    assert terraform.calls == []


def test_the_real_terraform_parts_are_the_ones_the_deploy_expects() -> None:
    names = [part.path.name for part in parts(PROJECT_ROOT / "terraform")]
    assert names == PART_NAMES


def test_inputs_are_validated_by_name() -> None:
    with pytest.raises(ValueError, match="alert_email"):
        INPUTS.model_validate({**INPUTS.model_dump(), "alert_email": "not-an-address"})
    with pytest.raises(ValueError, match="aws_region"):
        INPUTS.model_validate({**INPUTS.model_dump(), "aws_region": "moon-1"})
    with pytest.raises(ValueError, match="clerk_issuer"):
        INPUTS.model_validate({**INPUTS.model_dump(), "clerk_issuer": ""})
    with pytest.raises(ValueError, match="clerk_publishable_key"):
        INPUTS.model_validate({**INPUTS.model_dump(), "clerk_publishable_key": "sk_live_x"})


def test_the_content_security_policy_is_the_apis_own_for_these_clerk_settings() -> None:
    policy = INPUTS.with_content_security_policy().content_security_policy
    assert "script-src 'self' https://clerk.example.com" in policy
    assert "connect-src 'self' https://clerk.example.com" in policy


def test_secret_settings_are_the_set_secret_fields_by_variable_name() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        tiingo_api_key=SecretStr("t"),
        model_api_key=SecretStr(""),
    )
    assert secret_settings(settings) == {"ALEX_TIINGO_API_KEY": "t"}


# --- smoke test -------------------------------------------------------------------------


SITE = "https://d1.cloudfront.net"
API = "https://abc.execute-api.us-east-1.amazonaws.com"


def _api(mode: str = "clerk", at_head: bool = True, site_html: bool = True) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url == f"{SITE}/":
            kind = "text/html" if site_html else "application/xml"
            return httpx.Response(200, text="<html></html>", headers={"content-type": kind})
        bodies = {
            f"{SITE}/api/auth/config": {
                "mode": mode,
                "demo_enabled": False,
                "clerk_publishable_key": "pk_test_abc",
            },
            f"{API}/health": {"status": "ok"},
            f"{API}/ready": {"status": "ready", "migrations_at_head": at_head},
        }
        if url not in bodies:
            return httpx.Response(404, json={"detail": "not found"})
        status = 503 if url.endswith("/ready") and not at_head else 200
        return httpx.Response(status, json=bodies[url])

    return httpx.MockTransport(answer)


def _stubbed_rds_data(aws: Aws, stubber_calls: list[Stubber]) -> Aws:
    client = boto3.client(
        "rds-data", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stubber = Stubber(client)
    stubber.add_response(
        "execute_statement",
        {"records": [[{"stringValue": "0007_retirement_plan"}]]},
        {
            "resourceArn": CLUSTER,
            "secretArn": DB_SECRET,
            "database": "alex",
            "sql": "SELECT version_num FROM alembic_version",
        },
    )
    stubber.activate()
    stubber_calls.append(stubber)

    class WithStub(Aws):
        def client(self, service: str) -> Any:
            return client if service == "rds-data" else super().client(service)

    return WithStub(aws.region, aws.endpoint_url)


OUTPUTS = {
    "database": {"cluster_arn": CLUSTER, "database_secret_arn": DB_SECRET, "database_name": "alex"},
    "frontend": {"site_url": SITE, "api_url": API},
}


def test_smoke_checks_the_site_the_api_routing_readiness_and_a_data_api_read() -> None:
    stubbers: list[Stubber] = []
    aws = _stubbed_rds_data(Aws("us-east-1"), stubbers)
    lines = smoke(OUTPUTS, aws, transport=_api())
    assert lines == [
        f"GET {SITE}/: 200 ok",
        f"GET {SITE}/api/auth/config: 200 ok",
        f"GET {API}/health: 200 ok",
        f"GET {API}/ready: 200 ok",
        "Data API read: schema at 0007_retirement_plan",
    ]
    stubbers[0].assert_no_pending_responses()


@pytest.mark.parametrize(
    ("transport", "url"),
    [
        (_api(site_html=False), f"{SITE}/"),
        (_api(mode="local"), f"{SITE}/api/auth/config"),
        (_api(at_head=False), f"{API}/ready"),
    ],
)
def test_smoke_fails_naming_the_check(transport: httpx.MockTransport, url: str) -> None:
    with pytest.raises(DeployError, match=f"GET {re.escape(url)} "):
        smoke(OUTPUTS, Aws("us-east-1"), transport=transport)


# --- the vector index ---------------------------------------------------------------------


def test_deploy_creates_the_vector_index_once_and_destroy_deletes_it(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "vectors")
    events: list[str] = []
    deploy(_deployment(project, aws, terraform, events=events), package=lambda: None)
    client = aws.client("s3vectors")
    index = client.get_index(vectorBucketName="alex-vectors-vectors", indexName="alex-knowledge")
    assert index["index"]["dimension"] == 1024
    assert index["index"]["distanceMetric"] == "cosine"
    assert "    vector index created" in events

    events.clear()
    deploy(_deployment(project, aws, terraform, events=events), package=lambda: None)
    assert "    vector index already there" in events

    destroy(_deployment(project, aws, terraform))
    buckets = client.list_vector_buckets()["vectorBuckets"]
    assert "alex-vectors-vectors" not in [bucket["vectorBucketName"] for bucket in buckets]


def test_destroy_needs_the_inputs_the_deploy_recorded(project: Path, aws: Aws) -> None:
    terraform = FakeTerraform(aws, "noinputs")
    deploy(_deployment(project, aws, terraform), package=lambda: None)
    recorded = project / "build" / "deploy" / "inputs.tfvars.json"
    assert json.loads(recorded.read_text())["owner"] == "team-alex"
    recorded.unlink()
    terraform.calls.clear()
    with pytest.raises(DeployError, match="inputs the deployment was made with"):
        destroy(_deployment(project, aws, terraform))
    assert terraform.calls == []


# --- Bedrock prerequisites ----------------------------------------------------------------


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "bedrock", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _availability(model: str, authorized: bool = True) -> dict[str, Any]:
    return {
        "modelId": model,
        "agreementAvailability": {"status": "AVAILABLE"},
        "authorizationStatus": "AUTHORIZED" if authorized else "NOT_AUTHORIZED",
        "entitlementAvailability": "AVAILABLE",
        "regionAvailability": "AVAILABLE",
    }


def test_bedrock_models_with_access_pass(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response(
        "get_inference_profile",
        {
            "inferenceProfileName": "US Nova Pro",
            "inferenceProfileArn": "arn:aws:bedrock:us-east-1:1:inference-profile/us.x",
            "inferenceProfileId": "us.amazon.nova-pro-v1:0",
            "status": "ACTIVE",
            "type": "SYSTEM_DEFINED",
            "models": [
                {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"}
            ],
        },
        {"inferenceProfileIdentifier": "us.amazon.nova-pro-v1:0"},
    )
    stubber.add_response(
        "get_foundation_model_availability",
        _availability("amazon.nova-pro-v1:0"),
        {"modelId": "amazon.nova-pro-v1:0"},
    )
    problems = bedrock_problems(
        client, "us-east-1", ["bedrock/us.amazon.nova-pro-v1:0", "openai/gpt-4.1-mini"]
    )
    assert problems == []


def test_a_model_that_needs_an_inference_profile_gets_the_exact_id(
    bedrock: tuple[Any, Stubber],
) -> None:
    client, stubber = bedrock
    stubber.add_response(
        "get_foundation_model",
        {
            "modelDetails": {
                "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
                "modelId": "amazon.nova-pro-v1:0",
                "inferenceTypesSupported": ["INFERENCE_PROFILE"],
            }
        },
        {"modelIdentifier": "amazon.nova-pro-v1:0"},
    )
    problems = bedrock_problems(client, "us-east-1", ["bedrock/amazon.nova-pro-v1:0"])
    assert problems == [
        "amazon.nova-pro-v1:0 answers only through an inference profile: use "
        "`bedrock/us.amazon.nova-pro-v1:0` instead of `bedrock/amazon.nova-pro-v1:0`"
    ]


def test_missing_model_access_names_the_console_page(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_response(
        "get_foundation_model",
        {
            "modelDetails": {
                "modelArn": "arn:aws:bedrock:us-west-2::foundation-model/x",
                "modelId": "amazon.titan-embed-text-v2:0",
                "inferenceTypesSupported": ["ON_DEMAND"],
            }
        },
        {"modelIdentifier": "amazon.titan-embed-text-v2:0"},
    )
    stubber.add_response(
        "get_foundation_model_availability",
        _availability("amazon.titan-embed-text-v2:0", authorized=False),
        {"modelId": "amazon.titan-embed-text-v2:0"},
    )
    [problem] = bedrock_problems(client, "us-west-2", ["bedrock/amazon.titan-embed-text-v2:0"])
    assert "no access to amazon.titan-embed-text-v2:0 in us-west-2" in problem
    assert "https://us-west-2.console.aws.amazon.com/bedrock/home?region=us-west-2" in problem


def test_an_unknown_profile_is_named(bedrock: tuple[Any, Stubber]) -> None:
    client, stubber = bedrock
    stubber.add_client_error(
        "get_inference_profile",
        service_error_code="ResourceNotFoundException",
        expected_params={"inferenceProfileIdentifier": "eu.amazon.nova-pro-v1:0"},
    )
    [problem] = bedrock_problems(client, "us-east-1", ["bedrock/eu.amazon.nova-pro-v1:0"])
    assert problem.startswith("eu.amazon.nova-pro-v1:0 is not a Bedrock model")


@pytest.mark.parametrize(
    ("litellm_id", "model"),
    [
        ("bedrock/us.amazon.nova-pro-v1:0", "us.amazon.nova-pro-v1:0"),
        ("bedrock/converse/us.anthropic.claude-sonnet-4-v1:0", "us.anthropic.claude-sonnet-4-v1:0"),
        ("openai/gpt-4.1-mini", None),
        ("offline", None),
    ],
)
def test_bedrock_model_ids_are_read_from_litellm_ids(litellm_id: str, model: str | None) -> None:
    assert bedrock_model(litellm_id) == model


# --- the scripts' command lines -----------------------------------------------------------


def test_a_bad_flag_is_named_and_nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import alex.deploy.cli as deploy_cli

    ran: list[str] = []
    monkeypatch.setattr(deploy_cli, "preflight", lambda *a, **k: ran.append("preflight"))
    app = typer.Typer()
    app.command()(deploy_cli.deploy_command)
    result = CliRunner().invoke(app, ["--owner", "me", "--alert-email", "nope"])
    assert result.exit_code == 2
    assert "error: --alert-email:" in result.output
    assert ran == []


def test_preflight_lists_every_problem_with_its_fix(
    project: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("alex.deploy.checks.shutil.which", lambda command: None)
    monkeypatch.setattr("alex.deploy.steps.terraform_version_problem", lambda: "no terraform")
    deployment = _deployment(project, aws, FakeTerraform(aws, "pre"))
    monkeypatch.setattr(
        "alex.deploy.steps.bedrock_problems", lambda client, region, ids: [f"access {ids[0]}"]
    )
    with pytest.raises(DeployError) as caught:
        preflight(deployment, tools={"terraform": "get it", "npm": "get node"})
    assert str(caught.value).splitlines() == [
        "cannot deploy yet:",
        "  - terraform is not on PATH: get it",
        "  - npm is not on PATH: get node",
        "  - no terraform",
        "  - access bedrock/us.amazon.nova-pro-v1:0",
    ]


def test_preflight_returns_the_account_when_all_is_well(
    project: Path, aws: Aws, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("alex.deploy.steps.terraform_version_problem", lambda: None)
    monkeypatch.setattr("alex.deploy.steps.bedrock_problems", lambda client, region, ids: [])
    monkeypatch.setattr(
        "alex.deploy.steps.model_regions", lambda client, region, model: ["eu-west-1", "eu-west-3"]
    )
    deployment = _deployment(project, aws, FakeTerraform(aws, "ok"))
    assert preflight(deployment, tools={}) == "123456789012"
    # IAM grants the model where its inference profile sends requests.
    assert deployment.inputs.bedrock_regions == ["eu-west-1", "eu-west-3"]


def test_an_index_of_another_dimension_stops_the_deploy(project: Path, aws: Aws) -> None:
    client = aws.client("s3vectors")
    client.create_vector_bucket(vectorBucketName="alex-vectors-dims")
    client.create_index(
        vectorBucketName="alex-vectors-dims",
        indexName="alex-knowledge",
        dataType="float32",
        dimension=256,
        distanceMetric="cosine",
    )
    with pytest.raises(DeployError, match="has dimension 256 but the embedder gives 1024"):
        deploy(_deployment(project, aws, FakeTerraform(aws, "dims")), package=lambda: None)


# --- the database steps through the Data API stand-in -------------------------------------


@pytest.fixture
def data_api_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str, str]]:
    """(the Data API URL of a new empty database, the stand-in's endpoint, the database name),
    served by the RDS Data API stand-in over the PostgreSQL at 127.0.0.1:5432."""
    from tests.conftest import throwaway_database
    from tests.db.conftest import DUMMY_AWS_ENV, data_api_url, start_data_api

    for key, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    with throwaway_database("_deploy") as name:
        stand_in = start_data_api(name)
        try:
            yield data_api_url(name, stand_in.url), stand_in.url, name
        finally:
            stand_in.close()


@pytest.mark.postgres
def test_the_database_step_migrates_and_seeds_through_the_data_api(
    data_api_database: tuple[str, str, str],
) -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import func, select

    from alex.db.migrate import alembic_config
    from alex.db.models import Instrument
    from alex.db.session import make_engine, session_scope
    from tests.standins.rds_data import CLUSTER_ARN, SECRET_ARN

    url, endpoint, name = data_api_database
    revision = setup_database(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert revision == head
    engine = make_engine(url)
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Instrument)) > 30_000
    engine.dispose()
    # The smoke test's own Data API read, on the wire to the same stand-in.
    answer = (
        Aws("us-east-1", endpoint)
        .client("rds-data")
        .execute_statement(
            resourceArn=CLUSTER_ARN,
            secretArn=SECRET_ARN,
            database=name,
            sql="SELECT version_num FROM alembic_version",
        )
    )
    assert answer["records"] == [[{"stringValue": head}]]


def test_the_regions_of_a_model_come_from_its_inference_profile(
    bedrock: tuple[Any, Stubber],
) -> None:
    client, stubber = bedrock
    arn = "arn:aws:bedrock:{}::foundation-model/amazon.nova-pro-v1:0"
    stubber.add_response(
        "get_inference_profile",
        {
            "inferenceProfileName": "EU Nova Pro",
            "inferenceProfileArn": "arn:aws:bedrock:eu-west-1:1:inference-profile/eu.x",
            "inferenceProfileId": "eu.amazon.nova-pro-v1:0",
            "status": "ACTIVE",
            "type": "SYSTEM_DEFINED",
            "models": [
                {"modelArn": arn.format(region)}
                for region in ("eu-west-3", "eu-central-1", "eu-west-1", "eu-west-3")
            ],
        },
        {"inferenceProfileIdentifier": "eu.amazon.nova-pro-v1:0"},
    )
    regions = model_regions(client, "eu-west-1", "bedrock/eu.amazon.nova-pro-v1:0")
    assert regions == ["eu-central-1", "eu-west-1", "eu-west-3"]
    # A model called on demand answers in the deployment's region.
    assert model_regions(client, "us-west-2", "bedrock/amazon.titan-embed-text-v2:0") == [
        "us-west-2"
    ]


def test_another_environment_or_region_is_refused_over_a_live_deployment(
    project: Path, aws: Aws
) -> None:
    terraform = FakeTerraform(aws, "switch")
    deploy(_deployment(project, aws, terraform), package=lambda: None)
    terraform.calls.clear()
    for change in ({"environment": "staging"}, {"aws_region": "eu-west-1"}):
        other = _deployment(project, aws, terraform)
        other.inputs = INPUTS.model_copy(update=change)
        with pytest.raises(DeployError, match="would replace or orphan it"):
            deploy(other, package=lambda: None)
    assert terraform.calls == []
    # Once destroyed, the checkout may deploy anything.
    destroy(_deployment(project, aws, terraform))
    other = _deployment(project, aws, terraform)
    other.inputs = INPUTS.model_copy(update={"environment": "staging"})
    deploy(other, package=lambda: None)


def test_the_app_secret_drops_keys_that_are_no_longer_settings(project: Path, aws: Aws) -> None:
    terraform = FakeTerraform(aws, "stale")
    events: list[str] = []
    deploy(_deployment(project, aws, terraform), package=lambda: None)
    arn = terraform.outputs(Part(project / "terraform" / "01_foundation"))["app_secret_arn"]
    client = aws.client("secretsmanager")
    value = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    client.put_secret_value(
        SecretId=arn, SecretString=json.dumps({**value, "ALEX_RENAMED_LONG_AGO": "x"})
    )
    deploy(_deployment(project, aws, terraform, events=events), package=lambda: None)
    again = json.loads(client.get_secret_value(SecretId=arn)["SecretString"])
    assert "ALEX_RENAMED_LONG_AGO" not in again
    assert again["ALEX_KNOWLEDGE_SERVICE_KEY"] == value["ALEX_KNOWLEDGE_SERVICE_KEY"]
    assert "    dropped from the app secret (no longer settings): ALEX_RENAMED_LONG_AGO" in events


def test_operator_settings_that_are_not_secret_travel_in_the_app_secret() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        price_provider="polygon",
        polygon_api_key=SecretStr("pk"),
    )
    assert secret_settings(settings) == {
        "ALEX_POLYGON_API_KEY": "pk",
        "ALEX_PRICE_PROVIDER": "polygon",
    }


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("app-1a2b.js", "text/javascript"),
        ("INDEX.HTML", "text/html"),
        ("font.woff2", "font/woff2"),
        ("data.bin", "application/octet-stream"),
    ],
)
def test_content_types_do_not_depend_on_the_machine(name: str, kind: str) -> None:
    assert content_type_of(Path(name)) == kind


def test_the_fake_terraform_reads_only_outputs_the_real_parts_declare(
    tmp_path: Path,
) -> None:
    import hcl2

    fake = FakeTerraform(Aws("us-east-1"), "names")
    for name in PART_NAMES:
        outputs_tf = PROJECT_ROOT / "terraform" / name / "outputs.tf"
        declared = {
            key.strip('"')
            for block in hcl2.loads(outputs_tf.read_text()).get("output", [])
            for key in block
        }
        faked = set(fake.output_names(name.split("_", 1)[1]))
        assert faked <= declared, (name, faked - declared)
