"""What a worker runs for a claimed job: the planner's `execute_job` (agents issue) by default,
or any coroutine function with the same signature (tests inject doubles)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine

from alex.core.heap import freeze_startup_heap

JobRunner = Callable[..., Awaitable[None]]
"""`runner(job_id, *, engine=...)`: run the job to completed/failed; raise on a crash."""


async def default_runner(job_id: uuid.UUID, *, engine: Engine | None = None) -> None:
    from alex.jobs.execute import execute_job

    await execute_job(job_id, engine=engine)


def preload_runner() -> None:
    """Import the agent stack (Agents SDK, LiteLLM) ahead of the first job: it takes seconds,
    and without this the first analysis after a start would pay for it."""
    import alex.jobs.execute  # noqa: F401

    freeze_startup_heap()


def preload_runner_in_background() -> None:
    threading.Thread(target=preload_runner, name="alex-preload", daemon=True).start()
