"""`alex doctor` against the real things this machine has: the test databases, a moto SQS
server, a local JWKS, and the model stand-ins speaking OpenAI's and Bedrock's wire formats."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.cli import app
from alex.core.config import Settings, get_settings
from alex.doctor import Check, check_auth, check_models, check_queue, run_checks
from tests.jobs.conftest import start_moto
from tests.standins.bedrock import BedrockStandIn
from tests.standins.chat import ChatRequest, Fault, ScriptedModel, Turn, capable_model
from tests.standins.openai_chat import OpenAIStandIn
from tests.standins.server import Reply, StandIn

runner = CliRunner()


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_the_embedded_default_passes_offline(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alex.db.migrate import upgrade
    from alex.knowledge.factory import knowledge_base
    from alex.knowledge.seed import seed_starter_notes

    upgrade(str(engine.url.render_as_string(hide_password=False)))
    get_settings.cache_clear()
    seed_starter_notes(knowledge_base(get_settings(), engine))

    result = runner.invoke(app, ["doctor"])

    assert result.exit_code == 0, result.output
    assert "PASS  database:" in result.output
    assert "SKIP  prices: no price provider configured" in result.output
    assert (
        "PASS  model offline (planner, tagger, reporter, charter, retirement, researcher)"
        in result.output
    )
    assert "PASS  knowledge: e5 embeddings, flat store: 20 documents" in result.output


def test_knowledge_passes_once_seeded_and_names_passages_without_vectors(engine: Engine) -> None:
    from alex.db.migrate import upgrade
    from alex.doctor import check_knowledge
    from alex.knowledge.factory import knowledge_base
    from alex.knowledge.seed import seed_starter_notes

    upgrade(str(engine.url.render_as_string(hide_password=False)))
    get_settings.cache_clear()
    seed_starter_notes(knowledge_base(get_settings(), engine))

    passed = check_knowledge(get_settings())
    assert passed.status == "pass", passed.message
    assert "20 documents" in passed.message

    # Another embedder's vectors are another space: every passage needs embedding again.
    switched = get_settings().model_copy(update={"embedding_model": "wordllama"})
    stale = check_knowledge(switched)
    assert stale.status == "fail"
    assert "91 of 91 passages have no wordllama" in stale.message
    assert stale.fix == "run `alex knowledge reindex`"
    knowledge_base(switched, engine).reindex()
    assert check_knowledge(switched).status == "pass"


def test_an_unmigrated_database_fails_with_the_fix(tmp_path: Any) -> None:
    checks = run_checks(Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}"))

    database = checks[0]
    assert database.status == "fail" and "alex db upgrade" in database.fix


# --------------------------------------------------------------------------- models


def _tools_refused(request: ChatRequest) -> Turn | Fault:
    if request.tools:
        return Fault("validation", "This model doesn't support tool use.")
    return capable_model(request)


@pytest.fixture
def openai_stand_in() -> Iterator[tuple[OpenAIStandIn, ScriptedModel]]:
    model = ScriptedModel()
    stand_in = OpenAIStandIn(model)
    yield stand_in, model
    stand_in.close()
    assert not stand_in.errors


def _openai(stand_in: OpenAIStandIn, **overrides: Any) -> Settings:
    return Settings(
        **{
            "model": "openai/gpt-4.1-mini",
            "model_base_url": stand_in.base_url,
            "model_api_key": "sk-test",
            **overrides,
        }
    )


def test_models_pass_against_the_openai_compatible_stand_in(
    openai_stand_in: tuple[OpenAIStandIn, ScriptedModel],
) -> None:
    stand_in, _ = openai_stand_in

    checks = check_models(_openai(stand_in, model_tagger="offline"))

    assert [c.status for c in checks] == ["pass"] * 4, [c.line() for c in checks]
    names = [c.name for c in checks]
    assert (
        names[0] == "model openai/gpt-4.1-mini (planner, reporter, charter, retirement, researcher)"
    )
    assert names[1].endswith("tool calling") and names[2].endswith("structured output")
    assert names[3] == "model offline (tagger)"
    sent = stand_in.chat_requests()
    assert [bool(b.get("tools")) for b in sent] == [False, True, False]
    assert "response_format" in sent[2] and "tools" not in sent[2]


def test_a_model_that_cannot_call_tools_is_named_with_the_fix(
    openai_stand_in: tuple[OpenAIStandIn, ScriptedModel], monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in, model = openai_stand_in
    model.default = _tools_refused
    for key, value in {
        "ALEX_MODEL": "openai/gpt-4.1-mini",
        "ALEX_MODEL_BASE_URL": stand_in.base_url,
        "ALEX_MODEL_API_KEY": "sk-test",
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()

    result = runner.invoke(app, ["doctor"])

    assert result.exit_code == 1
    assert (
        "FAIL  model openai/gpt-4.1-mini "
        "(planner, tagger, reporter, charter, retirement, researcher): "
        "tool calling: cannot call tools (" in result.output
    )
    assert "doesn't support tool use" in result.output
    assert "fix: the reporter, retirement, planner and researcher agents need tools" in (
        result.output
    )
    assert (
        "PASS  model openai/gpt-4.1-mini "
        "(planner, tagger, reporter, charter, retirement, researcher): "
        "structured output" in result.output
    )
    assert "sk-test" not in result.output
    get_settings.cache_clear()


def test_a_server_that_ignores_the_schema_fails_the_structured_probe(
    openai_stand_in: tuple[OpenAIStandIn, ScriptedModel],
) -> None:
    stand_in, model = openai_stand_in

    def no_schema(request: ChatRequest) -> Turn | Fault:
        if request.response_schema is not None:
            return Turn(text="There are seven days in a week.")
        return capable_model(request)

    model.default = no_schema

    checks = _by_name(check_models(_openai(stand_in)))

    probe = checks[
        "model openai/gpt-4.1-mini (planner, tagger, reporter, charter, retirement, researcher): "
        "structured output"
    ]
    assert probe.status == "fail" and "no valid JSON" in probe.message
    assert "ALEX_MODEL_TAGGER" in probe.fix


def test_an_unreachable_model_server_says_so() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    checks = check_models(
        Settings(
            model="openai/gpt-4.1-mini",
            model_base_url=f"http://127.0.0.1:{port}/v1",
            model_api_key="sk-test",
        )
    )

    assert len(checks) == 1 and checks[0].status == "fail"
    assert "reaches the provider" in checks[0].fix


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[BedrockStandIn, ScriptedModel]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSTANDIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stand-in-secret")
    model = ScriptedModel()
    stand_in = BedrockStandIn(model, needs_profile=("amazon.nova-pro-v1:0",))
    yield stand_in, model
    stand_in.close()
    assert not stand_in.errors


def test_bedrock_passes_through_its_inference_profile(
    bedrock: tuple[BedrockStandIn, ScriptedModel],
) -> None:
    stand_in, _ = bedrock
    settings = Settings(
        model="bedrock/us.amazon.nova-pro-v1:0", bedrock_endpoint_url=stand_in.endpoint
    )

    checks = check_models(settings)

    assert [c.status for c in checks] == ["pass", "pass", "pass"], [c.line() for c in checks]
    assert {model for model, _ in stand_in.converse_requests()} == {"us.amazon.nova-pro-v1:0"}


def test_bedrock_traps_get_their_own_fix(bedrock: tuple[BedrockStandIn, ScriptedModel]) -> None:
    stand_in, model = bedrock
    bare = Settings(model="bedrock/amazon.nova-pro-v1:0", bedrock_endpoint_url=stand_in.endpoint)

    (profile,) = check_models(bare)

    assert profile.status == "fail" and "on-demand throughput" in profile.message
    assert profile.fix.startswith("use the cross-region inference profile id")
    assert "bedrock/us.amazon.nova-pro-v1:0" in profile.fix

    model.default = lambda request: Fault("auth")
    (denied,) = check_models(
        Settings(model="bedrock/us.amazon.nova-pro-v1:0", bedrock_endpoint_url=stand_in.endpoint)
    )
    assert denied.status == "fail" and "Model access" in denied.fix and "us-east-1" in denied.fix


# --------------------------------------------------------------------------- queue and sign-in


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = start_moto(port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def test_sqs_queue_needs_its_dead_letter_queue(
    moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_url)
    suffix = uuid.uuid4().hex[:8]
    dlq = client.create_queue(QueueName=f"dlq-{suffix}")["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "3"})
    good = client.create_queue(QueueName=f"jobs-{suffix}", Attributes={"RedrivePolicy": redrive})
    bare = client.create_queue(QueueName=f"bare-{suffix}")
    settings = Settings(queue="sqs", aws_endpoint_url=moto_url)

    ok = check_queue(settings.model_copy(update={"sqs_queue_url": good["QueueUrl"]}))
    no_dlq = check_queue(settings.model_copy(update={"sqs_queue_url": bare["QueueUrl"]}))
    client.delete_queue(QueueUrl=dlq)
    dlq_gone = check_queue(settings.model_copy(update={"sqs_queue_url": good["QueueUrl"]}))
    missing = check_queue(settings)

    assert ok.status == "pass" and f"dlq-{suffix}" in ok.message
    assert no_dlq.status == "fail" and "no dead-letter queue" in no_dlq.message
    assert dlq_gone.status == "fail" and "is missing" in dlq_gone.message
    assert missing.status == "fail" and "ALEX_SQS_QUEUE_URL" in missing.message


def test_clerk_key_set_is_fetched() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = StandIn(lambda _: Reply.of_json({"keys": [{**jwk, "kid": "k1", "use": "sig"}]}))
    try:
        settings = Settings(
            auth="clerk", clerk_issuer="https://clerk.example", clerk_jwks_url=jwks.url
        )
        assert check_auth(settings).status == "pass"
    finally:
        jwks.close()
    unreachable = check_auth(settings)
    assert unreachable.status == "fail" and "cannot fetch" in unreachable.message
    assert check_auth(Settings(auth="clerk")).status == "fail"
