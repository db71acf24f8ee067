"""Writes fenced on the lease, on SQLite and PostgreSQL: once another worker has taken a job
over, the worker that lost it can no longer write the job's sections, events or status: not
through the repository, not through a worker, not from inside the planner."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alex.agents.events import EventRecorder
from alex.agents.planner.manager import run_analysis
from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.repository import LeaseLostError
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.jobs import leases
from alex.jobs.worker import Worker
from alex.schemas import JobEventCreate, JobEventRead
from tests.jobs.conftest import WallClock, load

NewJob = Callable[[], uuid.UUID]


def take_over(engine: Engine, job_id: uuid.UUID, clock: WallClock) -> None:
    """Worker "A" claims the job and stalls past its lease; worker "B" claims it."""
    a = leases.claim_next(engine, "A", lease_seconds=1, max_attempts=3, now=clock())
    assert a is not None and a.job_id == job_id
    clock.advance(2)
    b = leases.claim_next(engine, "B", lease_seconds=60, max_attempts=3, now=clock())
    assert b is not None and b.job_id == job_id


def events(engine: Engine, job_id: uuid.UUID) -> list[tuple[str, str]]:
    with session_scope(engine) as session:
        return [(e.kind, e.message) for e in repo.list_events(session, job_id)]


STALE_WRITES: dict[str, Callable[[Session, uuid.UUID], object]] = {
    "section": lambda s, j: repo.store_job_section(
        s, repo.lock_job(s, j, "A"), "report_payload", {"markdown": "stale"}
    ),
    "completion": lambda s, j: repo.complete_job(s, repo.lock_job(s, j, "A")),
    "failure": lambda s, j: repo.fail_job(s, repo.lock_job(s, j, "A"), "stale"),
    "event": lambda s, j: repo.append_event(
        s, j, JobEventCreate(agent="planner", kind="progress", message="stale"), lease_owner="A"
    ),
}


@pytest.mark.parametrize("write", STALE_WRITES)
def test_the_old_owners_writes_are_refused(engine: Engine, new_job: NewJob, write: str) -> None:
    job_id = new_job()
    take_over(engine, job_id, WallClock())
    with session_scope(engine) as session:
        repo.mark_job_running(session, repo.lock_job(session, job_id, "B"))  # B may write
    before = events(engine, job_id)

    with pytest.raises(LeaseLostError), session_scope(engine) as session:
        STALE_WRITES[write](session, job_id)

    job = load(engine, job_id)
    assert (job.status, job.lease_owner, job.report_payload) == ("running", "B", None)
    assert job.completed_at is None and job.error_message is None
    assert events(engine, job_id) == before


def test_the_event_recorder_is_fenced(engine: Engine, new_job: NewJob) -> None:
    job_id = new_job()
    take_over(engine, job_id, WallClock())
    with pytest.raises(LeaseLostError):
        EventRecorder(engine, job_id, lease_owner="A").record("planner", "progress", "stale")
    EventRecorder(engine, job_id, lease_owner="B").record("planner", "progress", "fresh")
    assert [m for _, m in events(engine, job_id)][-1] == "fresh"
    assert "stale" not in [m for _, m in events(engine, job_id)]


async def test_a_worker_whose_writes_are_refused_abandons_the_job(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()
    clock = WallClock()

    async def stalls_then_finishes(
        job: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        assert engine is not None
        with session_scope(engine) as session:
            repo.mark_job_running(session, repo.lock_job(session, job, lease_owner))
        clock.advance(job_settings.job_lease_seconds * 2)  # A stalls past its lease...
        rescuer = leases.claim_next(engine, "B", lease_seconds=60, max_attempts=3, now=clock())
        assert rescuer is not None  # ...and B takes the job
        with session_scope(engine) as session:
            repo.complete_job(session, repo.lock_job(session, job, lease_owner))

    def lost() -> float:
        return REGISTRY.get_sample_value("alex_job_attempts_total", {"outcome": "lease_lost"}) or 0

    lost_before = lost()
    worker = Worker(engine, job_settings, runner=stalls_then_finishes, name="A", wall_clock=clock)
    assert await worker.run_once() is True
    assert worker.jobs_done == 0
    assert lost() == lost_before + 1
    job = load(engine, job_id)
    assert (job.status, job.lease_owner, job.completed_at) == ("running", "B", None)


async def test_the_planner_stops_writing_once_its_lease_is_lost(engine: Engine) -> None:
    """The real planner, taken over as the specialists start: none of their sections, no
    summary and no event of A's is written after B's claim; the job is B's to finish."""
    seed(engine)
    with session_scope(engine) as session:
        job_id = repo.create_job(session, "demo", "portfolio_analysis", {}).id
    clock = WallClock()
    assert leases.claim_next(engine, "A", lease_seconds=30, max_attempts=3, now=clock())
    taken: list[int] = []

    def take_over_once_analysed(event: JobEventRead) -> None:
        # The engines' analysis is the planner's last step before the specialists start.
        if event.data and "total_value" in event.data and not taken:
            taken.append(event.seq)
            clock.advance(31)
            assert leases.claim_next(engine, "B", lease_seconds=30, max_attempts=3, now=clock())

    with pytest.raises(LeaseLostError):
        await run_analysis(job_id, engine=engine, listener=take_over_once_analysed, lease_owner="A")

    assert len(taken) == 1
    job = load(engine, job_id)
    assert (job.status, job.lease_owner, job.completed_at) == ("running", "B", None)
    assert [job.report_payload, job.charts_payload, job.retirement_payload] == [None] * 3
    assert job.summary_payload is None
    with session_scope(engine) as session:
        after = [(e.agent, e.message) for e in repo.list_events(session, job_id, after=taken[0])]
    assert len(after) == 1 and after[0][1].startswith("Attempt 2 of 3")  # B's claim alone
