"""The reporter: tools that return the portfolio facts from the finance engines, and a
markdown report written from them (no structured output)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from agents import Agent, Model, RunContextWrapper, function_tool

from alex.agents import facts
from alex.agents.context import AgentContext, SectionFailedError, SectionResult
from alex.agents.model import build_model, build_model_settings, describe
from alex.agents.reporter import offline_writer, templates
from alex.agents.runner import run_narrative
from alex.core.config import Settings
from alex.payloads import ReportPayload

KnowledgeSearch = Callable[[str, int], list[dict[str, Any]]]
"""`search(query, limit)` → insights as {"text": ..., "source": ...}."""

_knowledge_search: KnowledgeSearch | None = None


def register_knowledge_search(search: KnowledgeSearch | None) -> None:
    """Plug a knowledge base into `get_market_insights` (the knowledge issue does this)."""
    global _knowledge_search
    _knowledge_search = search


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
def get_market_insights(ctx: RunContextWrapper[AgentContext], topic: str) -> str:
    """Market insights from Alex's knowledge base about a topic.

    Args:
        topic: What to look up, e.g. "bond outlook" or "emerging markets".
    """
    if _knowledge_search is None:
        return _dump(
            {
                "available": False,
                "topic": topic,
                "message": "No knowledge base is configured, so no market insights are "
                "available; this report relies on your portfolio data only.",
            }
        )
    insights = _knowledge_search(topic, 3)
    return _dump({"available": True, "topic": topic, "insights": insights})


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
    payload = ReportPayload(markdown=text, grounding=grounding, model=describe(agent.model))
    words = len(text.split())
    return SectionResult(
        payload.model_dump(mode="json"), usage, grounding, f"Report written ({words} words)"
    )
