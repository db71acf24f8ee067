"""The AWS profile's queue: the API sends `{"job_id": …}` to SQS; the planner Lambda (or
`alex worker` with ALEX_QUEUE=sqs) hands each delivery to `handle_sqs_event`.

Delivery is at-least-once, so a record is handled idempotently: the job is claimed through the
same lease as the table queue (a completed or failed job is a no-op; a job another consumer
holds raises so SQS redelivers later). A crash raises, so SQS makes the message visible again
after its visibility timeout; once the job has used its attempts (or the message its receive
count) the job is failed with the reason instead, so nothing is left `running` when the
message goes to the dead-letter queue."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alex.core.config import Settings
from alex.jobs import leases
from alex.jobs.leases import ClaimOutcome
from alex.jobs.queue import EnqueueError
from alex.jobs.runner import JobRunner
from alex.jobs.worker import Backoff, Worker, worker_name

log = logging.getLogger(__name__)


class JobMessage(BaseModel):
    """The body of every SQS message: which job to run."""

    model_config = ConfigDict(extra="ignore")

    job_id: uuid.UUID


class SqsDeliveryError(Exception):
    """One or more records failed; raising makes SQS redeliver them."""


class SqsConfigError(Exception):
    """`alex worker` with ALEX_QUEUE=sqs lacks something it needs; the message says what."""


def check_consumer_config(settings: Settings, *, session: Any | None = None) -> None:
    """Say what is missing before the first receive, which would otherwise fail with botocore's
    `NoCredentialsError` even when the queue URL is what was forgotten."""
    if not settings.sqs_queue_url:
        raise SqsConfigError(
            "ALEX_QUEUE=sqs needs ALEX_SQS_QUEUE_URL, the queue to consume "
            "(e.g. https://sqs.us-east-1.amazonaws.com/123456789012/alex-jobs)"
        )
    if session is None:
        import boto3

        session = boto3.session.Session()
    if session.get_credentials() is None:
        raise SqsConfigError(
            "ALEX_QUEUE=sqs found no AWS credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an IAM role"
        )


def sqs_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "sqs",
        region_name=settings.aws_region,
        endpoint_url=settings.aws_endpoint_url or None,
        # The API answers POST /api/analyze within a request: fail fast rather than hang.
        config=Config(connect_timeout=3, read_timeout=25, retries={"max_attempts": 3}),
    )


class SqsQueue:
    kind = "sqs"

    def __init__(self, settings: Settings, *, client: Any | None = None) -> None:
        if not settings.sqs_queue_url:
            raise ValueError("ALEX_QUEUE=sqs needs ALEX_SQS_QUEUE_URL")
        self.queue_url = settings.sqs_queue_url
        self._settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = sqs_client(self._settings)
        return self._client

    def enqueue(self, job_id: uuid.UUID) -> None:
        try:
            self.client.send_message(
                QueueUrl=self.queue_url, MessageBody=JobMessage(job_id=job_id).model_dump_json()
            )
        except Exception as exc:  # botocore raises many unrelated types
            raise EnqueueError(f"could not send job {job_id} to SQS: {exc}") from exc

    def start(self) -> None:
        return None

    def stop(self, timeout: float = 10.0) -> None:
        return None


async def handle_record(
    record: dict[str, Any], *, engine: Engine, settings: Settings, runner: JobRunner
) -> None:
    """Process one SQS record. Returns when the message may be deleted; raises to redeliver."""
    try:
        message = JobMessage.model_validate_json(record.get("body") or "")
    except ValidationError:
        # A malformed message can never succeed: drop it (logged) rather than loop to the DLQ.
        log.error("dropping malformed SQS message", extra={"message_id": record.get("messageId")})
        return
    receive_count = int((record.get("attributes") or {}).get("ApproximateReceiveCount", "1"))
    worker = Worker(engine, settings, runner=runner, name=worker_name("sqs"))
    outcome, claim = await asyncio.to_thread(
        leases.claim_job,
        engine,
        message.job_id,
        worker.name,
        lease_seconds=settings.job_lease_seconds,
        max_attempts=settings.job_max_attempts,
    )
    extra = {"job_id": str(message.job_id), "receive_count": receive_count}
    if outcome is ClaimOutcome.BUSY:
        raise SqsDeliveryError(f"job {message.job_id} is held by another consumer")
    if claim is None:
        log.info("nothing to do for delivery", extra={**extra, "outcome": outcome.value})
        return
    # The receive count bounds attempts too: the last receive before the DLQ is the last try.
    if receive_count >= settings.job_max_attempts:
        worker.max_attempts = min(worker.max_attempts, claim.attempt)
    if not await worker.process(claim) and claim.attempt < worker.max_attempts:
        raise SqsDeliveryError(f"job {message.job_id} attempt {claim.attempt} failed")
    # Success, or the last attempt crashed and the job is now failed: delete the message.


def handle_sqs_event(
    event: dict[str, Any],
    *,
    runner: JobRunner,
    engine: Engine | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Lambda-style entry point for an SQS event. Raises if any record failed, so SQS
    redelivers (records that succeeded are no-ops when redelivered)."""
    from alex.core.config import get_settings
    from alex.db.session import get_engine

    settings = settings or get_settings()
    engine = engine or get_engine()
    failures: list[str] = []

    async def _all() -> None:
        for record in event.get("Records", []):
            try:
                await handle_record(record, engine=engine, settings=settings, runner=runner)
            except Exception as exc:
                log.warning("SQS record failed", extra={"message_id": record.get("messageId")})
                failures.append(f"{record.get('messageId')}: {exc}")

    asyncio.run(_all())
    if failures:
        raise SqsDeliveryError("; ".join(failures))
    return {"processed": len(event.get("Records", []))}


def poll_once(
    client: Any,
    queue_url: str,
    *,
    engine: Engine,
    settings: Settings,
    runner: JobRunner,
    wait_seconds: int = 1,
    max_messages: int = 1,
) -> int:
    """Receive messages like the Lambda event source mapping would, hand each to
    `handle_sqs_event` and delete the ones that succeeded. Returns how many were received."""
    response = client.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max_messages,
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["ApproximateReceiveCount"],
    )
    messages = response.get("Messages", [])
    for message in messages:
        record = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "eventSource": "aws:sqs",
        }
        try:
            handle_sqs_event({"Records": [record]}, engine=engine, settings=settings, runner=runner)
        except SqsDeliveryError:
            continue  # left invisible until its visibility timeout, then redelivered
        client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return len(messages)


def _wait_unless_stopped(stop: threading.Event, seconds: float) -> None:
    stop.wait(seconds)


def consume_forever(
    engine: Engine,
    settings: Settings,
    *,
    runner: JobRunner,
    client: Any | None = None,
    stop: threading.Event | None = None,
    wait_seconds: int = 5,
    pause: Callable[[threading.Event, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    jitter: Callable[[], float] = random.random,
) -> int:
    """`alex worker` with ALEX_QUEUE=sqs: long-poll the queue until SIGTERM/SIGINT (or `stop`).
    An unreachable endpoint or database is retried with a growing delay, one line per attempt;
    configuration that can never work raises SqsConfigError at once."""
    check_consumer_config(settings)
    if stop is None:
        import signal

        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    wait = pause or _wait_unless_stopped
    client = client or sqs_client(settings)
    backoff = Backoff(
        "receiving from SQS",
        base=settings.worker_poll_seconds,
        clock=clock,
        jitter=jitter,
        extra={"queue_url": settings.sqs_queue_url},
        expected=(BotoCoreError, ClientError, SQLAlchemyError, OSError),
    )
    received = 0
    while not stop.is_set():
        try:
            received += poll_once(
                client,
                settings.sqs_queue_url,
                engine=engine,
                settings=settings,
                runner=runner,
                wait_seconds=wait_seconds,
            )
        except Exception as exc:  # botocore and the database raise many unrelated types
            wait(stop, backoff.failed(exc))
            continue
        backoff.succeeded()
    return received
