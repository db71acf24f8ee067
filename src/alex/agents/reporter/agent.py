"""The reporter: tools that return the portfolio facts from the finance engines and passages
from the knowledge base, and a markdown report written from them (no structured output) that
cites those passages as numbered references."""

from __future__ import annotations

import json
import logging
from typing import Any

from agents import Agent, Model, RunContextWrapper, function_tool
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy.exc import SQLAlchemyError

from alex.agents import facts
from alex.agents.context import AgentContext, SectionFailedError, SectionResult
from alex.agents.model import build_model, build_model_settings, describe
from alex.agents.reporter import offline_writer, templates
from alex.agents.runner import run_narrative
from alex.core.config import Settings
from alex.core.errors import ValidationFailedError
from alex.knowledge.base import EmbeddingError
from alex.knowledge.fence import fence
from alex.payloads import ReportPayload

log = logging.getLogger(__name__)

INSIGHTS_PER_TOPIC = 3
# What can go wrong searching a working configuration: the embedder (a hosted model down), the
# database, or S3 Vectors. The report is written without market context then.
KNOWLEDGE_ERRORS = (EmbeddingError, SQLAlchemyError, BotoCoreError, ClientError)


def _dump(value: Any) -> str:
    return json.dumps(value, default=str)


@function_tool
def get_portfolio_overview(ctx: RunContextWrapper[AgentContext]) -> str:
    """The user's profile (name, age, years to retirement, target income, contribution,
    targets) and the value of the portfolio and each account, cash included."""
    return _dump(facts.overview(ctx.context.inputs))


@function_tool
def get_allocation(ctx: RunContextWrapper[AgentContext]) -> str:
    """Look-through allocation by asset class, region and top sectors, with the share of the
    portfolio that is classified (coverage) and the unclassified symbols."""
    return _dump(facts.allocation(ctx.context.inputs))


@function_tool
def get_drift_and_rebalancing(ctx: RunContextWrapper[AgentContext]) -> str:
    """Current vs target allocation per asset class and region, which ones breach the drift
    threshold, and the suggested trades per account that close the drift."""
    return _dump(facts.drift(ctx.context.inputs))


@function_tool
def get_concentration(ctx: RunContextWrapper[AgentContext]) -> str:
    """Top holdings, the largest single weight, the diversification score and concentration
    warnings."""
    return _dump(facts.concentration(ctx.context.inputs))


@function_tool
def get_market_insights(
    ctx: RunContextWrapper[AgentContext], topic: str, symbols: list[str] | None = None
) -> str:
    """Passages from Alex's knowledge base about a topic, each with the number `ref` to cite
    it by as [ref], and its title, date and source. The passage text is fenced as quoted data.

    Args:
        topic: What to look up, e.g. "bonds underweight: duration and interest rates".
        symbols: Only passages that mention one of these tickers, e.g. the holdings the topic
            is about; leave out to search every passage.
    """
    context = ctx.context
    if context.knowledge is None:
        return _unavailable(
            topic,
            "No knowledge base is configured, so no market insights are available; this report "
            "relies on your portfolio data only.",
        )
    try:
        passages = context.knowledge(topic, INSIGHTS_PER_TOPIC, symbols=symbols or ())
    except ValidationFailedError as exc:
        return _unavailable(topic, f"The knowledge base could not search for that: {exc.message}.")
    except KNOWLEDGE_ERRORS as exc:
        log.warning(
            "knowledge search failed: %s: %s",
            type(exc).__name__,
            exc,
            extra={"job_id": str(context.inputs.job_id)},
        )
        return _unavailable(
            topic,
            "The knowledge base could not be searched just now, so no market insights are "
            "available; this report relies on your portfolio data only.",
        )
    insights = [
        {
            "ref": context.references.number(p),
            "title": p.title,
            "date": p.published.isoformat() if p.published else None,
            "source": p.source,
            "heading": p.heading,
            "text": fence(p.text, label=p.title),
        }
        for p in passages
    ]
    return _dump({"available": True, "topic": topic, "insights": insights})


def _unavailable(topic: str, message: str) -> str:
    return _dump({"available": False, "topic": topic, "message": message})


TOOLS = [
    get_portfolio_overview,
    get_allocation,
    get_drift_and_rebalancing,
    get_concentration,
    get_market_insights,
]


def build_reporter(
    model: Model | None = None, settings: Settings | None = None
) -> Agent[AgentContext]:
    return Agent[AgentContext](
        name="reporter",
        instructions=templates.INSTRUCTIONS,
        tools=list(TOOLS),
        model=model
        or build_model(
            "reporter",
            write=offline_writer.offline_write,
            plan=offline_writer.offline_plan,
            settings=settings,
        ),
        model_settings=build_model_settings("reporter", settings),
    )


async def write_report(
    context: AgentContext, *, model: Model | None = None, settings: Settings | None = None
) -> SectionResult:
    """Run the reporter; the report is stored (as a `ReportPayload`) with what grounding found
    in it."""
    agent = build_reporter(model, settings)
    text, grounding, usage, _ = await run_narrative(agent, templates.TASK, context, settings)
    if not text:
        raise SectionFailedError("the reporter returned an empty report")
    # After grounding: the References list is built from the documents, not the model's words.
    markdown, references = context.references.finalise(text)
    payload = ReportPayload(
        markdown=markdown,
        grounding=grounding,
        model=describe(agent.model),
        references=references,
    )
    words = len(text.split())
    cites = f", citing {len(references)} notes" if references else ""
    return SectionResult(
        payload.model_dump(mode="json"), usage, grounding, f"Report written ({words} words{cites})"
    )
