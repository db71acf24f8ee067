"""The retirement specialist: tools that run the Monte Carlo for the user and for scenarios,
and a markdown explanation. The stored projection (bands, success probability, sustainable
income) and the outlook around it (success under every return model, as held against at the
targets, the ranked levers) are the engine's results themselves, never parsed from prose: the
very `retirement_outlook_for` that `alex plan` and the what-if panel call, on the job's seed and
path count."""

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
from alex.core.errors import ValidationFailedError
from alex.core.format import money, pct
from alex.finance.income import EARLIEST_CLAIM_AGE, LATEST_CREDIT_AGE, claim_at
from alex.finance.outlook import RetirementOutlook
from alex.finance.plan import project_retirement_for, retirement_outlook_for
from alex.finance.retirement import RetirementProjection
from alex.payloads import RetirementPayload, RetirementScenario, RetirementSummary
from alex.schemas import RetirementPlan

MAX_SCENARIOS = 4
MAX_YEARS_MOVED = 10
OUTLOOK = "retirement_outlook"
"""Key of the job's outlook in `AnalysisInputs.shared`."""


def project(inputs: AnalysisInputs, **overrides: Any) -> RetirementProjection:
    """The engine's projection for this job's portfolio, seed and path count."""
    options = inputs.options
    return project_retirement_for(
        inputs.snapshot, inputs.analysis, seed=options.seed, paths=options.paths, **overrides
    )


def outlook_for(inputs: AnalysisInputs) -> RetirementOutlook:
    """The outlook of the user's stored plan for this job's portfolio, seed and path count:
    what `alex plan` and POST /api/retirement/projection compute for the same inputs."""
    options = inputs.options
    return retirement_outlook_for(
        inputs.snapshot, inputs.analysis, seed=options.seed, paths=options.paths
    )


async def retirement_outlook(inputs: AnalysisInputs) -> RetirementOutlook:
    """The base case's outlook, computed once per job (off the event loop) and shared."""
    async with inputs.lock:
        if OUTLOOK not in inputs.shared:
            inputs.shared[OUTLOOK] = await asyncio.to_thread(outlook_for, inputs)
    outlook: RetirementOutlook = inputs.shared[OUTLOOK]
    return outlook


async def base_projection(inputs: AnalysisInputs) -> RetirementProjection:
    """The base-case projection: the outlook's own (the charter's fan chart and the retirement
    section show the very same simulation)."""
    return (await retirement_outlook(inputs)).projection


def _summary(inputs: AnalysisInputs, projection: RetirementProjection) -> dict[str, Any]:
    """A projection's figures as the tools return them and the payload stores them."""
    name = inputs.snapshot.user.display_name
    return RetirementSummary.of(projection, name).model_dump(mode="json")


def base_result(inputs: AnalysisInputs, outlook: RetirementOutlook) -> dict[str, Any]:
    """What run_base_projection answers: the headline figures, success under every return
    model, both allocations and the ranked levers (the outlook's summary, flattened, without
    the inputs the headline already states)."""
    return {
        **_summary(inputs, outlook.projection),
        "allocation_basis": outlook.allocation_basis,
        "by_model": [m.model_dump(mode="json") for m in outlook.by_model],
        "allocations": [a.model_dump(mode="json") for a in outlook.allocations],
        "levers": [lever.model_dump(mode="json") for lever in outlook.levers],
    }


async def _base(context: AgentContext) -> dict[str, Any]:
    """The base case's figures, as the tool answers them (computed on first use)."""
    if "base" not in context.results:
        outlook = await retirement_outlook(context.inputs)
        context.results["base"] = base_result(context.inputs, outlook)
    base: dict[str, Any] = context.results["base"]
    return base


@function_tool
async def run_base_projection(ctx: RunContextWrapper[AgentContext]) -> str:
    """Run the retirement Monte Carlo for the user's current plan: their portfolio, yearly
    contribution, retirement age, target income and stored retirement plan. Returns the
    success probability with its sampling error, the sustainable income with its range, median
    and 10th-percentile wealth, the assumptions; `by_model`: the same plan's success under
    every return model; `allocations`: the plan as held and at the target allocation;
    `levers`: one change each (retire later, save more, spend less, claim Social Security at
    70, hold the targets) on the same market paths, ranked by the change in success."""
    return json.dumps(await _base(ctx.context))


def _error(message: str) -> str:
    return json.dumps({"error": message})


def _label(
    retire_years_later: int,
    extra_annual_contribution: float,
    spend_less_per_year: float,
    claim_social_security_at: int | None,
) -> str:
    parts = []
    if retire_years_later:
        verb = "later" if retire_years_later > 0 else "earlier"
        unit = "year" if abs(retire_years_later) == 1 else "years"
        parts.append(f"retire {abs(retire_years_later)} {unit} {verb}")
    if extra_annual_contribution:
        parts.append(f"save {money(extra_annual_contribution)} more a year")
    if spend_less_per_year:
        parts.append(f"spend {money(spend_less_per_year)} less a year")
    if claim_social_security_at is not None:
        parts.append(f"claim Social Security at {claim_social_security_at}")
    if not parts:
        return "Current plan"
    label = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return label[:1].upper() + label[1:]


def _claiming_plan(inputs: AnalysisInputs, age: int) -> RetirementPlan | None:
    """The stored plan with every Social Security benefit not yet claimed moved to `age`
    (scaled by the SSA's reduction or credit); None when there is none to move (no benefit,
    one already being paid, or an age already past)."""
    plan = inputs.snapshot.user.retirement_plan
    current_age = inputs.snapshot.user.current_age
    movable = [
        s for s in plan.income_streams if s.kind == "social_security" and s.start_age > current_age
    ]
    if not movable or age <= current_age:
        return None
    # The birth year as alex.finance.plan reads it: the plan's, or this year minus the age.
    birth_year = (
        plan.birth_year or inputs.snapshot.valued_on.year - inputs.snapshot.user.current_age
    )
    streams = [claim_at(s, age, birth_year) if s in movable else s for s in plan.income_streams]
    return plan.model_copy(update={"income_streams": streams})


@function_tool
async def run_scenario(
    ctx: RunContextWrapper[AgentContext],
    retire_years_later: int,
    extra_annual_contribution: float,
    spend_less_per_year: float | None = None,
    claim_social_security_at: int | None = None,
) -> str:
    """Run the Monte Carlo for a what-if scenario (same market paths as the base case, so the
    difference is the change alone). Changes combine.

    Args:
        retire_years_later: Years to move retirement by (negative retires earlier), -10 to 10.
        extra_annual_contribution: Extra dollars saved per year (0 or more).
        spend_less_per_year: Dollars less to spend each year in retirement, in today's money
            (null or 0 keeps the target income).
        claim_social_security_at: Age (62 to 70) to claim every Social Security benefit of the
            plan at, the amount scaled by the SSA's rules (null keeps the planned ages).
    """
    context = ctx.context
    scenarios: list[dict[str, Any]] = context.results.setdefault("scenarios", [])
    if len(scenarios) >= MAX_SCENARIOS:
        return _error(f"at most {MAX_SCENARIOS} scenarios per analysis")
    base = await _base(context)
    inputs = context.inputs
    user = inputs.snapshot.user
    years = user.years_until_retirement + int(retire_years_later)
    if not -MAX_YEARS_MOVED <= retire_years_later <= MAX_YEARS_MOVED or years < 0:
        return _error(
            "retire_years_later must keep retirement between now and "
            f"{MAX_YEARS_MOVED} years from the current plan"
        )
    if extra_annual_contribution < 0:
        return _error("extra_annual_contribution cannot be negative")
    spend_less = float(spend_less_per_year or 0.0)
    target = float(user.target_retirement_income)
    if not 0 <= spend_less <= target:
        return _error(
            f"spend_less_per_year must be between 0 and the target income ({money(target)})"
        )
    overrides: dict[str, Any] = {
        "years_until_retirement": years,
        "annual_contribution": float(user.annual_contribution) + float(extra_annual_contribution),
        "target_income": target - spend_less,
    }
    if claim_social_security_at is not None:
        if not EARLIEST_CLAIM_AGE <= claim_social_security_at <= LATEST_CREDIT_AGE:
            return _error(
                f"claim_social_security_at must be an age from {EARLIEST_CLAIM_AGE} "
                f"to {LATEST_CREDIT_AGE}"
            )
        plan = _claiming_plan(inputs, claim_social_security_at)
        if plan is None:
            return _error(
                "the retirement plan has no Social Security benefit that can still be claimed "
                "at that age (none, already being paid, or the age is past)"
            )
        overrides["plan"] = plan
    try:
        projection = await asyncio.to_thread(project, inputs, **overrides)
    except ValidationFailedError as exc:
        return _error(exc.message)
    summary = {
        **_summary(inputs, projection),
        "label": _label(
            retire_years_later, extra_annual_contribution, spend_less, claim_social_security_at
        ),
        "retire_years_later": retire_years_later,
        "extra_annual_contribution": extra_annual_contribution,
        "spend_less_per_year": spend_less,
        "claim_social_security_at": claim_social_security_at,
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


def _scenario_order(s: dict[str, Any]) -> tuple[int, float, float, int]:
    return (
        s["retire_years_later"],
        s["extra_annual_contribution"],
        s["spend_less_per_year"],
        s["claim_social_security_at"] or 0,
    )


async def write_projection(
    context: AgentContext, *, model: Model | None = None, settings: Settings | None = None
) -> SectionResult:
    """Run the retirement agent. The stored projection and outlook are the engine's own
    results for the base case (computed here if the model never asked for them)."""
    agent = build_retirement(model, settings)
    text, grounding, usage, _ = await run_narrative(agent, templates.TASK, context, settings)
    outlook = await retirement_outlook(context.inputs)
    base = await _base(context)
    payload = RetirementPayload(
        markdown=text,
        projection=outlook.projection,
        summary=RetirementSummary.of(outlook.projection, context.inputs.snapshot.user.display_name),
        by_model=outlook.by_model,
        allocations=outlook.allocations,
        levers=outlook.levers,
        # Tool calls run concurrently: store scenarios in a stable order.
        scenarios=[
            RetirementScenario.model_validate(s)
            for s in sorted(context.results.get("scenarios", []), key=_scenario_order)
        ],
        grounding=grounding,
        model=describe(agent.model),
    )
    message = f"Projection done: {pct(base['success_pct'])} chance of funding the target income"
    return SectionResult(payload.model_dump(mode="json"), usage, grounding, message)
