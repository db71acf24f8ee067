from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine

from alex.core.config import get_settings
from alex.db import repository as repo
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.knowledge.factory import knowledge_base
from alex.knowledge.seed import seed_starter_notes
from alex.knowledge.service import KnowledgeBase
from alex.payloads import JobRead, SectionName
from alex.schemas import JobEventRead


@pytest.fixture
def demo_job(engine: Engine) -> uuid.UUID:
    """The seeded demo portfolio and one pending analysis job for it."""
    seed(engine)
    with session_scope(engine) as session:
        return repo.create_job(session, "demo", "portfolio_analysis", {}).id


@pytest.fixture
def starter_notes(engine: Engine) -> KnowledgeBase:
    """The knowledge base of the test database with the starter notes in it, as `alex db seed`
    leaves it (the same instance the analysis searches: one per engine and configuration)."""
    kb = knowledge_base(get_settings(), engine)
    seed_starter_notes(kb)
    return kb


def load_job(engine: Engine, job_id: uuid.UUID) -> JobRead:
    with session_scope(engine) as session:
        return JobRead.model_validate(repo.require_job(session, job_id))


def load_events(engine: Engine, job_id: uuid.UUID) -> list[JobEventRead]:
    with session_scope(engine) as session:
        return [JobEventRead.model_validate(e) for e in repo.list_events(session, job_id)]


def kinds(events: list[JobEventRead], agent: str) -> list[str]:
    return [e.kind for e in events if e.agent == agent]


def first_seq(events: list[JobEventRead], agent: str, kind: str) -> int:
    return next(e.seq for e in events if e.agent == agent and e.kind == kind)


def section(job: JobRead, name: SectionName) -> dict[str, Any]:
    assert job.summary_payload is not None
    return job.summary_payload.sections[name].model_dump()
