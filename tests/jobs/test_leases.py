"""Claiming, leases, heartbeats and bounded retries, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.session import session_scope
from alex.jobs import leases
from alex.jobs.worker import Worker
from tests.jobs.conftest import Recorder, load

NewJob = Callable[[], uuid.UUID]


async def drive_until(worker: Worker, done: Callable[[], bool], seconds: float) -> None:
    """Let `worker` claim and run jobs (retries wait out their backoff) until `done()`."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await worker.run_once() or await asyncio.sleep(0.05)


def test_claim_sets_lease_and_attempts(engine: Engine, new_job: NewJob) -> None:
    job_id = new_job()
    claim = leases.claim_next(engine, "w1", lease_seconds=30, max_attempts=3)
    assert claim is not None and claim.job_id == job_id and claim.attempt == 1
    job = load(engine, job_id)
    assert (job.lease_owner, job.attempts) == ("w1", 1)
    assert job.lease_expires_at is not None
    # Held: nobody else gets it.
    assert leases.claim_next(engine, "w2", lease_seconds=30, max_attempts=3) is None
    assert leases.claim_job(engine, job_id, "w2", lease_seconds=30, max_attempts=3)[0] is (
        leases.ClaimOutcome.BUSY
    )


def test_expired_lease_is_reclaimed_then_given_up(engine: Engine, new_job: NewJob) -> None:
    job_id = new_job()
    for attempt in (1, 2, 3):
        claim = leases.claim_next(engine, f"w{attempt}", lease_seconds=0.05, max_attempts=3)
        assert claim is not None and claim.attempt == attempt
        time.sleep(0.1)  # the worker "dies": its lease expires
    assert leases.claim_next(engine, "w4", lease_seconds=0.05, max_attempts=3) is None
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == (
        "gave up after 3 attempts: the worker running it stopped responding (lease expired)"
    )
    assert job.lease_owner is None
    with session_scope(engine) as session:
        events = repo.list_events(session, job_id)
        assert [(e.agent, e.kind) for e in events] == [("planner", "failed")]


def test_finished_jobs_are_never_claimed(engine: Engine, new_job: NewJob) -> None:
    job_id = new_job()
    with session_scope(engine) as session:
        repo.complete_job(session, repo.require_job(session, job_id))
    assert leases.claim_next(engine, "w", lease_seconds=1, max_attempts=3) is None
    outcome, claim = leases.claim_job(engine, job_id, "w", lease_seconds=1, max_attempts=3)
    assert outcome is leases.ClaimOutcome.FINISHED and claim is None
    outcome, _ = leases.claim_job(engine, uuid.uuid4(), "w", lease_seconds=1, max_attempts=3)
    assert outcome is leases.ClaimOutcome.MISSING


def test_concurrent_claims_take_each_job_once(engine: Engine, new_job: NewJob) -> None:
    jobs = {new_job() for _ in range(12)}

    def drain(name: str) -> list[uuid.UUID]:
        got = []
        while (c := leases.claim_next(engine, name, lease_seconds=60, max_attempts=3)) is not None:
            got.append(c.job_id)
        return got

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(drain, [f"w{i}" for i in range(4)]))
    claimed = [j for r in results for j in r]
    assert sorted(claimed) == sorted(jobs)
    assert all(load(engine, j).attempts == 1 for j in jobs)


async def test_worker_runs_job_and_clears_lease(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()
    runner = Recorder()
    worker = Worker(engine, job_settings, runner=runner)
    assert await worker.run_once() is True
    job = load(engine, job_id)
    assert job.status == "completed"
    assert (job.lease_owner, job.lease_expires_at, job.attempts) == (None, None, 1)
    assert await worker.run_once() is False


async def test_crashing_attempts_retry_then_fail_with_reason(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()
    runner = Recorder(fail_times=99)
    worker = Worker(engine, job_settings, runner=runner)
    await drive_until(worker, lambda: load(engine, job_id).status == "failed", 10)
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == "gave up after 3 attempts: RuntimeError: boom 3"
    assert len(runner.runs) == 3
    with session_scope(engine) as session:
        kinds = [(e.kind, e.message[:9]) for e in repo.list_events(session, job_id)]
    assert kinds[-1] == ("failed", "gave up a")
    assert sum(1 for k, _ in kinds if k == "progress") == 2  # two "will retry" notes


async def test_one_crash_then_success(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()
    runner = Recorder(fail_times=1)
    worker = Worker(engine, job_settings, runner=runner)
    await drive_until(worker, lambda: load(engine, job_id).status == "completed", 10)
    job = load(engine, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("completed", 2, None)


async def test_heartbeat_keeps_a_slow_job_leased(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    """A job running three lease periods is never reclaimed while its worker is alive."""
    job_id = new_job()
    slow = Recorder(delay=job_settings.job_lease_seconds * 3)
    worker = Worker(engine, job_settings, runner=slow, name="slow")
    task = asyncio.ensure_future(worker.run_once())
    stolen = []
    while not task.done():
        await asyncio.sleep(0.1)
        claim = await asyncio.to_thread(
            leases.claim_next, engine, "thief", lease_seconds=1, max_attempts=3
        )
        if claim is not None:
            stolen.append(claim)
    await task
    assert stolen == []
    job = load(engine, job_id)
    assert (job.status, job.attempts) == ("completed", 1)


async def test_worker_loop_stops_on_signal_event(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    ids = [new_job() for _ in range(3)]
    stop = threading.Event()
    worker = Worker(engine, job_settings, runner=Recorder())
    task = asyncio.ensure_future(worker.run(stop))
    deadline = time.monotonic() + 10
    while worker.jobs_done < 3 and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert all(load(engine, j).status == "completed" for j in ids)


@pytest.mark.parametrize("n", [1])
def test_lease_lost_abandons_job(
    engine: Engine, new_job: NewJob, job_settings: Settings, n: int
) -> None:
    """A worker that stalls past its lease and finds the job taken stops working on it."""
    job_id = new_job()
    claim = leases.claim_next(engine, "stalled", lease_seconds=0.05, max_attempts=3)
    assert claim is not None
    time.sleep(0.1)
    assert leases.claim_next(engine, "rescuer", lease_seconds=60, max_attempts=3) is not None
    assert leases.renew_lease(engine, claim, lease_seconds=60) is False
    assert load(engine, job_id).lease_owner == "rescuer"


async def test_a_hung_attempt_is_stopped_and_the_job_ends_failed(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    """The heartbeat would keep a hung job leased forever; the deadline ends each attempt."""
    job_id = new_job()
    hung = Recorder(delay=3600)
    settings = job_settings.model_copy(update={"job_timeout_seconds": 0.2})
    worker = Worker(engine, settings, runner=hung)
    await drive_until(worker, lambda: load(engine, job_id).status == "failed", 20)
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == (
        "gave up after 3 attempts: JobTimeoutError: the attempt ran longer than 0.2 s and was "
        "stopped"
    )
    assert (job.lease_owner, len(hung.runs)) == (None, 3)


async def test_attempts_are_counted_by_outcome(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    from prometheus_client import REGISTRY

    def attempts(outcome: str) -> float:
        value = REGISTRY.get_sample_value("alex_job_attempts_total", {"outcome": outcome})
        return value or 0.0

    finished, crashed = attempts("finished"), attempts("crashed")
    new_job()
    worker = Worker(engine, job_settings, runner=Recorder(fail_times=1))
    await drive_until(worker, lambda: attempts("finished") > finished, 10)
    assert (attempts("finished"), attempts("crashed")) == (finished + 1, crashed + 1)


async def test_a_timeout_inside_the_job_is_a_crash_not_the_deadline(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()

    async def model_call_times_out(job_id: uuid.UUID, *, engine: Engine | None = None) -> None:
        raise TimeoutError("the model did not answer")

    settings = job_settings.model_copy(update={"job_max_attempts": 1})
    worker = Worker(engine, settings, runner=model_call_times_out)
    assert await worker.run_once() is True
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == "gave up after 1 attempts: TimeoutError: the model did not answer"
