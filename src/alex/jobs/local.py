"""The embedded profile's queue: worker threads inside the server process claim jobs from the
jobs table (and, after a restart, pick up jobs left pending or with an expired lease)."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid

from sqlalchemy import Engine

from alex.core.config import Settings
from alex.jobs.runner import JobRunner, preload_in_background
from alex.jobs.worker import Worker, worker_name

log = logging.getLogger(__name__)


class LocalQueue:
    kind = "local"

    def __init__(self, settings: Settings, engine: Engine, *, runner: JobRunner) -> None:
        self.runner = runner
        self.workers = [
            Worker(engine, settings, runner=runner, name=worker_name(f"local{i}"))
            for i in range(settings.local_workers)
        ]
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def enqueue(self, job_id: uuid.UUID) -> None:
        # The row is the queue entry; just cut the workers' idle wait short.
        self._wake.set()

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for worker in self.workers:
            # Each worker has its own event loop in its own thread, so a running analysis never
            # blocks the API's loop. Daemon threads: an interrupted job's lease simply expires.
            thread = threading.Thread(
                target=asyncio.run,
                args=(worker.run(self._stop, self._wake),),
                name=worker.name,
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        if self.workers:
            preload_in_background(self.runner)
        log.info("local job workers started", extra={"workers": len(self.workers)})

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []
