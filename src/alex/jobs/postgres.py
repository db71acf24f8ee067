"""The self-hosted profile's queue: the jobs table itself, drained by any number of
`alex worker` processes that claim rows with `SELECT … FOR UPDATE SKIP LOCKED` and hold a
heartbeat-renewed lease (see `leases.py`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import uuid

from sqlalchemy import Engine

from alex.core.config import Settings
from alex.jobs.runner import JobRunner, preload
from alex.jobs.worker import Worker, worker_name

log = logging.getLogger(__name__)


class TableQueue:
    kind = "postgres"

    def enqueue(self, job_id: uuid.UUID) -> None:
        # Committing the pending row is enqueueing; workers poll every worker_poll_seconds.
        return None

    def start(self) -> None:
        return None

    def stop(self, timeout: float = 10.0) -> None:
        return None


async def run_workers(
    engine: Engine,
    settings: Settings,
    *,
    runner: JobRunner,
    concurrency: int = 1,
    stop: threading.Event | None = None,
) -> int:
    """Run `concurrency` workers in this process until SIGTERM/SIGINT (or `stop`). The first
    signal lets running jobs finish; a second one exits at once (their leases then expire and
    another worker retries them). Returns the number of jobs processed."""
    stop = stop or threading.Event()
    wake = threading.Event()
    loop = asyncio.get_running_loop()
    signals = 0

    def on_signal() -> None:
        nonlocal signals
        signals += 1
        if signals > 1:
            log.warning("second signal: exiting without waiting for running jobs")
            os._exit(1)
        log.info("stopping after the current job(s)")
        stop.set()
        wake.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not the main thread
            loop.add_signal_handler(sig, on_signal)
    workers = [
        Worker(engine, settings, runner=runner, name=worker_name(f"worker{i}"))
        for i in range(concurrency)
    ]
    await asyncio.gather(*(w.run(stop, wake) for w in workers))
    return sum(w.jobs_done for w in workers)


def worker_main(settings: Settings, *, runner: JobRunner, concurrency: int = 1) -> int:
    """`alex worker`: drain the jobs table (ALEX_QUEUE=postgres, or local with separate
    workers) or consume SQS (ALEX_QUEUE=sqs) until SIGTERM, running each job with `runner`."""
    from alex.db.session import engine_for

    if settings.queue == "sqs":
        from alex.jobs.sqs import check_consumer_config

        check_consumer_config(settings)  # before the slow preload: say what is missing now
    engine = engine_for(settings.resolved_database_url)
    preload(runner)
    if settings.queue == "sqs":
        from alex.jobs.sqs import consume_forever

        return consume_forever(engine, settings, runner=runner)
    return asyncio.run(run_workers(engine, settings, runner=runner, concurrency=concurrency))
