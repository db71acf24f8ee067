"""The one place that picks the job queue from `ALEX_QUEUE`. Each implementation is imported
only when chosen: the interface (`queue.py`) knows none of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from alex.core.config import Settings
from alex.jobs.queue import JobQueue
from alex.jobs.runner import JobRunner


def make_queue(
    settings: Settings, engine: Engine, *, runner: JobRunner, sqs_client: Any | None = None
) -> JobQueue:
    """`runner` is what in-process workers run for each job (only the local queue has any)."""
    if settings.queue == "postgres":
        from alex.jobs.postgres import TableQueue

        return TableQueue()
    if settings.queue == "sqs":
        from alex.jobs.sqs import SqsQueue

        return SqsQueue(settings, client=sqs_client)
    from alex.jobs.local import LocalQueue

    return LocalQueue(settings, engine, runner=runner)
