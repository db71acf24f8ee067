"""`alex worker` with ALEX_QUEUE=sqs: says which setting or credential is missing, and rides
out an endpoint that is not there yet (growing delay, one line per attempt) until it is, then
consumes. The endpoint is a moto server started mid-test on a port that refused until then;
pauses and the clock are injected."""

from __future__ import annotations

import logging
import socket
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.cli import app as cli
from alex.core.config import Settings, get_settings
from alex.jobs.sqs import JobMessage, SqsConfigError, check_consumer_config, consume_forever
from tests.jobs.conftest import Recorder, load, start_moto

pytestmark = pytest.mark.xdist_group("moto")

ACCOUNT = "123456789012"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def no_aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata call


def test_worker_names_the_missing_queue_url(
    monkeypatch: pytest.MonkeyPatch, no_aws_credentials: None
) -> None:
    monkeypatch.setenv("ALEX_QUEUE", "sqs")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["worker"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: ALEX_QUEUE=sqs needs ALEX_SQS_QUEUE_URL, the queue to consume "
        f"(e.g. https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/alex-jobs)"
    ]


def test_worker_names_missing_credentials(no_aws_credentials: None) -> None:
    settings = Settings(queue="sqs", sqs_queue_url=f"https://sqs.example/{ACCOUNT}/q")
    with pytest.raises(SqsConfigError, match="found no AWS credentials: set AWS_ACCESS_KEY_ID"):
        check_consumer_config(settings)


def test_credentials_from_the_environment_pass(aws_env: None) -> None:
    settings = Settings(queue="sqs", sqs_queue_url=f"https://sqs.example/{ACCOUNT}/q")
    try:
        check_consumer_config(settings)  # the check that refuses a missing key (above)
    except SqsConfigError as exc:
        pytest.fail(f"refused although AWS_ACCESS_KEY_ID is set: {exc}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def late_endpoint() -> Iterator[tuple[int, list[subprocess.Popen[str]]]]:
    started: list[subprocess.Popen[str]] = []
    yield _free_port(), started
    for proc in started:
        proc.terminate()
        proc.wait(10)


def test_unreachable_endpoint_is_retried_with_backoff_until_it_answers(
    engine: Engine,
    job_settings: Settings,
    new_job: Callable[[], uuid.UUID],
    aws_env: None,
    late_endpoint: tuple[int, list[subprocess.Popen[str]]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    port, started = late_endpoint
    endpoint = f"http://127.0.0.1:{port}"
    name = f"alex-jobs-{uuid.uuid4().hex[:8]}"
    settings = job_settings.model_copy(
        update={
            "queue": "sqs",
            "sqs_queue_url": f"{endpoint}/{ACCOUNT}/{name}",
            "aws_endpoint_url": endpoint,
            "worker_poll_seconds": 0.5,
        }
    )
    # botocore's own retries would sleep for real; the consumer's backoff is what is tested.
    client = boto3.client(
        "sqs",
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    job_id = new_job()
    stop = threading.Event()
    recorder = Recorder()
    pauses: list[float] = []
    now = [0.0]

    async def runner(
        job: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        await recorder(job, engine=engine, lease_owner=lease_owner)
        stop.set()

    def pause(_stop: threading.Event, seconds: float) -> None:
        pauses.append(seconds)
        now[0] += seconds
        if len(pauses) == 4:  # the endpoint comes up, with the job waiting in the queue
            started.append(start_moto(port))
            url = client.create_queue(QueueName=name)["QueueUrl"]
            assert url == settings.sqs_queue_url
            client.send_message(
                QueueUrl=url, MessageBody=JobMessage(job_id=job_id).model_dump_json()
            )

    with caplog.at_level(logging.INFO, logger="alex.jobs"):
        received = consume_forever(
            engine,
            settings,
            client=client,
            stop=stop,
            runner=runner,
            wait_seconds=1,
            pause=pause,
            clock=lambda: now[0],
            jitter=lambda: 1.0,
        )

    assert received == 1
    assert pauses == [0.5, 1.0, 2.0, 4.0]
    failures = [r for r in caplog.records if "receiving from SQS failed" in r.getMessage()]
    assert [r.exc_info for r in failures] == [None] * 4  # one line each, no traceback
    assert all("EndpointConnectionError" in r.getMessage() for r in failures)
    assert [r.getMessage() for r in caplog.records if "recovered" in r.getMessage()] == [
        "receiving from SQS recovered after 4 failed attempts over 7.5 s"
    ]
    assert recorder.runs == [job_id]
    assert load(engine, job_id).status == "completed"
