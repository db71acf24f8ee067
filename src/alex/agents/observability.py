"""Tracing for every agent, set up once.

The Agents SDK's default processor exports traces to OpenAI whenever `OPENAI_API_KEY` is set;
we replace it so nothing leaves the machine unless LangFuse keys are configured. With keys,
LangFuse (OpenTelemetry) plus the OpenInference instrumentation of the Agents SDK nests each
agent's spans, tool calls, tokens and cost under one trace per job."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agents import trace
from agents.tracing import Span, Trace, TracingProcessor, set_trace_processors
from openinference.instrumentation import using_attributes

from alex.core.config import Settings, get_settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_configured: str | None = None


def configure_tracing(settings: Settings | None = None) -> str:
    """Install the trace processors; idempotent. Returns "langfuse" or "off"."""
    global _configured
    settings = settings or get_settings()
    with _lock:
        if _configured is not None:
            return _configured
        set_trace_processors([])
        _configured = "off"
        if settings.langfuse_public_key and settings.langfuse_secret_key:
            _enable_langfuse(settings)
            _configured = "langfuse"
        return _configured


def reset_tracing() -> None:
    """Forget the configuration (tests switch settings between cases)."""
    global _configured
    with _lock:
        _configured = None


def _enable_langfuse(settings: Settings) -> None:
    # Imported here: they set up OpenTelemetry, which is wasted work when tracing is off.
    from langfuse import Langfuse
    from openinference.instrumentation.openai_agents import OpenAIAgentsInstrumentor

    assert settings.langfuse_public_key is not None
    assert settings.langfuse_secret_key is not None
    Langfuse(
        public_key=settings.langfuse_public_key.get_secret_value(),
        secret_key=settings.langfuse_secret_key.get_secret_value(),
        base_url=settings.langfuse_host,
    )
    OpenAIAgentsInstrumentor().instrument()
    logger.info("LangFuse tracing enabled", extra={"langfuse_host": settings.langfuse_host})


@contextmanager
def job_trace(job_id: uuid.UUID, user_id: str) -> Iterator[Trace]:
    """One trace per job; every agent run inside it becomes a child span."""
    configure_tracing()
    metadata = {"job_id": str(job_id), "user_id": user_id}
    # The OpenInference spans carry these (LangFuse shows the job as the session).
    with (
        using_attributes(session_id=str(job_id), user_id=user_id, metadata=metadata),
        trace("Alex portfolio analysis", group_id=str(job_id), metadata=metadata) as current,
    ):
        yield current


class RecordingProcessor(TracingProcessor):
    """Keeps traces and spans in memory: lets tests assert on what would be exported."""

    def __init__(self) -> None:
        self.traces: list[Trace] = []
        self.spans: list[Span[Any]] = []

    def on_trace_start(self, trace: Trace) -> None:
        self.traces.append(trace)

    def on_trace_end(self, trace: Trace) -> None:
        return None

    def on_span_start(self, span: Span[Any]) -> None:
        return None

    def on_span_end(self, span: Span[Any]) -> None:
        self.spans.append(span)

    def shutdown(self) -> None:
        return None

    def force_flush(self) -> None:
        return None
