"""Research runs as operators see them: every run is a `research_runs` row with its ordered
events (tool calls with their arguments, the sources found, the note filed or why the run
failed), its status and the model that ran it.

Every event is written in its own short transaction, so `alex research show` run from another
terminal sees a run's progress while it happens."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select

from alex.core.errors import NotFoundError
from alex.db.models import KnowledgeDocument, ResearchRun
from alex.db.session import session_scope
from alex.db.types import utcnow

RunStatus = Literal["running", "completed", "failed"]
# The kinds `ResearchRun.events` documents: a tool call, a step or finding, the failure.
EventKind = Literal["tool", "info", "error"]

_MAX_MESSAGE = 2000
_MAX_REASON = 500
_MAX_TOPIC = 300


class ResearchEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: datetime
    kind: EventKind
    message: str
    data: dict[str, Any] = Field(default_factory=dict)


class ResearchRunRead(BaseModel):
    """A run with the title of the note it filed (None when it filed none or it was deleted)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID
    topic: str
    reason: str
    status: RunStatus
    model: str
    events: list[ResearchEvent]
    document_id: uuid.UUID | None
    note_title: str | None
    error_message: str | None
    created_at: datetime
    completed_at: datetime | None


RunListener = Callable[[ResearchEvent], None]


class RunLog:
    """Records one run's events and its end; optionally tells a listener (the CLI prints
    them). From async code use `arecord`, which keeps the database write off the event loop."""

    def __init__(
        self, engine: Engine, run_id: uuid.UUID, *, listener: RunListener | None = None
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.listener = listener
        # Tools run concurrently, and each event rewrites the run's JSON list: one at a time,
        # or one would overwrite another.
        self._lock = threading.Lock()

    @classmethod
    def start(
        cls,
        engine: Engine,
        *,
        topic: str,
        reason: str,
        model: str,
        listener: RunListener | None = None,
    ) -> RunLog:
        with session_scope(engine) as session:
            run = ResearchRun(
                id=uuid.uuid4(),
                topic=_clip(topic, _MAX_TOPIC),
                reason=_clip(reason, _MAX_REASON),
                status="running",
                events=[],
                model=model[:200],
            )
            session.add(run)
            run_id = run.id
        log = cls(engine, run_id, listener=listener)
        log.record("info", f"Researching {topic!r} ({reason})", {"topic": topic, "model": model})
        return log

    def record(
        self, kind: EventKind, message: str, data: dict[str, Any] | None = None
    ) -> ResearchEvent:
        event = ResearchEvent(
            at=utcnow(), kind=kind, message=_clip(message, _MAX_MESSAGE), data=data or {}
        )
        with self._lock, session_scope(self.engine) as session:
            run = _require(session.get(ResearchRun, self.run_id, with_for_update=True), self.run_id)
            # A new list, so the ORM sees the JSON column change.
            run.events = [*run.events, event.model_dump(mode="json")]
        if self.listener is not None:
            self.listener(event)
        return event

    async def arecord(
        self, kind: EventKind, message: str, data: dict[str, Any] | None = None
    ) -> ResearchEvent:
        return await asyncio.to_thread(self.record, kind, message, data)

    def complete(
        self, message: str, *, document_id: uuid.UUID, data: dict[str, Any] | None = None
    ) -> None:
        self.record("info", message, data)
        self._finish("completed", document_id=document_id)

    def fail(self, reason: str, *, data: dict[str, Any] | None = None) -> None:
        self.record("error", reason, data)
        self._finish("failed", error=reason)

    def _finish(
        self,
        status: RunStatus,
        *,
        document_id: uuid.UUID | None = None,
        error: str | None = None,
    ) -> None:
        with self._lock, session_scope(self.engine) as session:
            run = _require(session.get(ResearchRun, self.run_id, with_for_update=True), self.run_id)
            run.status = status
            run.document_id = document_id
            run.error_message = error
            run.completed_at = utcnow()


def list_runs(engine: Engine, *, limit: int = 20) -> list[ResearchRunRead]:
    """The most recent runs first."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(ResearchRun, KnowledgeDocument.title)
            .outerjoin(KnowledgeDocument, ResearchRun.document_id == KnowledgeDocument.id)
            .order_by(ResearchRun.created_at.desc(), ResearchRun.id)
            .limit(limit)
        ).all()
        return [_read(run, title) for run, title in rows]


def get_run(engine: Engine, run_id: uuid.UUID) -> ResearchRunRead:
    with session_scope(engine) as session:
        row = session.execute(
            select(ResearchRun, KnowledgeDocument.title)
            .outerjoin(KnowledgeDocument, ResearchRun.document_id == KnowledgeDocument.id)
            .where(ResearchRun.id == run_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no research run {run_id}", field="run_id")
        return _read(row[0], row[1])


def _read(run: ResearchRun, title: str | None) -> ResearchRunRead:
    return ResearchRunRead(
        id=run.id,
        topic=run.topic,
        reason=run.reason,
        status=run.status,
        model=run.model,
        events=[ResearchEvent.model_validate(event) for event in run.events],
        document_id=run.document_id,
        note_title=title,
        error_message=run.error_message,
        created_at=run.created_at,
        completed_at=run.completed_at,
    )


def _require(run: ResearchRun | None, run_id: uuid.UUID) -> ResearchRun:
    if run is None:
        raise NotFoundError(f"no research run {run_id}", field="run_id")
    return run


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
