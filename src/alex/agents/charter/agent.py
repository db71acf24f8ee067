"""The charter: structured output only (no tools). It chooses and titles charts; the data
points come from the finance chart builders, so a model can never alter a number."""

from __future__ import annotations

from typing import Any

from agents import Agent, Model
from pydantic import BaseModel, Field

from alex.agents.charter import templates
from alex.agents.context import AgentContext, SectionFailedError, SectionResult
from alex.agents.model import build_model, build_model_settings, describe
from alex.agents.retirement.agent import base_projection
from alex.agents.runner import run_structured
from alex.core.config import Settings
from alex.finance.charts import ChartChoice, ChartSpec, build_all_charts, select_charts
from alex.payloads import ChartsPayload


class ChartSelection(BaseModel):
    """The charter's answer: chart keys from the catalogue, in display order, with titles."""

    charts: list[ChartChoice] = Field(min_length=1, max_length=12)


def build_charter(
    model: Model | None = None, settings: Settings | None = None
) -> Agent[AgentContext]:
    return Agent[AgentContext](
        name="charter",
        instructions=templates.INSTRUCTIONS,
        model=model or build_model("charter", write=templates.offline_write, settings=settings),
        model_settings=build_model_settings("charter", settings),
        output_type=ChartSelection,
    )


def _catalogue(charts: dict[str, ChartSpec]) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "type": spec.type,
            "title": spec.title,
            "description": spec.description,
            "points": len(spec.data) or len(spec.bands),
        }
        for key, spec in charts.items()
    ]


async def choose_charts(
    context: AgentContext, *, model: Model | None = None, settings: Settings | None = None
) -> SectionResult:
    """Build every chart from the engines' results, let the charter choose and title them,
    and return the chosen specs, validated. Keys the model made up are dropped and listed."""
    inputs = context.inputs
    projection = await base_projection(inputs)
    charts = build_all_charts(inputs.analysis, projection)
    agent = build_charter(model, settings)
    first_name = inputs.snapshot.user.display_name.split(" ")[0]
    selection, usage = await run_structured(
        agent, templates.task_prompt(first_name, _catalogue(charts)), context, settings
    )
    if not isinstance(selection, ChartSelection):
        raise SectionFailedError("the charter did not return a chart selection")
    known = [c for c in selection.charts if c.key in charts]
    rejected = [c.key for c in selection.charts if c.key not in charts]
    # Validated again: the agent's titles went into specs copied without validation.
    chosen = [ChartSpec.model_validate(c.model_dump()) for c in select_charts(charts, known)]
    if not chosen:
        raise SectionFailedError(
            "the charter chose no chart from the catalogue"
            + (f" (unknown keys: {', '.join(rejected)})" if rejected else "")
        )
    payload = ChartsPayload(charts=chosen, rejected_keys=rejected, model=describe(agent.model))
    message = f"{len(chosen)} charts chosen and titled"
    return SectionResult(payload.model_dump(mode="json"), usage, None, message)
