"""Beyond one success rate: the same plan under every return model, "as held" against "at
your targets", and the levers that move it most, each on common random numbers.

A lever changes one thing (retire a year later, save more, spend less, claim Social Security
at 70, hold the target allocation) and is simulated on the very draws of the plan itself, so
its change in success is the change alone, not sampling noise. Levers are ranked by that
change; the labels are plain sentences built from computed figures."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from alex.core.format import money
from alex.finance.income import claim_at
from alex.finance.money import cents, round_pct
from alex.finance.retirement import (
    MAX_YEARS_UNTIL_RETIREMENT,
    MIN_HISTORICAL_WINDOWS,
    RETURN_MODEL_LABELS,
    RETURN_MODELS,
    Draws,
    Market,
    RetirementInputs,
    RetirementProjection,
    build_market,
    draw,
    portfolio_moments,
    project_retirement,
    simulate,
)
from alex.finance.return_models import load_history
from alex.schemas import AllocationBasis, AssetClass, ReturnModel

LeverKey = Literal["retire_later", "save_more", "spend_less", "claim_at_70", "hold_targets"]
LATER_CLAIM_AGE = 70


class ModelOutcome(BaseModel):
    model: ReturnModel
    label: str
    success_pct: float | None
    """None when the model cannot run this plan (too long for the historical windows)."""
    standard_error_pct: float | None = None
    paths: int = 0
    median_wealth_at_planning_age_real: float | None = None
    note: str = ""


class Lever(BaseModel):
    key: LeverKey
    label: str
    """A plain sentence, e.g. "Retire 1 year later (at 66)"."""
    success_pct: float
    change_pp: float
    """Change in success from the plan as it stands, in points (same draws)."""
    p10_wealth_at_planning_age_real: float
    """The 10th-percentile ending wealth in today's money with the lever pulled."""
    p10_wealth_change: float
    """Its change from the plan: ranks levers when success is already at 100 %."""


class AllocationOutcome(BaseModel):
    basis: AllocationBasis
    label: str
    weights_pct: dict[str, float]
    success_pct: float
    expected_return_pct: float
    volatility_pct: float
    selected: bool
    """The allocation the projection itself uses."""


class RetirementOutlook(BaseModel):
    projection: RetirementProjection
    allocation_basis: AllocationBasis = "as_held"
    by_model: list[ModelOutcome] = Field(default_factory=list)
    levers: list[Lever] = Field(default_factory=list)
    """Ranked: the largest gain in success first."""
    allocations: list[AllocationOutcome] = Field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Headline figures without the per-age bands (for tools, the CLI and the payload)."""
        return {
            "projection": self.projection.summary(),
            "allocation_basis": self.allocation_basis,
            "by_model": [m.model_dump(mode="json") for m in self.by_model],
            "levers": [lever.model_dump(mode="json") for lever in self.levers],
            "allocations": [a.model_dump(mode="json") for a in self.allocations],
        }


def _step(value: float, share: float, floor: float = 1_000.0) -> float:
    """A round lever size: `share` of `value` to the nearest $1,000, at least `floor`."""
    return max(floor, round(value * share / 1_000.0) * 1_000.0)


def _outcome(inputs: RetirementInputs, market: Market) -> tuple[float, float]:
    """Success (%) and the 10th-percentile ending wealth in today's money."""
    paths = simulate(inputs, market)
    ending = paths.wealth[-1] / market.cpi[-1]
    return (
        round_pct(100.0 * float(paths.success.mean())),
        cents(float(np.quantile(ending, 0.1))),
    )


def _variant(inputs: RetirementInputs, **changes: Any) -> RetirementInputs:
    """`inputs` with `changes`, validated (a lever must be a plan the engine accepts)."""
    return RetirementInputs.model_validate({**inputs.model_dump(), **changes})


def _levers(
    inputs: RetirementInputs,
    draws: Draws,
    market: Market,
    base: RetirementProjection,
    targets: dict[AssetClass, float] | None,
    birth_year: int,
) -> list[Lever]:
    options: list[tuple[LeverKey, str, RetirementInputs, bool]] = []
    if inputs.retirement_age + 1 < inputs.planning_age and (
        inputs.years_until_retirement < MAX_YEARS_UNTIL_RETIREMENT
    ):
        later = _variant(inputs, years_until_retirement=inputs.years_until_retirement + 1)
        options.append(
            ("retire_later", f"Retire 1 year later (at {later.retirement_age})", later, True)
        )
    if inputs.years_until_retirement > 0:
        more = _step(inputs.annual_contribution, 0.25)
        options.append(
            (
                "save_more",
                f"Save {money(more)} more a year",
                _variant(inputs, annual_contribution=inputs.annual_contribution + more),
                False,
            )
        )
    if inputs.target_income > 0:
        less = min(_step(inputs.target_income, 0.05), inputs.target_income)
        options.append(
            (
                "spend_less",
                f"Spend {money(less)} less a year",
                _variant(inputs, target_income=inputs.target_income - less),
                False,
            )
        )
    # Only a benefit not yet claimed can still be delayed, and only until 70.
    early = [
        s
        for s in inputs.income_streams
        if s.kind == "social_security" and inputs.current_age < s.start_age < LATER_CLAIM_AGE
    ]
    if early and inputs.planning_age > LATER_CLAIM_AGE:
        streams = [
            claim_at(s, LATER_CLAIM_AGE, birth_year) if s in early else s
            for s in inputs.income_streams
        ]
        before = sum(s.annual_amount for s in early)
        after = sum(s.annual_amount for s in streams if s.kind == "social_security")
        options.append(
            (
                "claim_at_70",
                f"Claim Social Security at {LATER_CLAIM_AGE} "
                f"({money(after)} a year instead of {money(before)})",
                _variant(inputs, income_streams=streams),
                False,
            )
        )
    if targets is not None and inputs.allocation_pct is None:
        options.append(
            (
                "hold_targets",
                "Hold your target allocation",
                _variant(inputs, allocation_pct=targets),
                True,
            )
        )
    levers = []
    for key, label, variant, rebuild in options:
        # Moving retirement or the weights changes the growth factors, not the draws.
        pct, p10 = _outcome(variant, build_market(variant, draws) if rebuild else market)
        levers.append(
            Lever(
                key=key,
                label=label,
                success_pct=pct,
                change_pp=round(pct - base.success_pct, 2),
                p10_wealth_at_planning_age_real=p10,
                p10_wealth_change=cents(p10 - base.p10_wealth_at_planning_age_real),
            )
        )
    return sorted(levers, key=lambda lever: (-lever.change_pp, -lever.p10_wealth_change))


def _by_model(inputs: RetirementInputs, projection: RetirementProjection) -> list[ModelOutcome]:
    outcomes = []
    longest = len(load_history().years) - MIN_HISTORICAL_WINDOWS + 1
    for model in RETURN_MODELS:
        label = RETURN_MODEL_LABELS[model]
        if model == inputs.return_model:
            outcomes.append(
                ModelOutcome(
                    model=model,
                    label=label,
                    success_pct=projection.success_pct,
                    standard_error_pct=projection.success_standard_error_pct,
                    paths=projection.paths,
                    median_wealth_at_planning_age_real=projection.median_wealth_at_planning_age_real,
                )
            )
            continue
        if model == "historical" and inputs.years > longest:
            outcomes.append(
                ModelOutcome(
                    model=model,
                    label=label,
                    success_pct=None,
                    note=f"History since 1871 holds too few {inputs.years}-year windows.",
                )
            )
            continue
        variant = inputs.model_copy(update={"return_model": model})
        market = build_market(variant)
        paths = simulate(variant, market)
        p = float(paths.success.mean())
        n = market.paths
        ending = paths.wealth[-1] / market.cpi[-1]
        outcomes.append(
            ModelOutcome(
                model=model,
                label=label,
                success_pct=round_pct(100.0 * p),
                standard_error_pct=round_pct(100.0 * math.sqrt(p * (1.0 - p) / n)),
                paths=n,
                median_wealth_at_planning_age_real=cents(float(np.median(ending))),
            )
        )
    return outcomes


def _allocations(
    inputs: RetirementInputs,
    draws: Draws,
    projection: RetirementProjection,
    basis: AllocationBasis,
    held: dict[str, float] | None,
    targets: dict[AssetClass, float] | None,
    levers: list[Lever],
) -> list[AllocationOutcome]:
    # "Hold your target allocation" is already this very simulation.
    known = {lever.key: lever.success_pct for lever in levers}
    options: list[tuple[AllocationBasis, str, dict[str, float]]] = []
    if held is not None:
        options.append(("as_held", "As held today", held))
    if targets is not None:
        options.append(
            ("targets", "At your target allocation", {str(k): v for k, v in targets.items()})
        )
    result = []
    for option, label, weights in options:
        if option == basis:
            pct = projection.success_pct
            mu, sd = projection.expected_return_pct, projection.volatility_pct
        else:
            variant = _variant(inputs, allocation_pct=weights)
            if option == "targets" and "hold_targets" in known:
                pct = known["hold_targets"]
            else:
                pct, _ = _outcome(variant, build_market(variant, draws))
            mu, sd = project_moments(variant)
        result.append(
            AllocationOutcome(
                basis=option,
                label=label,
                weights_pct={k: round(v, 2) for k, v in weights.items() if v > 0},
                success_pct=pct,
                expected_return_pct=mu,
                volatility_pct=sd,
                selected=option == basis,
            )
        )
    return result


def project_moments(inputs: RetirementInputs) -> tuple[float, float]:
    """Mean and volatility (percent) of the pre-retirement mix under the inputs' model."""
    mu, sd = portfolio_moments(inputs, inputs.accumulation_weights())
    return round_pct(100.0 * mu), round_pct(100.0 * sd)


def retirement_outlook(
    inputs: RetirementInputs,
    *,
    basis: AllocationBasis = "as_held",
    held_pct: dict[str, float] | None = None,
    targets_pct: dict[AssetClass, float] | None = None,
    birth_year: int,
    with_models: bool = True,
) -> RetirementOutlook:
    """The projection of `inputs`, the same plan under every model, both allocations, and
    the ranked levers. `held_pct` and `targets_pct` are the two allocations to compare
    (`inputs` already uses the one `basis` names)."""
    draws = draw(inputs)
    market = build_market(inputs, draws)
    projection = project_retirement(inputs, market=market)
    hold = targets_pct if basis == "as_held" and held_pct is not None else None
    levers = _levers(inputs, draws, market, projection, hold, birth_year)
    return RetirementOutlook(
        projection=projection,
        allocation_basis=basis,
        by_model=_by_model(inputs, projection) if with_models else [],
        levers=levers,
        allocations=_allocations(inputs, draws, projection, basis, held_pct, targets_pct, levers),
    )
