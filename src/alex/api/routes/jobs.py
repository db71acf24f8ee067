"""Analyses: start one (rate-limited, answered at once with the job id), list them, read one
and its live events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.orm import defer

from alex.api.deps import (
    CallerId,
    CurrentUser,
    OwnedJob,
    OwnedJobId,
    QueueDep,
    SessionDep,
    SettingsDep,
    WriteLimited,
)
from alex.api.models import AnalyzeResponse, JobSummary
from alex.api.ratelimit import check_analysis_rate
from alex.core.errors import ValidationFailedError
from alex.db import repository as repo
from alex.db.models import Account, Job
from alex.jobs.queue import EnqueueError
from alex.payloads import JobRead, SummaryPayload, read_summary
from alex.schemas import JobEventRead

router = APIRouter(prefix="/api", tags=["analysis"], dependencies=[WriteLimited])

# job_events.seq is a 32-bit INTEGER column: a larger cursor is past every event, and must not
# reach the database (where it overflows into a 500).
MAX_SEQ = 2**31 - 1


def headline(summary: SummaryPayload | None) -> str | None:
    """A one-line preview for the jobs list: the executive summary's first sentence."""
    text = summary.executive_summary if summary else None
    if not text or not text.strip():
        return None
    first = text.strip().split("\n", 1)[0]
    end = first.find(". ")
    first = first[: end + 1] if end != -1 else first
    return first if len(first) <= 300 else first[:299] + "…"


@router.post(
    "/analyze",
    response_model=AnalyzeResponse,
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        422: {
            "description": "The profile step is not complete (`profile`), or there are no "
            "accounts to analyse (`accounts`)"
        },
        429: {"description": "Too many analyses this hour; see Retry-After"},
        503: {"description": "The queue is unavailable"},
    },
)
def analyze(
    user: CurrentUser, session: SessionDep, queue: QueueDep, settings: SettingsDep
) -> AnalyzeResponse:
    """Start a portfolio analysis. Poll `/api/jobs/{id}/events` for progress."""
    check_analysis_rate(session, user.id, settings.analysis_rate_per_hour)
    if user.profile_completed_at is None:
        # Until then the profile holds placeholders (age 40, $60,000 a year): an analysis
        # would present them as the user's own plan.
        raise ValidationFailedError(
            "complete your profile (age, retirement age, income target, yearly saving and "
            "target mixes) before running an analysis",
            field="profile",
        )
    if session.scalar(select(Account.id).where(Account.user_id == user.id).limit(1)) is None:
        raise ValidationFailedError("add an account before running an analysis", field="accounts")
    job = repo.create_job(session, user.id, "portfolio_analysis", request_payload={"source": "api"})
    session.commit()
    try:
        queue.enqueue(job.id)
    except EnqueueError:
        repo.fail_job(session, job, "could not enqueue the job")
        session.commit()
        raise
    return AnalyzeResponse(job_id=job.id, status="pending")


@router.get("/jobs", response_model=list[JobSummary])
def list_jobs(
    caller_id: CallerId, session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> list[JobSummary]:
    """The caller's analyses, newest first."""
    rows = session.scalars(
        select(Job)
        .where(Job.user_id == caller_id)
        .options(defer(Job.report_payload), defer(Job.charts_payload))
        .options(defer(Job.retirement_payload), defer(Job.request_payload))
        .order_by(Job.created_at.desc(), Job.id)
        .limit(limit)
    ).all()
    return [_summary(j) for j in rows]


def _summary(job: Job) -> JobSummary:
    summary = read_summary(job.summary_payload)
    return JobSummary(
        id=job.id,
        status=job.status,
        attempts=job.attempts,
        created_at=job.created_at,
        started_at=job.started_at,
        completed_at=job.completed_at,
        error_message=job.error_message,
        headline=headline(summary),
        headline_figures=summary.headline if summary else None,
    )


@router.get("/jobs/{job_id}", response_model=JobRead)
async def get_job(job: OwnedJob) -> JobRead:
    # async: the dependency loaded every column, so this is CPU only and saves two thread hops.
    return JobRead.model_validate(job)


@router.get("/jobs/{job_id}/events", response_model=list[JobEventRead])
def job_events(
    job_id: OwnedJobId,
    session: SessionDep,
    after: Annotated[int, Query(ge=0, description="Return events with seq > after")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[JobEventRead]:
    """Events in order; poll with `after` = the last seq you have."""
    return [
        JobEventRead.model_validate(e)
        for e in repo.list_events(session, job_id, after=min(after, MAX_SEQ), limit=limit)
    ]
