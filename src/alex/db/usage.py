"""Model usage as the job events recorded it: tokens and dollars per agent, for one job (the
Analysis page), or for a user or everyone since a date (`alex costs`). The events are the
record: each agent's completion event carries the tokens the provider reported and the cost
LiteLLM's bundled price map gives them, or a flag that the model has no price."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alex.db.models import Job, JobEvent
from alex.schemas import AgentUsage


def usage_by_agent(
    session: Session,
    *,
    job_id: uuid.UUID | None = None,
    user_id: str | None = None,
    since: datetime | None = None,
) -> list[AgentUsage]:
    """Totals per agent, in the order agents first used a model."""
    stmt = (
        select(
            JobEvent.agent,
            JobEvent.tokens_in,
            JobEvent.tokens_out,
            JobEvent.cost_usd,
            JobEvent.data,
        )
        .join(Job, Job.id == JobEvent.job_id)
        .where(or_(JobEvent.tokens_in > 0, JobEvent.tokens_out > 0))
        .order_by(JobEvent.created_at, JobEvent.seq)
    )
    if job_id is not None:
        stmt = stmt.where(JobEvent.job_id == job_id)
    if user_id is not None:
        stmt = stmt.where(Job.user_id == user_id)
    if since is not None:
        stmt = stmt.where(JobEvent.created_at >= since)
    totals: dict[str, AgentUsage] = {}
    for agent, tokens_in, tokens_out, cost, data in session.execute(stmt):
        usage = (data or {}).get("usage", {})
        row = totals.setdefault(agent, AgentUsage(agent=agent))
        row.requests += int(usage.get("requests", 0))
        row.tokens_in += tokens_in
        row.tokens_out += tokens_out
        row.cost_usd += Decimal(cost)
        row.cost_known = row.cost_known and bool(usage.get("cost_known", True))
    return list(totals.values())


def total(rows: Sequence[AgentUsage]) -> AgentUsage:
    out = AgentUsage(agent="all")
    for row in rows:
        out.requests += row.requests
        out.tokens_in += row.tokens_in
        out.tokens_out += row.tokens_out
        out.cost_usd += row.cost_usd
        out.cost_known = out.cost_known and row.cost_known
    return out
