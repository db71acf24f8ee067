"""AWS Lambda entry point for the tagger: `{"job_id": "…", "symbol": "ARKK"}` → classify the
instrument (stored only when valid; an unknown instrument stays unclassified) and record the
events on the job. Returns the outcome; raises on infrastructure failures."""

from __future__ import annotations

import asyncio
from typing import Any

from alex.agents.invocation import job_id_from
from alex.core.errors import ValidationFailedError
from alex.db import repository as repo
from alex.db.session import get_engine, session_scope


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    job_id = job_id_from(event)
    symbol = str(event.get("symbol", "")).strip().upper()
    if not symbol:
        raise ValidationFailedError("the event needs a 'symbol'", field="symbol")
    engine = get_engine()
    with session_scope(engine) as session:
        user_id = repo.require_job(session, job_id).user_id
        instrument = repo.require_visible_instrument(session, user_id, symbol)
        view = repo.effective_instruments(session, user_id, [instrument.symbol])[symbol]
    # The agent stack (the Agents SDK, LiteLLM: seconds to import) is loaded once the event is
    # known to name a job and an instrument, not in Lambda's init phase: a bad event fails
    # at once, and init stays far from its 10 s limit.
    from alex.agents.events import EventRecorder
    from alex.agents.tagger.agent import tag_symbol

    outcome = asyncio.run(tag_symbol(engine, job_id, user_id, view, EventRecorder(engine, job_id)))
    return {
        "symbol": outcome.symbol,
        "classified": outcome.classified,
        "reason": outcome.reason,
        "attempts": outcome.attempts,
    }
