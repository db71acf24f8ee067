"""The job queue interface and the one place that picks an implementation (`ALEX_QUEUE`)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine

from alex.core.config import Settings
from alex.jobs.runner import JobRunner

if TYPE_CHECKING:
    pass


class EnqueueError(Exception):
    """The job row exists but could not be handed to the queue."""


class JobQueue(Protocol):
    kind: str

    def enqueue(self, job_id: uuid.UUID) -> None:
        """Hand a committed, pending job to the workers. Raises EnqueueError on failure."""
        ...

    def start(self) -> None:
        """Start in-process workers, if this queue has any."""
        ...

    def stop(self, timeout: float = 10.0) -> None: ...


def make_queue(
    settings: Settings,
    engine: Engine,
    *,
    runner: JobRunner | None = None,
    sqs_client: Any | None = None,
) -> JobQueue:
    if settings.queue == "postgres":
        from alex.jobs.postgres import TableQueue

        return TableQueue()
    if settings.queue == "sqs":
        from alex.jobs.sqs import SqsQueue

        return SqsQueue(settings, client=sqs_client)
    from alex.jobs.local import LocalQueue

    return LocalQueue(settings, engine, runner=runner)
