"""The SQS queue against a local moto server: the API sends {job_id}; the consumer (the same
`handle_sqs_event` the planner Lambda delegates to) runs it; visibility timeouts redeliver
failures; redelivery of a finished job is a no-op; poison jobs end failed; a message that keeps
failing is moved to the dead-letter queue after maxReceiveCount=3."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.seed import ensure_demo_user, seed_instruments
from alex.db.session import session_scope
from alex.db.types import utcnow
from alex.jobs.sqs import JobMessage, SqsDeliveryError, handle_sqs_event, poll_once
from tests.jobs.conftest import Recorder, load, moto_server

pytestmark = pytest.mark.xdist_group("moto")


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def queues(moto_url: str, aws_env: None) -> tuple[Any, str, str]:
    client = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_url)
    suffix = uuid.uuid4().hex[:8]
    dlq_url = client.create_queue(QueueName=f"alex-jobs-dlq-{suffix}")["QueueUrl"]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    url = client.create_queue(
        QueueName=f"alex-jobs-{suffix}",
        Attributes={
            "VisibilityTimeout": "1",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"}),
        },
    )["QueueUrl"]
    return client, url, dlq_url


@pytest.fixture
def sqs_settings(job_settings: Settings, queues: tuple[Any, str, str], moto_url: str) -> Settings:
    return job_settings.model_copy(
        update={"queue": "sqs", "sqs_queue_url": queues[1], "aws_endpoint_url": moto_url}
    )


def _count(client: Any, url: str) -> int:
    attrs = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def _drain(
    client: Any, url: str, engine: Engine, settings: Settings, runner: Recorder, until: Any
) -> None:
    """Consume like the Lambda event source would until `until()`. Each receive long-polls
    for at most a second, which is how a redelivery (after the 1 s visibility timeout) lands."""
    for _ in range(30):
        if until():
            return
        poll_once(client, url, engine=engine, settings=settings, runner=runner, wait_seconds=1)
    assert until(), "condition not reached"


def test_api_sends_and_consumer_completes(
    sqs_settings: Settings, engine: Engine, queues: tuple[Any, str, str]
) -> None:
    client, url, _ = queues
    with session_scope(engine) as session:
        seed_instruments(session)
        ensure_demo_user(session)
    app = create_app(sqs_settings, engine=engine)
    with TestClient(app) as api:
        token = app.state.auth.issue("demo")
        response = api.post("/api/analyze", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 202
        job_id = uuid.UUID(response.json()["job_id"])

    message = client.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    assert JobMessage.model_validate_json(message["Body"]).job_id == job_id
    # Received but not deleted: it is still in the queue; make it visible again at once.
    client.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )

    runner = Recorder()
    _drain(client, url, engine, sqs_settings, runner, lambda: _count(client, url) == 0)
    assert runner.runs == [job_id]
    job = load(engine, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("completed", 1, None)

    # At-least-once delivery: the same message again is a no-op.
    client.send_message(QueueUrl=url, MessageBody=JobMessage(job_id=job_id).model_dump_json())
    _drain(client, url, engine, sqs_settings, runner, lambda: _count(client, url) == 0)
    assert runner.runs == [job_id]


def test_crash_is_redelivered_then_succeeds(
    sqs_settings: Settings, engine: Engine, queues: tuple[Any, str, str], new_job: Any
) -> None:
    client, url, dlq = queues
    job_id = new_job()
    client.send_message(QueueUrl=url, MessageBody=JobMessage(job_id=job_id).model_dump_json())
    runner = Recorder(fail_times=1)
    _drain(client, url, engine, sqs_settings, runner, lambda: _count(client, url) == 0)
    assert runner.runs == [job_id, job_id]
    assert (load(engine, job_id).status, load(engine, job_id).attempts) == ("completed", 2)
    assert _count(client, dlq) == 0


def test_poison_job_ends_failed_before_the_dlq(
    sqs_settings: Settings, engine: Engine, queues: tuple[Any, str, str], new_job: Any
) -> None:
    client, url, dlq = queues
    job_id = new_job()
    client.send_message(QueueUrl=url, MessageBody=JobMessage(job_id=job_id).model_dump_json())
    runner = Recorder(fail_times=99)
    _drain(client, url, engine, sqs_settings, runner, lambda: _count(client, url) == 0)
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == "gave up after 3 attempts: RuntimeError: boom 3"
    assert len(runner.runs) == 3
    assert _count(client, dlq) == 0


def test_undeliverable_message_is_redriven_to_dlq(
    sqs_settings: Settings, engine: Engine, queues: tuple[Any, str, str], new_job: Any
) -> None:
    """A job another consumer holds makes the delivery fail; after three receives SQS moves
    the message to the dead-letter queue."""
    client, url, dlq = queues
    job_id = new_job()
    with session_scope(engine) as session:
        job = repo.require_job(session, job_id)
        job.lease_owner = "someone-else"
        job.lease_expires_at = utcnow() + timedelta(minutes=10)
    client.send_message(QueueUrl=url, MessageBody=JobMessage(job_id=job_id).model_dump_json())
    runner = Recorder()
    _drain(client, url, engine, sqs_settings, runner, lambda: _count(client, dlq) == 1)
    assert _count(client, url) == 0
    assert runner.runs == []
    moved = client.receive_message(QueueUrl=dlq, WaitTimeSeconds=1)["Messages"][0]
    assert JobMessage.model_validate_json(moved["Body"]).job_id == job_id


def test_lambda_event_shape(sqs_settings: Settings, engine: Engine, new_job: Any) -> None:
    job_id = new_job()
    event = {
        "Records": [
            {
                "messageId": "m-1",
                "body": json.dumps({"job_id": str(job_id)}),
                "attributes": {"ApproximateReceiveCount": "1"},
                "eventSource": "aws:sqs",
            },
            {"messageId": "m-2", "body": "not json", "attributes": {}},
        ]
    }
    assert handle_sqs_event(event, engine=engine, settings=sqs_settings, runner=Recorder()) == {
        "processed": 2
    }
    assert load(engine, job_id).status == "completed"
    failing = {"Records": [{**event["Records"][0], "body": json.dumps({"job_id": str(new_job())})}]}
    with pytest.raises(SqsDeliveryError):
        handle_sqs_event(
            failing, engine=engine, settings=sqs_settings, runner=Recorder(fail_times=1)
        )


def test_enqueue_failure_is_503_and_job_failed(
    job_settings: Settings, engine: Engine, aws_env: None
) -> None:
    settings = job_settings.model_copy(
        update={
            "queue": "sqs",
            "sqs_queue_url": "http://127.0.0.1:9/000000000000/missing",
            "aws_endpoint_url": "http://127.0.0.1:9",
        }
    )
    with session_scope(engine) as session:
        from alex.db.types import utcnow
        from alex.schemas import AccountCreate

        user = repo.get_or_create_user(session, "sqs_user")
        user.profile_completed_at = utcnow()  # an analysis needs a completed profile

        repo.create_account(
            session, "sqs_user", AccountCreate(account_name="a", account_type="hsa")
        )
    app = create_app(settings, engine=engine)
    with TestClient(app) as api:
        token = app.state.auth.issue("sqs_user")
        headers = {"Authorization": f"Bearer {token}"}
        response = api.post("/api/analyze", headers=headers)
        assert response.status_code == 503
        jobs = api.get("/api/jobs", headers=headers).json()
        assert jobs[0]["status"] == "failed"
