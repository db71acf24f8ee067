"""Claiming jobs: the queue's side of the jobs table.

A job is claimable when it is pending or running and nobody holds a live lease on it. A claim
sets `lease_owner`, `lease_expires_at` and `attempts += 1` with a compare-and-set UPDATE (on
PostgreSQL the candidate row is also locked with `FOR UPDATE SKIP LOCKED`, so concurrent
workers never wait on each other). A job whose attempts are used up is failed at claim time
with the last error, so no job stays `running` forever."""

from __future__ import annotations

import enum
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, or_, select, update
from sqlalchemy.orm import Session

from alex.db import repository as repo
from alex.db.models import Job
from alex.db.session import session_scope
from alex.db.types import utcnow
from alex.schemas import JobEventCreate

log = logging.getLogger(__name__)

ACTIVE = ("pending", "running")
LEASE_EXPIRED_REASON = "the worker running it stopped responding (lease expired)"
STOPPED_REASON = "the previous attempt stopped before finishing (worker crashed or lease expired)"


@dataclass(frozen=True)
class Claim:
    job_id: uuid.UUID
    owner: str
    attempt: int


class ClaimOutcome(enum.Enum):
    CLAIMED = "claimed"
    FINISHED = "finished"  # completed or failed already: nothing to do
    BUSY = "busy"  # another worker holds a live lease
    GAVE_UP = "gave_up"  # attempts used up: the job is now failed
    MISSING = "missing"


def _claimable(now: datetime) -> ColumnElement[bool]:
    return Job.status.in_(ACTIVE) & or_(
        Job.lease_expires_at.is_(None),
        Job.lease_expires_at < now,
    )


def give_up_reason(attempts: int, last_error: str | None) -> str:
    return f"gave up after {attempts} attempts: {last_error or LEASE_EXPIRED_REASON}"


def retry_reason(last_error: str | None) -> str:
    """Why attempt n > 1 is running, in plain words: the crash the last attempt recorded, or
    (no error recorded: its process died, or it hung until its lease ran out) that it stopped."""
    if last_error:
        return f"the previous attempt failed ({last_error.splitlines()[0][:300]})"
    return STOPPED_REASON


def _announce_retry(session: Session, job: Job, attempt: int, max_attempts: int) -> None:
    """Tell the job's timeline that this is a retry, before the new attempt's own events (which
    repeat the first attempt's "started" ones)."""
    reason = retry_reason(job.error_message)
    repo.append_event(
        session,
        job.id,
        JobEventCreate(
            agent="planner",
            kind="progress",
            message=f"Attempt {attempt} of {max_attempts} — {reason}",
            data={"attempt": attempt, "max_attempts": max_attempts, "reason": reason},
        ),
    )


def _try_claim(
    session: Session,
    job: Job,
    owner: str,
    lease_seconds: float,
    max_attempts: int,
    now: datetime,
) -> ClaimOutcome:
    """Claim `job` (already read in `session`) if it is still what we read."""
    if job.attempts >= max_attempts:
        reason = give_up_reason(job.attempts, job.error_message)
        result = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.attempts == job.attempts, _claimable(now))
            .values(
                status="failed",
                error_message=reason[:2000],
                completed_at=now,
                lease_owner=None,
                lease_expires_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return ClaimOutcome.BUSY
        repo.append_event(
            session, job.id, JobEventCreate(agent="planner", kind="failed", message=reason[:2000])
        )
        log.warning("job failed: attempts used up", extra={"job_id": str(job.id)})
        return ClaimOutcome.GAVE_UP
    attempts = job.attempts
    result = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.attempts == attempts, _claimable(now))
        .values(
            lease_owner=owner,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return ClaimOutcome.BUSY
    if attempts > 0:
        _announce_retry(session, job, attempts + 1, max_attempts)
    return ClaimOutcome.CLAIMED


def claim_next(
    engine: Engine,
    owner: str,
    *,
    lease_seconds: float,
    max_attempts: int,
    now: datetime | None = None,
) -> Claim | None:
    """Claim the oldest claimable job, or return None when there is none. Jobs found to have
    used up their attempts are failed on the way. `now` (default: the clock) is when the claim
    happens: leases expiring before it are over."""
    for _ in range(10):
        at = now or utcnow()
        with session_scope(engine) as session:
            job = session.scalars(
                select(Job)
                .where(_claimable(at))
                .order_by(Job.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if job is None:
                return None
            attempt = job.attempts + 1
            outcome = _try_claim(session, job, owner, lease_seconds, max_attempts, at)
            if outcome is ClaimOutcome.CLAIMED:
                return Claim(job.id, owner, attempt)
        # Lost a race or gave a job up: look again.
    return None


def claim_job(
    engine: Engine,
    job_id: uuid.UUID,
    owner: str,
    *,
    lease_seconds: float,
    max_attempts: int,
    now: datetime | None = None,
) -> tuple[ClaimOutcome, Claim | None]:
    """Claim one named job (the SQS consumer's path)."""
    with session_scope(engine) as session:
        job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).first()
        if job is None:
            return ClaimOutcome.MISSING, None
        if job.status not in ACTIVE:
            return ClaimOutcome.FINISHED, None
        now = now or utcnow()
        if job.lease_expires_at is not None and job.lease_expires_at >= now:
            return ClaimOutcome.BUSY, None
        attempt = job.attempts + 1
        outcome = _try_claim(session, job, owner, lease_seconds, max_attempts, now)
        return outcome, Claim(job.id, owner, attempt) if outcome is ClaimOutcome.CLAIMED else None


def renew_lease(
    engine: Engine, claim: Claim, *, lease_seconds: float, now: datetime | None = None
) -> bool:
    """Extend our lease. False only when another worker has taken the job over (we stalled
    past the lease's expiry); a job that finished meanwhile counts as still ours."""
    with session_scope(engine) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == claim.job_id, Job.lease_owner == claim.owner, Job.status.in_(ACTIVE))
            .values(lease_expires_at=(now or utcnow()) + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return True
        row = session.execute(
            select(Job.status, Job.lease_owner).where(Job.id == claim.job_id)
        ).first()
        return row is None or row.status not in ACTIVE or row.lease_owner in (None, claim.owner)


def release(engine: Engine, claim: Claim) -> None:
    """Clear our lease after a clean finish (complete/fail already cleared it; this covers a
    runner that returned without finishing the job, which then becomes claimable again)."""
    with session_scope(engine) as session:
        session.execute(
            update(Job)
            .where(Job.id == claim.job_id, Job.lease_owner == claim.owner)
            .values(lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )


def record_failed_attempt(
    engine: Engine,
    claim: Claim,
    error: str,
    *,
    retry_after_seconds: float,
    now: datetime | None = None,
) -> None:
    """An attempt crashed: keep the error for the give-up message and let the job be claimed
    again after a backoff (the lease's expiry doubles as 'not before')."""
    message = error[:2000]
    with session_scope(engine) as session:
        result = session.execute(
            update(Job)
            .where(Job.id == claim.job_id, Job.lease_owner == claim.owner, Job.status.in_(ACTIVE))
            .values(
                error_message=message,
                lease_owner=None,
                lease_expires_at=(now or utcnow()) + timedelta(seconds=retry_after_seconds),
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            repo.append_event(
                session,
                claim.job_id,
                JobEventCreate(
                    agent="planner",
                    kind="progress",
                    message=f"attempt {claim.attempt} failed, will retry: {message}"[:2000],
                ),
            )


def fail_claimed(engine: Engine, claim: Claim, reason: str) -> bool:
    """Fail the job we hold (used when the last allowed attempt crashed)."""
    with session_scope(engine) as session:
        job = session.get(Job, claim.job_id)
        if job is None or job.status not in ACTIVE or job.lease_owner != claim.owner:
            return False
        repo.fail_job(session, job, reason)
        repo.append_event(
            session, job.id, JobEventCreate(agent="planner", kind="failed", message=reason[:2000])
        )
        return True
