"""The tagger: structured output only (no tools). Classifies an unclassified instrument; the
output is validated like user input (each allocation sums to 100) and retried with the
validation error when a model gets it wrong."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from agents import Agent, AgentOutputSchema, Model, ModelBehaviorError, Runner
from pydantic import BaseModel, Field, ValidationError, model_validator
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alex.agents.events import EventHooks, EventRecorder, UsageReport
from alex.agents.model import build_model, build_model_settings, usage_report
from alex.agents.runner import run_config
from alex.agents.tagger import templates
from alex.agents.transient import detail, plain_reason
from alex.core.config import Settings, get_settings
from alex.db import repository as repo
from alex.db.repository import LeaseLostError
from alex.db.session import session_scope
from alex.schemas import InstrumentClassification, InstrumentRead

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


class TaggerVerdict(BaseModel):
    """The tagger's answer: a classification, or an honest 'not known'."""

    known: bool
    reason: str = Field(max_length=500)
    classification: InstrumentClassification | None = None

    @model_validator(mode="after")
    def _classification_when_known(self) -> TaggerVerdict:
        if self.known and self.classification is None:
            raise ValueError("known=true needs a classification")
        return self


@dataclass(frozen=True)
class TagOutcome:
    symbol: str
    classified: bool
    reason: str
    attempts: int
    usage: UsageReport
    classification: InstrumentClassification | None = None


def build_tagger(model: Model | None = None, settings: Settings | None = None) -> Agent[None]:
    return Agent(
        name="tagger",
        instructions=templates.INSTRUCTIONS,
        model=model or build_model("tagger", write=templates.offline_write, settings=settings),
        model_settings=build_model_settings("tagger", settings),
        # Dict-valued allocations cannot be expressed in a strict JSON schema.
        output_type=AgentOutputSchema(TaggerVerdict, strict_json_schema=False),
    )


def _problem(error: ModelBehaviorError, answer: str) -> str:
    """A readable reason the answer was rejected (the SDK redacts model data from its own
    error, so the answer is validated again here to name the offending field)."""
    try:
        TaggerVerdict.model_validate_json(answer)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())[
            :800
        ]
    return str(error)[:800]


async def classify(
    instrument: InstrumentRead,
    agent: Agent[None],
    recorder: EventRecorder,
    settings: Settings | None = None,
) -> tuple[TaggerVerdict | None, TagOutcome]:
    """Ask the tagger about one instrument; retry with the validation error when the answer
    is invalid. Returns the verdict (None if every attempt was invalid) and the outcome."""
    settings = settings or get_settings()
    symbol = instrument.symbol
    hooks = EventHooks(recorder, "tagger")
    prompt = templates.task_prompt(instrument)
    problem = ""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            result = await asyncio.wait_for(
                Runner.run(agent, prompt, hooks=hooks, run_config=run_config(recorder.job_id)),
                timeout=settings.agent_timeout_seconds,
            )
        except ModelBehaviorError as exc:
            problem = _problem(exc, hooks.last_text)
            await recorder.arecord(
                "tagger",
                "progress",
                f"{symbol}: answer rejected ({problem[:200]}); asking again",
                data={"symbol": symbol, "attempt": attempt, "problem": problem},
            )
            prompt = templates.retry_prompt(instrument, problem)
            continue
        verdict = result.final_output_as(TaggerVerdict)
        usage = usage_report(hooks.usage, agent.model)
        classification = verdict.classification if verdict.known else None
        return verdict, TagOutcome(
            symbol, classification is not None, verdict.reason, attempt, usage, classification
        )
    reason = f"the tagger's answers were invalid after {MAX_ATTEMPTS} attempts: {problem}"
    return None, TagOutcome(
        symbol, False, reason, MAX_ATTEMPTS, usage_report(hooks.usage, agent.model)
    )


async def tag_symbol(
    engine: Engine,
    job_id: uuid.UUID,
    user_id: str,
    instrument: InstrumentRead,
    recorder: EventRecorder,
    *,
    model: Model | None = None,
    settings: Settings | None = None,
) -> TagOutcome:
    """Classify one instrument and store a valid classification (source 'tagger'): on the
    shared row when it is reference data nobody classified yet, else for `user_id` only. An
    unknown instrument stays unclassified: nothing is invented."""
    settings = settings or get_settings()
    symbol = instrument.symbol
    await recorder.arecord("tagger", "started", f"Classifying {symbol}", data={"symbol": symbol})
    try:
        _, outcome = await classify(instrument, build_tagger(model, settings), recorder, settings)
    except (SQLAlchemyError, LeaseLostError):
        raise  # the job's own infrastructure: the attempt ends and the queue decides
    except Exception as exc:
        # The model could not be asked (refused, unreachable after its retries, too slow):
        # tagging only enriches the analysis, so this instrument stays unclassified and says
        # why, and the analysis goes on.
        logger.warning("tagging %s failed: %s", symbol, detail(exc), extra={"job_id": str(job_id)})
        reason = plain_reason(exc)
        await recorder.arecord(
            "tagger",
            "failed",
            f"{symbol} left unclassified: {reason}",
            data={"symbol": symbol, "classified": False},
        )
        return TagOutcome(symbol, False, reason, 0, UsageReport())
    if outcome.classification is not None:
        await asyncio.to_thread(_store, engine, user_id, symbol, outcome.classification)
        await recorder.arecord(
            "tagger",
            "completed",
            f"{symbol} classified as {outcome.classification.instrument_type}",
            data={"symbol": symbol, "classified": True, "attempts": outcome.attempts},
            usage=outcome.usage,
        )
    else:
        await recorder.arecord(
            "tagger",
            "completed",
            f"{symbol} left unclassified: {outcome.reason}",
            data={"symbol": symbol, "classified": False, "attempts": outcome.attempts},
            usage=outcome.usage,
        )
    return outcome


def _store(
    engine: Engine, user_id: str, symbol: str, classification: InstrumentClassification
) -> None:
    with session_scope(engine) as session:
        repo.store_tagger_classification(session, user_id, symbol, classification)


async def tag_unclassified(
    engine: Engine,
    job_id: uuid.UUID,
    user_id: str,
    instruments: list[InstrumentRead],
    recorder: EventRecorder,
    *,
    model: Model | None = None,
    settings: Settings | None = None,
) -> list[TagOutcome]:
    """Tag every instrument concurrently, at most `tagger_concurrency` at a time."""
    settings = settings or get_settings()
    gate = asyncio.Semaphore(settings.tagger_concurrency)

    async def one(instrument: InstrumentRead) -> TagOutcome:
        async with gate:
            return await tag_symbol(
                engine, job_id, user_id, instrument, recorder, model=model, settings=settings
            )

    return list(await asyncio.gather(*(one(i) for i in instruments)))
