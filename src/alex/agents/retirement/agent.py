"""The retirement specialist: tools that run the Monte Carlo for the user and for scenarios,
and a markdown explanation. The stored projection (bands, success probability, sustainable
income) is the base tool result itself, never parsed from prose."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agents import Agent, Model, RunContextWrapper, function_tool

from alex.agents.context import AgentContext, AnalysisInputs, SectionResult
from alex.agents.model import build_model, build_model_settings, describe
from alex.agents.retirement import templates
from alex.agents.runner import run_narrative
from alex.core.config import Settings
from alex.core.format import money, pct
from alex.finance.plan import project_retirement_for
from alex.finance.retirement import RetirementProjection
from alex.payloads import RetirementPayload, RetirementScenario, RetirementSummary

MAX_SCENARIOS = 4


def project(inputs: AnalysisInputs, **overrides: Any) -> RetirementProjection:
    """The engine's projection for this job's portfolio, seed and path count."""
    options = inputs.options
    return project_retirement_for(
        inputs.snapshot, inputs.analysis, seed=options.seed, paths=options.paths, **overrides
    )


def _summary(inputs: AnalysisInputs, projection: RetirementProjection) -> dict[str, Any]:
    """A projection's figures as the tools return them and the payload stores them."""
    name = inputs.snapshot.user.display_name
    return RetirementSummary.of(projection, name).model_dump(mode="json")


async def base_projection(inputs: AnalysisInputs) -> RetirementProjection:
    """The base-case projection, computed once per job and shared (the charter's fan chart
    and the retirement section show the very same simulation)."""
    async with inputs.lock:
        if "base_projection" not in inputs.shared:
            inputs.shared["base_projection"] = await asyncio.to_thread(project, inputs)
    projection: RetirementProjection = inputs.shared["base_projection"]
    return projection


async def _base(context: AgentContext) -> dict[str, Any]:
    """The base case's figures, as the tool answers them (computed on first use)."""
    if "base_summary" not in context.results:
        projection = await base_projection(context.inputs)
        context.results["base_summary"] = _summary(context.inputs, projection)
    summary: dict[str, Any] = context.results["base_summary"]
    return summary


@function_tool
async def run_base_projection(ctx: RunContextWrapper[AgentContext]) -> str:
    """Run the retirement Monte Carlo for the user's current plan: their portfolio, yearly
    contribution, retirement age and target income. Returns the success probability with its
    sampling error, the sustainable income, median wealth and the assumptions."""
    return json.dumps(await _base(ctx.context))


@function_tool
async def run_scenario(
    ctx: RunContextWrapper[AgentContext],
    retire_years_later: int,
    extra_annual_contribution: float,
) -> str:
    """Run the Monte Carlo for a what-if scenario (same market paths as the base case, so the
    difference is the change alone).

    Args:
        retire_years_later: Years to move retirement by (negative retires earlier), -10 to 10.
        extra_annual_contribution: Extra dollars saved per year (0 or more).
    """
    context = ctx.context
    scenarios: list[dict[str, Any]] = context.results.setdefault("scenarios", [])
    if len(scenarios) >= MAX_SCENARIOS:
        return json.dumps({"error": f"at most {MAX_SCENARIOS} scenarios per analysis"})
    base = await _base(context)
    user = context.inputs.snapshot.user
    years = user.years_until_retirement + int(retire_years_later)
    if not -10 <= retire_years_later <= 10 or years < 0:
        return json.dumps(
            {
                "error": "retire_years_later must keep retirement between now and "
                "10 years from the current plan"
            }
        )
    if extra_annual_contribution < 0:
        return json.dumps({"error": "extra_annual_contribution cannot be negative"})
    contribution = float(user.annual_contribution) + float(extra_annual_contribution)
    projection = await asyncio.to_thread(
        project,
        context.inputs,
        years_until_retirement=years,
        annual_contribution=contribution,
    )
    parts = []
    if retire_years_later:
        verb = "later" if retire_years_later > 0 else "earlier"
        parts.append(f"Retire {abs(retire_years_later)} years {verb}")
    if extra_annual_contribution:
        parts.append(f"save {money(extra_annual_contribution)} more a year")
    label = " and ".join(parts) or "Current plan"
    summary = {
        **_summary(context.inputs, projection),
        "label": label[:1].upper() + label[1:],
        "retire_years_later": retire_years_later,
        "extra_annual_contribution": extra_annual_contribution,
        "success_change_pp": round(projection.success_pct - base["success_pct"], 2),
    }
    scenarios.append(summary)
    return json.dumps(summary)


def build_retirement(
    model: Model | None = None, settings: Settings | None = None
) -> Agent[AgentContext]:
    return Agent[AgentContext](
        name="retirement",
        instructions=templates.INSTRUCTIONS,
        tools=[run_base_projection, run_scenario],
        model=model
        or build_model(
            "retirement",
            write=templates.offline_write,
            plan=templates.offline_plan,
            settings=settings,
        ),
        model_settings=build_model_settings("retirement", settings),
    )


async def write_projection(
    context: AgentContext, *, model: Model | None = None, settings: Settings | None = None
) -> SectionResult:
    """Run the retirement agent. The stored projection is the engine's own result for the
    base case (computed here if the model never asked for it)."""
    agent = build_retirement(model, settings)
    text, grounding, usage, _ = await run_narrative(agent, templates.TASK, context, settings)
    base = await _base(context)
    payload = RetirementPayload(
        markdown=text,
        projection=await base_projection(context.inputs),
        summary=RetirementSummary.model_validate(base),
        # Tool calls run concurrently: store scenarios in a stable order.
        scenarios=[
            RetirementScenario.model_validate(s)
            for s in sorted(
                context.results.get("scenarios", []),
                key=lambda s: (s["retire_years_later"], s["extra_annual_contribution"]),
            )
        ],
        grounding=grounding,
        model=describe(agent.model),
    )
    message = f"Projection done: {pct(base['success_pct'])} chance of funding the target income"
    return SectionResult(payload.model_dump(mode="json"), usage, grounding, message)
