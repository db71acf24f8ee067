"""The planner's own agent: it writes the executive summary from the stored results, through
one tool that hands it the headline figures and each section's status. The workflow that runs a
job is `manager.py`."""

from __future__ import annotations

import json

from agents import Agent, Model, RunContextWrapper, function_tool

from alex.agents.context import AgentContext
from alex.agents.model import build_model, build_model_settings
from alex.agents.planner import templates
from alex.core.config import Settings


@function_tool
def get_analysis_results(ctx: RunContextWrapper[AgentContext]) -> str:
    """Headline figures of this analysis and the status of each section."""
    return json.dumps(ctx.context.results["summary_facts"], default=str)


def build_planner(
    model: Model | None = None, settings: Settings | None = None
) -> Agent[AgentContext]:
    return Agent[AgentContext](
        name="planner",
        instructions=templates.INSTRUCTIONS,
        tools=[get_analysis_results],
        model=model
        or build_model(
            "planner", write=templates.offline_write, plan=templates.offline_plan, settings=settings
        ),
        model_settings=build_model_settings("planner", settings),
    )
