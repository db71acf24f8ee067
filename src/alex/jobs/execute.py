"""The job runner entry point the queues call: run one analysis job with the planner.

`execute_job` is idempotent with respect to outcomes: a completed or failed job is left alone;
a pending job, or a running one left over by a crashed attempt, is run (again) from the start,
overwriting its sections. Infrastructure errors propagate so the queue retries the job."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import Engine

from alex.agents.planner.agent import run_analysis


async def execute_job(job_id: uuid.UUID, *, engine: Engine | None = None) -> None:
    """Run analysis job `job_id` to completed or failed; raise if the attempt crashed."""
    await run_analysis(job_id, engine=engine)


def run_job_sync(job_id: uuid.UUID, engine: Engine | None = None) -> None:
    """`execute_job` for synchronous callers (Lambda handlers, worker threads)."""
    asyncio.run(execute_job(job_id, engine=engine))
