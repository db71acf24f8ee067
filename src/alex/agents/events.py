"""Job events: the real, ordered record of what each agent did. The live UI animates agent
cards only from these rows, and the cost report sums their tokens and cost.

Every event is written in its own short transaction, so a reader polling `events?after=n`
sees it the moment it is recorded."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from agents import Agent, ItemHelpers, ModelResponse, RunContextWrapper, RunHooks, Tool, Usage
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alex.core.metrics import MODEL_COST, MODEL_TOKENS, MODEL_UNPRICED_REQUESTS
from alex.db import repository as repo
from alex.db.session import session_scope
from alex.schemas import AgentName, EventKind, JobEventCreate, JobEventRead

logger = logging.getLogger(__name__)

EventListener = Callable[[JobEventRead], None]
_MAX_MESSAGE = 2000


@dataclass(frozen=True)
class UsageReport:
    """Tokens and cost one agent run consumed, as the model reported them."""

    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Decimal | None = Decimal("0")
    model: str = "offline"

    def count(self, agent: str) -> None:
        """Add to the process's model usage counters (`/metrics`)."""
        if not (self.tokens_in or self.tokens_out):
            return
        MODEL_TOKENS.labels(agent, self.model, "in").inc(self.tokens_in)
        MODEL_TOKENS.labels(agent, self.model, "out").inc(self.tokens_out)
        if self.cost_usd is None:
            MODEL_UNPRICED_REQUESTS.labels(agent, self.model).inc(self.requests)
        else:
            MODEL_COST.labels(agent, self.model).inc(float(self.cost_usd))

    def as_data(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost_known": self.cost_usd is not None,
            "model": self.model,
        }


class EventRecorder:
    """Appends job events for one job; optionally tells a listener (the CLI streams them).

    With `lease_owner` (the worker that claimed the job), an event is written only while that
    worker still holds the job: one that lost it to another gets `LeaseLostError` instead.
    From async code use `arecord`, which keeps the database write off the event loop."""

    def __init__(
        self,
        engine: Engine,
        job_id: uuid.UUID,
        *,
        listener: EventListener | None = None,
        lease_owner: str | None = None,
    ) -> None:
        self.engine = engine
        self.job_id = job_id
        self.listener = listener
        self.lease_owner = lease_owner

    def record(
        self,
        agent: AgentName,
        kind: EventKind,
        message: str,
        *,
        data: dict[str, Any] | None = None,
        usage: UsageReport | None = None,
    ) -> JobEventRead:
        with session_scope(self.engine) as session:
            read = self.append(session, agent, kind, message, data=data, usage=usage)
        self.announce(read)
        return read

    async def arecord(
        self,
        agent: AgentName,
        kind: EventKind,
        message: str,
        *,
        data: dict[str, Any] | None = None,
        usage: UsageReport | None = None,
    ) -> JobEventRead:
        return await asyncio.to_thread(self.record, agent, kind, message, data=data, usage=usage)

    def append(
        self,
        session: Session,
        agent: AgentName,
        kind: EventKind,
        message: str,
        *,
        data: dict[str, Any] | None = None,
        usage: UsageReport | None = None,
    ) -> JobEventRead:
        """Add the event to `session`'s transaction (so it commits with the job's own change,
        e.g. its completion); call `announce` once that transaction has committed."""
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 1] + "…"
        payload = dict(data or {})
        if usage is not None:
            payload["usage"] = usage.as_data()
        event = JobEventCreate(
            agent=agent,
            kind=kind,
            message=message,
            data=payload or None,
            tokens_in=usage.tokens_in if usage else 0,
            tokens_out=usage.tokens_out if usage else 0,
            cost_usd=(usage.cost_usd or Decimal("0")) if usage else Decimal("0"),
        )
        row = repo.append_event(session, self.job_id, event, lease_owner=self.lease_owner)
        if usage is not None:
            usage.count(agent)
        return JobEventRead.model_validate(row)

    def announce(self, event: JobEventRead) -> None:
        logger.debug(
            "%s %s: %s",
            event.agent,
            event.kind,
            event.message,
            extra={"job_id": str(self.job_id), "agent": event.agent},
        )
        if self.listener is not None:
            self.listener(event)


@dataclass(frozen=True)
class ToolOutput:
    name: str
    output: str

    def parsed(self) -> Any:
        try:
            return json.loads(self.output)
        except ValueError:
            return self.output


class EventHooks(RunHooks[Any]):
    """Run hooks shared by every agent: a `tool` event per tool call (what the UI shows as
    "tool in use"), the tool outputs kept for the grounding check, and the token usage of every
    model call summed, including calls whose answer was later rejected."""

    def __init__(self, recorder: EventRecorder, agent: AgentName) -> None:
        self.recorder = recorder
        self.agent: AgentName = agent
        self.usage = Usage()
        self.tool_outputs: list[ToolOutput] = []
        self.last_text = ""

    async def on_llm_end(
        self, context: RunContextWrapper[Any], agent: Agent[Any], response: ModelResponse
    ) -> None:
        self.usage.add(response.usage)
        texts = [ItemHelpers.extract_last_text(item) or "" for item in response.output]
        if any(texts):
            self.last_text = "".join(texts)

    async def on_tool_start(
        self, context: RunContextWrapper[Any], agent: Agent[Any], tool: Tool
    ) -> None:
        arguments = getattr(context, "tool_arguments", None)
        await self.recorder.arecord(
            self.agent,
            "tool",
            f"Using {tool.name}",
            data={"tool": tool.name, "arguments": _arguments(arguments)},
        )

    async def on_tool_end(
        self, context: RunContextWrapper[Any], agent: Agent[Any], tool: Tool, result: object
    ) -> None:
        self.tool_outputs.append(ToolOutput(tool.name, str(result)))

    def outputs(self) -> list[Any]:
        return [item.parsed() for item in self.tool_outputs]


def _arguments(raw: Any) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}
