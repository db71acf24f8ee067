"""Claiming, leases, heartbeats and bounded retries, on SQLite and PostgreSQL. Lease time is a
clock the tests move (`WallClock`) and the heartbeat beats when told (`ManualHeartbeat`), so
nothing here waits for time to pass."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.models import JobEvent
from alex.db.session import session_scope
from alex.jobs import leases
from alex.jobs.worker import Worker
from tests.jobs.conftest import ManualHeartbeat, Recorder, WallClock, load

NewJob = Callable[[], uuid.UUID]
# Longer than any retry backoff (at most 60 s): moving the clock this far makes a job waiting
# out its backoff claimable again.
PAST_ANY_BACKOFF = 61.0


async def drive_until(
    worker: Worker, clock: WallClock, done: Callable[[], bool], attempts: int = 10
) -> None:
    """Let `worker` claim and run jobs until `done()`; when nothing is claimable (a retry
    waiting out its backoff), move the clock past the wait instead of sleeping through it."""
    for _ in range(attempts):
        if done():
            return
        if not await worker.run_once():
            clock.advance(PAST_ANY_BACKOFF)
    assert done(), "the job did not reach the expected state"


def events_of(engine: Engine, job_id: uuid.UUID) -> list[JobEvent]:
    with session_scope(engine) as session:
        events = list(repo.list_events(session, job_id))
        for event in events:
            session.expunge(event)
        return events


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
    # The first attempt is not announced as a retry.
    assert events_of(engine, job_id) == []


def test_expired_lease_is_reclaimed_then_given_up(engine: Engine, new_job: NewJob) -> None:
    job_id = new_job()
    clock = WallClock()
    for attempt in (1, 2, 3):
        claim = leases.claim_next(
            engine, f"w{attempt}", lease_seconds=5, max_attempts=3, now=clock()
        )
        assert claim is not None and claim.attempt == attempt
        # The worker "dies": just before its lease runs out the job is still its own...
        clock.advance(4.9)
        early = leases.claim_next(engine, "early", lease_seconds=5, max_attempts=3, now=clock())
        assert early is None
        clock.advance(0.2)  # ...and just after, it is anyone's
    assert leases.claim_next(engine, "w4", lease_seconds=5, max_attempts=3, now=clock()) is None
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == (
        "gave up after 3 attempts: the worker running it stopped responding (lease expired)"
    )
    assert job.lease_owner is None
    events = [(e.agent, e.kind, e.data) for e in events_of(engine, job_id)]
    stopped = leases.STOPPED_REASON
    assert events == [
        ("planner", "progress", {"attempt": 2, "max_attempts": 3, "reason": stopped}),
        ("planner", "progress", {"attempt": 3, "max_attempts": 3, "reason": stopped}),
        ("planner", "failed", None),
    ]


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
    clock = WallClock()
    worker = Worker(engine, job_settings, runner=runner, wall_clock=clock)
    await drive_until(worker, clock, lambda: load(engine, job_id).status == "failed")
    job = load(engine, job_id)
    assert job.error_message == "gave up after 3 attempts: RuntimeError: boom 3"
    assert len(runner.runs) == 3
    messages = [(e.kind, e.message) for e in events_of(engine, job_id)]
    assert messages == [
        ("progress", "attempt 1 failed, will retry: RuntimeError: boom 1"),
        ("progress", "Attempt 2 of 3 — the previous attempt failed (RuntimeError: boom 1)"),
        ("progress", "attempt 2 failed, will retry: RuntimeError: boom 2"),
        ("progress", "Attempt 3 of 3 — the previous attempt failed (RuntimeError: boom 2)"),
        ("failed", "gave up after 3 attempts: RuntimeError: boom 3"),
    ]


async def test_one_crash_then_success(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()
    clock = WallClock()
    worker = Worker(engine, job_settings, runner=Recorder(fail_times=1), wall_clock=clock)
    assert await worker.run_once() is True  # attempt 1 crashes
    # The retry waits out its backoff: nothing is claimable until the clock passes it.
    assert await worker.run_once() is False
    await drive_until(worker, clock, lambda: load(engine, job_id).status == "completed")
    job = load(engine, job_id)
    assert (job.status, job.attempts, job.lease_owner) == ("completed", 2, None)
    retry = events_of(engine, job_id)[-1]
    assert retry.data == {
        "attempt": 2,
        "max_attempts": 3,
        "reason": "the previous attempt failed (RuntimeError: boom 1)",
    }


async def test_heartbeat_keeps_a_slow_job_leased(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    """A job running three lease periods is never reclaimed while its heartbeat beats."""
    job_id = new_job()
    lease = job_settings.job_lease_seconds
    clock = WallClock()
    heartbeat = ManualHeartbeat()
    stolen: list[leases.Claim] = []
    done = Recorder()

    async def slow(
        job: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        assert engine is not None
        for _ in range(3):
            clock.advance(lease * 0.9)  # twice this is past the lease the claim granted
            await asyncio.to_thread(heartbeat.beat)
            claim = await asyncio.to_thread(
                leases.claim_next, engine, "thief", lease_seconds=1, max_attempts=3, now=clock()
            )
            if claim is not None:
                stolen.append(claim)
        await done(job, engine=engine, lease_owner=lease_owner)

    worker = Worker(
        engine, job_settings, runner=slow, wall_clock=clock, heartbeat_wait=heartbeat.wait
    )
    assert await worker.run_once() is True
    assert stolen == []
    job = load(engine, job_id)
    assert (job.status, job.attempts) == ("completed", 1)


async def test_without_a_heartbeat_the_job_is_taken_over(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    """The check above can fail: the same steps with no renewal lose the job at once."""
    job_id = new_job()
    clock = WallClock()
    claim = leases.claim_next(engine, "silent", lease_seconds=1, max_attempts=3, now=clock())
    assert claim is not None
    clock.advance(1.8)
    thief = leases.claim_next(engine, "thief", lease_seconds=1, max_attempts=3, now=clock())
    assert thief is not None and thief.job_id == job_id


async def test_worker_loop_stops_on_signal_event(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    ids = [new_job() for _ in range(3)]
    stop = threading.Event()
    recorder = Recorder()

    async def runner(
        job: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        await recorder(job, engine=engine, lease_owner=lease_owner)
        if len(recorder.runs) == len(ids):
            stop.set()  # what SIGTERM does

    worker = Worker(engine, job_settings, runner=runner)
    await asyncio.wait_for(worker.run(stop), 30)
    assert worker.jobs_done == 3
    assert all(load(engine, j).status == "completed" for j in ids)


def test_lease_lost_abandons_job(engine: Engine, new_job: NewJob) -> None:
    """A worker that stalls past its lease and finds the job taken stops working on it."""
    job_id = new_job()
    clock = WallClock()
    claim = leases.claim_next(engine, "stalled", lease_seconds=1, max_attempts=3, now=clock())
    assert claim is not None
    clock.advance(2)
    rescuer = leases.claim_next(engine, "rescuer", lease_seconds=60, max_attempts=3, now=clock())
    assert rescuer is not None
    assert leases.renew_lease(engine, claim, lease_seconds=60, now=clock()) is False
    assert leases.renew_lease(engine, rescuer, lease_seconds=60, now=clock()) is True
    assert load(engine, job_id).lease_owner == "rescuer"


async def test_a_hung_attempt_is_stopped_and_the_job_ends_failed(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    """The heartbeat would keep a hung job leased forever; the deadline ends each attempt."""
    job_id = new_job()
    hung = Recorder(hold=asyncio.Event())  # never set: the job waits for ever
    settings = job_settings.model_copy(update={"job_timeout_seconds": 0.05})
    clock = WallClock()
    worker = Worker(engine, settings, runner=hung, wall_clock=clock)
    await drive_until(worker, clock, lambda: load(engine, job_id).status == "failed")
    job = load(engine, job_id)
    assert job.error_message == (
        "gave up after 3 attempts: JobTimeoutError: the attempt ran longer than 0.05 s and was "
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
    clock = WallClock()
    worker = Worker(engine, job_settings, runner=Recorder(fail_times=1), wall_clock=clock)
    await drive_until(worker, clock, lambda: attempts("finished") > finished)
    assert (attempts("finished"), attempts("crashed")) == (finished + 1, crashed + 1)


async def test_a_timeout_inside_the_job_is_a_crash_not_the_deadline(
    engine: Engine, new_job: NewJob, job_settings: Settings
) -> None:
    job_id = new_job()

    async def model_call_times_out(
        job_id: uuid.UUID, *, engine: Engine | None = None, lease_owner: str | None = None
    ) -> None:
        raise TimeoutError("the model did not answer")

    settings = job_settings.model_copy(update={"job_max_attempts": 1})
    worker = Worker(engine, settings, runner=model_call_times_out)
    assert await worker.run_once() is True
    job = load(engine, job_id)
    assert job.status == "failed"
    assert job.error_message == "gave up after 1 attempts: TimeoutError: the model did not answer"
