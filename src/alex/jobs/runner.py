"""What a worker runs for a claimed job: the planner's `execute_job` (agents issue) by default,
or any coroutine function with the same signature (tests inject doubles)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine

JobRunner = Callable[..., Awaitable[None]]
"""`runner(job_id, *, engine=...)`: run the job to completed/failed; raise on a crash."""


async def default_runner(job_id: uuid.UUID, *, engine: Engine | None = None) -> None:
    from alex.jobs.execute import execute_job

    await execute_job(job_id, engine=engine)
