"""What changed since the previous analysis: the job compared with the caller's last analysis
completed before it (the comparison itself is `alex.finance.changes`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, defer

from alex.api.deps import OwnedJob, SessionDep
from alex.core.format import to_decimal
from alex.db.models import Job
from alex.finance.changes import AnalysisComparison, AnalysisFigures, compare
from alex.payloads import RetirementPayload, RetirementSummary, read_summary

router = APIRouter(prefix="/api", tags=["analysis"])


class JobChanges(BaseModel):
    """An analysis set against the caller's previous completed analysis."""

    job_id: uuid.UUID
    status: Literal["compared", "not_completed", "first_analysis", "no_figures"] = Field(
        description="compared; not_completed: this analysis has not completed (nothing to "
        "compare yet); first_analysis: no analysis completed before this one; no_figures: one "
        "of the two recorded no headline figures."
    )
    previous_job_id: uuid.UUID | None
    previous_completed_at: datetime | None
    comparison: AnalysisComparison | None


@router.get("/jobs/{job_id}/changes", response_model=JobChanges)
def job_changes(job: OwnedJob, session: SessionDep) -> JobChanges:
    """What changed since the previous completed analysis: value, asset-class shares, drift
    and the plan's odds, and why (positions, prices, cash, profile) where both analyses kept
    what they were computed from. Without an earlier analysis, `status` says so."""
    if job.status != "completed" or job.completed_at is None:
        return _nothing(job, "not_completed")
    previous = _previous(session, job)
    if previous is None:
        return _nothing(job, "first_analysis")
    before, after = _figures(previous), _figures(job)
    return JobChanges(
        job_id=job.id,
        status="compared" if before and after else "no_figures",
        previous_job_id=previous.id,
        previous_completed_at=previous.completed_at,
        comparison=compare(before, after) if before and after else None,
    )


def _nothing(job: Job, status: Literal["not_completed", "first_analysis"]) -> JobChanges:
    return JobChanges(
        job_id=job.id,
        status=status,
        previous_job_id=None,
        previous_completed_at=None,
        comparison=None,
    )


def _previous(session: Session, job: Job) -> Job | None:
    """The owner's analysis completed last before `job` (by completion time, then creation)."""
    assert job.completed_at is not None
    return session.scalars(
        select(Job)
        .where(Job.user_id == job.user_id, Job.status == "completed", Job.id != job.id)
        .where(
            or_(
                Job.completed_at < job.completed_at,
                and_(Job.completed_at == job.completed_at, Job.created_at < job.created_at),
            )
        )
        .options(defer(Job.report_payload), defer(Job.charts_payload), defer(Job.request_payload))
        .order_by(Job.completed_at.desc(), Job.created_at.desc())
        .limit(1)
    ).first()


def _figures(job: Job) -> AnalysisFigures | None:
    """The figures a job stored, as the comparison reads them (None without a headline)."""
    summary = read_summary(job.summary_payload)
    if summary is None or summary.headline is None:
        return None
    h = summary.headline
    plan = _retirement(job.retirement_payload)
    total = to_decimal(h.total_value)
    assert total is not None  # a finite float
    return AnalysisFigures(
        total_value=total,
        asset_class_pct=dict(h.asset_class_pct),
        max_drift_pp=h.max_drift_pp,
        success_pct=h.success_pct,
        sustainable_income=h.sustainable_income,
        current_age=plan.current_age if plan else None,
        retirement_age=h.retirement_age,
        target_retirement_income=h.target_retirement_income,
        annual_contribution=plan.annual_contribution if plan else None,
        inputs=summary.inputs,
    )


def _retirement(raw: dict[str, Any] | None) -> RetirementSummary | None:
    """The base case's figures of a stored retirement section (None when absent or unreadable)."""
    if raw is None:
        return None
    try:
        return RetirementPayload.model_validate(raw).summary
    except ValidationError:
        return None
