"""Job-queue fixtures: settings with short leases, a user with a pending job, runner doubles."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.models import Job
from alex.db.session import session_scope


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
    """A runner double that completes the job the way the planner does, counting runs."""

    def __init__(self, *, fail_times: int = 0, delay: float = 0.0) -> None:
        self.runs: list[uuid.UUID] = []
        self.fail_times = fail_times
        self.delay = delay

    async def __call__(self, job_id: uuid.UUID, *, engine: Engine | None = None) -> None:
        import asyncio

        assert engine is not None
        self.runs.append(job_id)
        with session_scope(engine) as session:
            job = repo.require_job(session, job_id)
            if job.status in ("completed", "failed"):
                return
            repo.mark_job_running(session, job)
        if self.delay:
            await asyncio.sleep(self.delay)
        if len(self.runs) <= self.fail_times:
            raise RuntimeError(f"boom {len(self.runs)}")
        with session_scope(engine) as session:
            repo.complete_job(session, repo.require_job(session, job_id))
