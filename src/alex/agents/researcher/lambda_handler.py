"""AWS Lambda entry point for the researcher, invoked by an EventBridge Scheduler schedule with
the input `{"topic": "…"}` or `{}` (the researcher then picks a topic). Runs one research run
and returns `{"run_id", "status", "document_id"}`.

A run that failed definitively (no sources, an invalid or unsourced note) is recorded and
returned as `"status": "failed"`: retrying would fail the same way. One that failed on
something passing (the model provider down or throttling) raises after recording, so the
schedule's retry policy tries again."""

from __future__ import annotations

from typing import Any

from alex.core.errors import ValidationFailedError
from alex.db.session import get_engine


class ResearchRetryError(RuntimeError):
    """The run failed on something that may pass on a later attempt."""


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    topic = event.get("topic")
    if topic is not None and (not isinstance(topic, str) or not topic.strip()):
        raise ValidationFailedError("'topic' must be a non-empty string when given", field="topic")
    # The agent stack is loaded by the first valid event, not in Lambda's init phase.
    from alex.agents.researcher.agent import research_sync

    outcome = research_sync(get_engine(), topic=topic)
    if outcome.retryable:
        raise ResearchRetryError(f"research run {outcome.run_id} failed: {outcome.message}")
    return {
        "run_id": str(outcome.run_id),
        "status": outcome.status,
        "document_id": str(outcome.document_id) if outcome.document_id else None,
    }
