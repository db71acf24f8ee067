"""Job-queue fixtures: settings with short leases, a user with a pending job, runner doubles,
and the clocks tests drive instead of waiting (the lease clock, the heartbeat's pace)."""

from __future__ import annotations

import asyncio
import queue
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.models import Job
from alex.db.session import session_scope
from alex.db.types import utcnow


@pytest.fixture
def job_settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        var_dir=tmp_path / "var",
        job_lease_seconds=0.6,
        job_max_attempts=3,
        worker_poll_seconds=0.05,
        local_workers=2,
    )


@pytest.fixture
def new_job(engine: Engine) -> Callable[[], uuid.UUID]:
    def make() -> uuid.UUID:
        with session_scope(engine) as session:
            repo.get_or_create_user(session, "queue_user")
            return repo.create_job(session, "queue_user", "portfolio_analysis").id

    return make


def load(engine: Engine, job_id: uuid.UUID) -> Job:
    with session_scope(engine) as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job


class Recorder:
    """A runner double that completes the job the way the planner does (its writes fenced on
    the lease it is given), counting runs. `hold` keeps every run waiting until it is set."""

    def __init__(self, *, fail_times: int = 0, hold: asyncio.Event | None = None) -> None:
        self.runs: list[uuid.UUID] = []
        self.fail_times = fail_times
        self.hold = hold

    async def __call__(
        self, job_id: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        assert engine is not None
        self.runs.append(job_id)
        with session_scope(engine) as session:
            job = repo.lock_job(session, job_id, lease_owner)
            if job.status in ("completed", "failed"):
                return
            repo.mark_job_running(session, job)
        if self.hold is not None:
            await self.hold.wait()
        if len(self.runs) <= self.fail_times:
            raise RuntimeError(f"boom {len(self.runs)}")
        with session_scope(engine) as session:
            repo.complete_job(session, repo.lock_job(session, job_id, lease_owner))


class WallClock:
    """The time leases are granted and judged by, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ManualHeartbeat:
    """Paces a worker's heartbeat by hand: `beat()` lets exactly one lease renewal happen and
    returns once it is done."""

    def __init__(self) -> None:
        self._ticks: queue.Queue[None] = queue.Queue()
        self._waiting: queue.Queue[None] = queue.Queue()

    def wait(self, halt: threading.Event, interval: float) -> bool:
        self._waiting.put(None)
        while not halt.is_set():
            try:
                self._ticks.get(timeout=0.05)  # a bounded wait, so a stopped heartbeat ends
            except queue.Empty:
                continue
            return False
        return True

    def beat(self) -> None:
        self._waiting.get(timeout=10)  # the heartbeat is waiting for its next renewal
        self._ticks.put(None)
        self._waiting.get(timeout=10)  # the renewal is done: it waits for the next
        self._waiting.put(None)  # ...which the next beat() starts from
