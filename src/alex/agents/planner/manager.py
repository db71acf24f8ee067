"""The planner's manager: runs one analysis job from pending to completed.

It reads like the workflow: load → tag → (report ∥ charts ∥ retirement) → finish. Loading,
tagging orchestration and storing are plain code; the specialists are agents run concurrently,
each result stored the moment it lands. The planner's own agent writes the executive summary
from the stored results.

Failure rules: a specialist that fails is recorded (event + section status) and the others
carry on; the job completes when at least one section was produced. A definitive outcome
(unknown user, empty portfolio, every section failed for a non-transient reason) fails the job
with a readable reason. Anything else — the database going away, the process dying — escapes,
leaving the job `running` for the queue to retry; a re-run overwrites sections, it never
duplicates them. Run by a queue worker, every write to the job (sections, events, status) is
fenced on that worker's lease: once another worker has taken the job over, this one's writes
are refused (`LeaseLostError`) and it stops.

The database session is synchronous; every read and write runs in a thread
(`asyncio.to_thread`), so the specialists running concurrently on the event loop are never
held up by it."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from agents import Model
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from alex.agents import facts
from alex.agents.charter.agent import choose_charts
from alex.agents.context import (
    AgentContext,
    AnalysisInputs,
    AnalysisOptions,
    SectionFailedError,
    SectionResult,
)
from alex.agents.events import EventListener, EventRecorder, UsageReport
from alex.agents.grounding import GroundingResult, merge
from alex.agents.model import check_models, describe
from alex.agents.observability import job_trace
from alex.agents.planner import templates
from alex.agents.planner.agent import build_planner
from alex.agents.reporter.agent import write_report
from alex.agents.retirement.agent import write_projection
from alex.agents.runner import run_narrative
from alex.agents.tagger.agent import tag_unclassified
from alex.agents.transient import detail, is_transient, plain_reason
from alex.core.config import Settings, get_settings
from alex.core.errors import NotFoundError
from alex.db import repository as repo
from alex.db.models import Job
from alex.db.repository import LeaseLostError
from alex.db.session import get_engine, session_scope
from alex.db.usage import total as usage_total
from alex.db.usage import usage_by_agent
from alex.finance.changes import record_inputs
from alex.finance.plan import analyse_portfolio
from alex.knowledge.base import Passage
from alex.knowledge.factory import knowledge_base
from alex.payloads import WRITING, SummaryPayload, UsageTotals
from alex.prices import ProviderConfigError, RefreshReport, make_provider, refresh_prices
from alex.prices.refresh import price_notes
from alex.schemas import AgentName, InstrumentRead, JobEventRead, PortfolioSnapshot

logger = logging.getLogger(__name__)

SectionName = Literal["report", "charts", "retirement"]
Specialist = Callable[..., Awaitable[SectionResult]]

SECTIONS: dict[SectionName, tuple[AgentName, str, Specialist]] = {
    "report": ("reporter", "report_payload", write_report),
    "charts": ("charter", "charts_payload", choose_charts),
    "retirement": ("retirement", "retirement_payload", write_projection),
}
# The planner asks only for what this user holds and was not checked within the hour, and for
# at most this long: on a free tier (5 requests a minute) a large portfolio would otherwise hold
# the analysis for minutes. What is not reached keeps its last price, and the notes say so.
PRICE_RECHECK_AFTER = timedelta(hours=1)
PRICE_REFRESH_BUDGET_SECONDS = 30.0
# Failures of the job's infrastructure rather than of one agent: they end the attempt (the
# queue retries the job) instead of being recorded as a failed section.
INFRASTRUCTURE_ERRORS = (SQLAlchemyError, LeaseLostError)


class JobFailedError(Exception):
    """A definitive outcome: the job is marked failed with this reason and not retried."""


class AnalysisInterruptedError(Exception):
    """Nothing was produced, but for reasons that may pass (rate limits, timeouts): raised so
    the queue retries the job within its attempt budget."""


@dataclass
class SectionOutcome:
    section: SectionName
    status: Literal["completed", "failed"]
    error: str | None = None
    grounding: GroundingResult | None = None
    usage: UsageReport = field(default_factory=UsageReport)
    transient: bool = False

    def as_status(self) -> dict[str, Any]:
        status: dict[str, Any] = {"status": self.status, "error": self.error}
        if self.grounding is not None:
            status["grounded"] = self.grounding.grounded
        return status


class AnalysisManager:
    """Runs one analysis job. `models` overrides the configured model per agent (tests use
    scripted models); `listener` sees every job event as it is written (the CLI prints them);
    `lease_owner` is the queue worker that claimed the job (None when run outside a queue)."""

    def __init__(
        self,
        job_id: uuid.UUID,
        *,
        engine: Engine | None = None,
        models: Mapping[AgentName, Model] | None = None,
        settings: Settings | None = None,
        listener: EventListener | None = None,
        lease_owner: str | None = None,
    ) -> None:
        self.job_id = job_id
        self.lease_owner = lease_owner
        self._attempt = 0
        self._planner_usage = UsageReport()  # the executive summary's own model usage
        self.engine = engine or get_engine()
        self.models = dict(models or {})
        self.settings = settings or get_settings()
        self.recorder = EventRecorder(
            self.engine, job_id, listener=listener, lease_owner=lease_owner
        )
        self.outcomes: dict[SectionName, SectionOutcome] = {}
        self.payloads: dict[SectionName, dict[str, Any]] = {}
        self._data_quality: list[str] = []

    async def run(self) -> None:
        self._started = time.perf_counter()
        claim = await self._start()
        if claim is None:
            return
        user_id, options = claim
        try:
            with job_trace(self.job_id, user_id):
                await self._refresh_prices(user_id)
                snapshot = await self._load(user_id)
                snapshot = await self._tag(snapshot)
                inputs = await self._analyse(snapshot, options)
                await self._run_specialists(inputs)
                await self._finish(inputs)
        except JobFailedError as exc:
            await self._fail(str(exc))
        except LeaseLostError:
            raise  # the job is another worker's now: nothing more may be written to it
        except (Exception, asyncio.CancelledError) as exc:
            await self._note_interrupted(exc)
            raise

    async def run_section(self, name: SectionName) -> dict[str, Any]:
        """Run one specialist for this job and store its section (the per-agent Lambda entry
        point). Raises when the section could not be produced, so the invocation is retried."""
        user_id, request = await asyncio.to_thread(self._read_job)
        options = AnalysisOptions.from_request(request)
        with job_trace(self.job_id, user_id):
            inputs = await self._analyse(await self._load(user_id), options)
            outcome = await self._run_section(name, inputs)
        if outcome.status != "completed":
            raise SectionFailedError(f"{name}: {outcome.error}")
        return {"job_id": str(self.job_id), "section": name, **outcome.as_status()}

    # ----------------------------------------------------------------- database

    @contextmanager
    def _writing(self) -> Iterator[tuple[Session, Job]]:
        """A transaction that writes to this job, refused once our lease is lost. Synchronous:
        called in a worker thread (`asyncio.to_thread`)."""
        with session_scope(self.engine) as session:
            yield session, repo.lock_job(session, self.job_id, self.lease_owner)

    def _read_job(self) -> tuple[str, dict[str, Any] | None]:
        with session_scope(self.engine) as session:
            job = repo.require_job(session, self.job_id)
            return job.user_id, job.request_payload

    def _mark_running(self) -> tuple[str, dict[str, Any] | None] | None:
        with self._writing() as (session, job):
            if job.status in ("completed", "failed"):
                logger.info(
                    "job already %s; nothing to do", job.status, extra={"job_id": str(job.id)}
                )
                return None
            repo.mark_job_running(session, job)
            self._attempt = job.attempts
            return job.user_id, job.request_payload

    def _store_section(self, column: str, payload: dict[str, Any]) -> None:
        with self._writing() as (session, job):
            repo.store_job_section(session, job, column, payload)

    def _held_symbols(self, user_id: str) -> list[str]:
        with session_scope(self.engine) as session:
            return repo.held_symbols(session, user_id)

    def _load_portfolio(self, user_id: str) -> PortfolioSnapshot:
        with session_scope(self.engine) as session:
            return repo.load_portfolio(session, user_id)

    def _search_knowledge(
        self, query: str, k: int = 5, *, symbols: Iterable[str] = ()
    ) -> list[Passage]:
        """The agents' knowledge search. The knowledge base is opened on the first search, so
        a run that never searches loads no embedder."""
        return knowledge_base(self.settings, self.engine).search(query, k, symbols=symbols)

    # ----------------------------------------------------------------- steps

    async def _start(self) -> tuple[str, AnalysisOptions] | None:
        """Mark the job running, unless it already finished (redelivery is a no-op). A model
        setting LiteLLM cannot route fails it at once: no attempt could ever succeed."""
        started = await asyncio.to_thread(self._mark_running)
        if started is None:
            return None
        user_id, request = started
        problems = check_models(self.settings)
        if problems:
            logger.error("model misconfigured: %s", "; ".join(problems))
            await self._fail(
                "Alex's AI model is misconfigured, so no analysis can run; an operator has the "
                "details (`alex doctor`)."
            )
            return None
        await self.recorder.arecord(
            "planner",
            "started",
            "Analysis started",
            data={"model": describe(self.models.get("planner") or self._configured_model())},
        )
        return user_id, AnalysisOptions.from_request(request)

    def _configured_model(self) -> str:
        return describe(self.settings.model_for("planner") or None)

    async def _refresh_prices(self, user_id: str) -> None:
        """Refresh the prices of what this user holds from the configured provider. Whatever
        the provider does, the job goes on: a symbol it could not price keeps its last price
        and gets a data-quality note."""
        self._data_quality = []
        provider_name = self.settings.price_provider
        if provider_name == "none":
            return
        symbols = await asyncio.to_thread(self._held_symbols, user_id)
        if not symbols:
            return
        await self.recorder.arecord(
            "planner",
            "progress",
            f"Refreshing {len(symbols)} prices from {provider_name}",
            data={"provider": provider_name, "symbols": symbols},
        )
        try:
            report = await refresh_prices(
                self.engine,
                make_provider(self.settings),
                symbols,
                recheck_after=PRICE_RECHECK_AFTER,
                budget_seconds=PRICE_REFRESH_BUDGET_SECONDS,
            )
        except ProviderConfigError as exc:
            report = RefreshReport(provider=provider_name, outcomes=[], error=exc.message)
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception:  # a provider bug must not cost the user their analysis
            logger.exception("price refresh failed", extra={"job_id": str(self.job_id)})
            report = RefreshReport(
                provider=provider_name,
                outcomes=[],
                error="the price provider failed unexpectedly (details are in the server log)",
            )
        self._data_quality.extend(price_notes(report))
        await self.recorder.arecord(
            "planner",
            "progress",
            f"Prices from {provider_name}: {report.summary}"
            + (f" (stopped: {report.error})" if report.error else ""),
            data={
                "provider": provider_name,
                "outcomes": {o.symbol: o.status for o in report.outcomes},
                "error": report.error,
            },
        )

    async def _load(self, user_id: str) -> PortfolioSnapshot:
        try:
            snapshot = await asyncio.to_thread(self._load_portfolio, user_id)
        except NotFoundError as exc:
            raise JobFailedError(f"The user profile could not be found ({exc.message}).") from exc
        positions = sum(len(a.positions) for a in snapshot.accounts)
        cash = sum(a.cash_balance for a in snapshot.accounts)
        if not snapshot.accounts or (positions == 0 and cash == 0):
            raise JobFailedError(
                "There is nothing to analyse yet: add an account with cash or positions, "
                "then run the analysis again."
            )
        await self.recorder.arecord(
            "planner",
            "progress",
            f"Loaded {len(snapshot.accounts)} accounts with {positions} positions",
            data={"accounts": len(snapshot.accounts), "positions": positions},
        )
        return snapshot

    async def _tag(self, snapshot: PortfolioSnapshot) -> PortfolioSnapshot:
        unclassified = [snapshot.instruments[s] for s in snapshot.unclassified_symbols]
        if not unclassified:
            return snapshot
        symbols = ", ".join(i.symbol for i in unclassified)
        await self.recorder.arecord(
            "planner",
            "progress",
            f"Classifying {len(unclassified)} unclassified instrument(s): {symbols}",
            data={"symbols": [i.symbol for i in unclassified]},
        )
        outcomes = await tag_unclassified(
            self.engine,
            self.job_id,
            snapshot.user.id,
            unclassified,
            self.recorder,
            model=self.models.get("tagger"),
            settings=self.settings,
        )
        instruments = dict(snapshot.instruments)
        for outcome in outcomes:
            if outcome.classification is not None:
                current = instruments[outcome.symbol]
                instruments[outcome.symbol] = InstrumentRead.model_validate(
                    {
                        **current.model_dump(),
                        **outcome.classification.model_dump(mode="json"),
                        "classification_source": "tagger",
                    }
                )
            else:
                self._data_quality.append(
                    f"{outcome.symbol} could not be classified: {outcome.reason}"
                )
        return snapshot.model_copy(update={"instruments": instruments})

    async def _analyse(
        self, snapshot: PortfolioSnapshot, options: AnalysisOptions
    ) -> AnalysisInputs:
        analysis = analyse_portfolio(snapshot, drift_threshold=options.drift_threshold)
        inputs = AnalysisInputs(
            job_id=self.job_id,
            snapshot=snapshot,
            analysis=analysis,
            options=options,
            data_quality=list(self._data_quality),
        )
        if analysis.valuation.total <= 0:
            raise JobFailedError(
                "The portfolio has no value that can be analysed: every position is missing a "
                "price and there is no cash."
            )
        await self.recorder.arecord(
            "planner",
            "progress",
            "Portfolio valued and analysed by the finance engines",
            data={
                "total_value": analysis.valuation.total,
                "coverage_pct": analysis.allocation.coverage_pct,
            },
        )
        return inputs

    async def _run_specialists(self, inputs: AnalysisInputs) -> None:
        """Reporter, charter and retirement concurrently; each section stored as it lands."""
        tasks = [
            asyncio.create_task(self._run_section(name, inputs), name=f"alex-{name}")
            for name in SECTIONS
        ]
        try:
            for finished in asyncio.as_completed(tasks):
                outcome = await finished
                self.outcomes[outcome.section] = outcome
        except BaseException:
            for task in tasks:
                task.cancel()
            raise

    async def _run_section(self, name: SectionName, inputs: AnalysisInputs) -> SectionOutcome:
        agent_name, column, specialist = SECTIONS[name]
        context = AgentContext(
            agent=agent_name,
            inputs=inputs,
            recorder=self.recorder,
            knowledge=self._search_knowledge,
        )
        await self.recorder.arecord(agent_name, "started", f"Working on the {name}")
        try:
            result = await specialist(
                context, model=self.models.get(agent_name), settings=self.settings
            )
        except INFRASTRUCTURE_ERRORS:
            raise  # let the queue retry the job (or, lease lost, leave it to its new worker)
        except Exception as exc:
            reason = str(exc) if isinstance(exc, SectionFailedError) else plain_reason(exc)
            logger.warning(
                "%s failed: %s",
                agent_name,
                detail(exc),
                extra={"job_id": str(self.job_id), "transient": is_transient(exc)},
            )
            await self.recorder.arecord(
                agent_name,
                "failed",
                f"The {name} could not be produced: {reason}",
                data={"error": reason},
            )
            return SectionOutcome(name, "failed", reason, transient=is_transient(exc))
        await asyncio.to_thread(self._store_section, column, result.payload)
        self.payloads[name] = result.payload
        data: dict[str, Any] = {"section": name}
        if result.grounding is not None:
            data["grounding"] = result.grounding.model_dump()
        await self.recorder.arecord(
            agent_name, "completed", result.message, data=data, usage=result.usage
        )
        return SectionOutcome(name, "completed", None, result.grounding, result.usage)

    async def _finish(self, inputs: AnalysisInputs) -> None:
        produced = [o for o in self.outcomes.values() if o.status == "completed"]
        if not produced:
            reasons = "; ".join(f"{o.section}: {o.error}" for o in self.outcomes.values())
            if any(o.transient for o in self.outcomes.values()):
                raise AnalysisInterruptedError(f"No section could be produced ({reasons}).")
            raise JobFailedError(f"No section of the analysis could be produced ({reasons}).")
        summary = SummaryPayload.model_validate(await self._summarise(inputs), context=WRITING)
        summary.elapsed_seconds = round(time.perf_counter() - self._started, 3)
        failed = [o.section for o in self.outcomes.values() if o.status == "failed"]
        message = "Analysis completed" + (f" without: {', '.join(failed)}" if failed else "")
        sections = {k: v.status for k, v in summary.sections.items()}

        def complete() -> JobEventRead:
            # The event, the summary and the status commit together: a reader never sees a
            # completed job without its summary or its closing event.
            with self._writing() as (session, job):
                # Written first: on SQLite (pysqlite's own transaction handling) a savepoint
                # taken before any write, as appending an event does, would commit on its own
                # and outlive a rollback of this transaction.
                repo.store_job_section(
                    session, job, "summary_payload", summary.model_dump(mode="json")
                )
                event = self.recorder.append(
                    session,
                    "planner",
                    "completed",
                    message,
                    data={"sections": sections},
                    usage=self._planner_usage,
                )
                # Every agent's usage (the tagger's and this closing event's included), from
                # the events: the one record of it.
                summary.usage_by_agent = usage_by_agent(session, job_id=self.job_id)
                whole = usage_total(summary.usage_by_agent)
                summary.usage = UsageTotals(
                    requests=whole.requests,
                    tokens_in=whole.tokens_in,
                    tokens_out=whole.tokens_out,
                    cost_usd=whole.cost_usd,
                )
                repo.store_job_section(
                    session, job, "summary_payload", summary.model_dump(mode="json")
                )
                repo.complete_job(session, job)
            return event

        self.recorder.announce(await asyncio.to_thread(complete))

    async def _summarise(self, inputs: AnalysisInputs) -> dict[str, Any]:
        headline = self._headline(inputs)
        sections = {name: self.outcomes[name].as_status() for name in SECTIONS}
        context = AgentContext(agent="planner", inputs=inputs, recorder=self.recorder)
        context.results["summary_facts"] = {"headline": headline, "sections": sections}
        executive_summary: str | None = None
        groundings = [o.grounding for o in self.outcomes.values() if o.grounding is not None]
        usage = UsageReport()
        try:
            agent = build_planner(self.models.get("planner"), self.settings)
            text, grounding, usage, _ = await run_narrative(
                agent, templates.TASK, context, self.settings
            )
            executive_summary = text
            groundings.append(grounding)
            self._planner_usage = usage
        except INFRASTRUCTURE_ERRORS:
            raise
        except Exception as exc:
            logger.warning(
                "executive summary failed: %s", detail(exc), extra={"job_id": str(self.job_id)}
            )
            await self.recorder.arecord(
                "planner", "progress", f"Executive summary unavailable: {plain_reason(exc)}"
            )
        grounding_result = merge(groundings)
        by_section = {
            o.section: o.grounding.model_dump()
            for o in self.outcomes.values()
            if o.grounding is not None
        }
        return {
            "headline": headline,
            "executive_summary": executive_summary,
            "sections": sections,
            "grounding": {**grounding_result.model_dump(), "by_section": by_section},
            "data_quality": facts.data_quality_report(inputs),
            "inputs": record_inputs(inputs.snapshot),  # what a later analysis compares with
            "model": self._configured_model(),
        }

    def _headline(self, inputs: AnalysisInputs) -> dict[str, Any]:
        analysis = inputs.analysis
        user = facts.profile(inputs.snapshot)
        equity = analysis.allocation.asset_class.pct_of("equity")
        headline: dict[str, Any] = {
            "name": user["name"],
            "total_value": analysis.valuation.total,
            "invested": analysis.valuation.invested,
            "cash": analysis.valuation.cash,
            "accounts": len(analysis.valuation.accounts),
            "positions": sum(len(a.positions) for a in inputs.snapshot.accounts),
            "equity_pct": equity,
            "asset_class_pct": {s.key: s.pct for s in analysis.allocation.asset_class.slices},
            "max_drift_pp": analysis.drift.max_abs_drift_pp,
            "needs_rebalancing": analysis.drift.needs_rebalancing,
            "diversification_score": round(analysis.concentration.diversification_score, 1),
            "coverage_pct": analysis.allocation.coverage_pct,
            "unclassified_symbols": list(analysis.allocation.unclassified_symbols),
            "unvalued_holdings": analysis.data_quality.unvalued_holdings,
            "stale_prices": len(analysis.valuation.stale_prices),
            "coverage_statement": analysis.data_quality.coverage_statement,
            "retirement_age": user["retirement_age"],
            "target_retirement_income": user["target_retirement_income"],
            "success_pct": None,
            "success_standard_error_pct": None,
            "sustainable_income": None,
        }
        retirement = self.payloads.get("retirement")
        if retirement is not None:
            projection = retirement["projection"]
            headline["success_pct"] = projection["success_pct"]
            headline["success_standard_error_pct"] = projection["success_standard_error_pct"]
            headline["sustainable_income"] = projection["sustainable_income"]
        return headline

    # ----------------------------------------------------------------- endings

    async def _fail(self, reason: str) -> None:
        def fail() -> JobEventRead:
            with self._writing() as (session, job):
                # The status first, for the reason given in `_finish`'s `complete`.
                repo.fail_job(session, job, reason)
                event = self.recorder.append(session, "planner", "failed", reason)
            return event

        self.recorder.announce(await asyncio.to_thread(fail))

    def _next_step(self) -> str:
        if self.lease_owner is None:
            return "the analysis can be started again"
        if self._attempt >= self.settings.job_max_attempts:
            return f"that was the last of {self.settings.job_max_attempts} attempts"
        return (
            f"the job will be retried (attempt {self._attempt} of "
            f"{self.settings.job_max_attempts} used)"
        )

    async def _note_interrupted(self, exc: BaseException) -> None:
        """Best effort: tell the UI this attempt stopped (the job stays retryable)."""
        try:
            await self.recorder.arecord(
                "planner",
                "progress",
                f"This attempt stopped ({plain_reason(exc)}); {self._next_step()}",
                data={"interrupted": True, "attempt": self._attempt},
            )
        except INFRASTRUCTURE_ERRORS:
            logger.warning("could not record the interruption", extra={"job_id": str(self.job_id)})


async def run_analysis(
    job_id: uuid.UUID,
    *,
    engine: Engine | None = None,
    models: Mapping[AgentName, Model] | None = None,
    settings: Settings | None = None,
    listener: EventListener | None = None,
    lease_owner: str | None = None,
) -> None:
    """Run the analysis job `job_id` (see `AnalysisManager`)."""
    manager = AnalysisManager(
        job_id,
        engine=engine,
        models=models,
        settings=settings,
        listener=listener,
        lease_owner=lease_owner,
    )
    await manager.run()


def run_analysis_sync(job_id: uuid.UUID, *, engine: Engine | None = None) -> None:
    """`run_analysis` for synchronous callers (the planner's Lambda, invoked directly)."""
    asyncio.run(run_analysis(job_id, engine=engine))


def run_section_sync(
    job_id: uuid.UUID, section: SectionName, *, engine: Engine | None = None
) -> dict[str, Any]:
    """`AnalysisManager.run_section` for synchronous callers (Lambda handlers)."""
    return asyncio.run(AnalysisManager(job_id, engine=engine).run_section(section))
