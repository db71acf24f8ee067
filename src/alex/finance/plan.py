"""Entry points the agents' tools, the API and `alex plan` call: the whole portfolio analysis
in one call, and the retirement projection mapped from the user's profile."""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ValidationError

from alex.core.errors import ValidationFailedError
from alex.finance.allocation import Allocation, look_through
from alex.finance.concentration import Concentration, analyse_concentration
from alex.finance.money import cents
from alex.finance.outlook import RetirementOutlook, retirement_outlook
from alex.finance.rebalance import (
    DEFAULT_DRIFT_THRESHOLD_PP,
    DriftReport,
    RebalancePlan,
    plan_rebalance,
)
from alex.finance.retirement import (
    DEFAULT_PLANNING_AGE,
    RetirementInputs,
    RetirementProjection,
    TaxSettings,
    project_retirement,
)
from alex.finance.valuation import MissingPrice, PortfolioValuation, StalePrice, value_portfolio
from alex.schemas import Bucket, PortfolioSnapshot, RetirementPlan

_MAX_PLANNING_AGE = 120
_MIN_RETIREMENT_YEARS = 5


class DataQuality(BaseModel):
    missing_price: list[MissingPrice]
    stale_prices: list[StalePrice] = []
    unclassified_symbols: list[str]
    coverage_pct: float
    """Share of the *valued* money (cash included) whose asset class is known."""
    unvalued_holdings: int = 0
    """Positions left out of every total because they have no price."""
    coverage_statement: str = ""
    """The one sentence every total carries: what is classified and what is not valued."""
    notes: list[str]


def coverage_statement(coverage_pct: float, unvalued_holdings: int) -> str:
    """'X % of valued holdings classified; N holdings not valued', worded once for every page,
    report and command."""
    statement = f"{coverage_pct:g}% of valued holdings classified"
    if unvalued_holdings:
        noun = "holding" if unvalued_holdings == 1 else "holdings"
        statement += f"; {unvalued_holdings} {noun} not valued"
    return statement


class PortfolioAnalysis(BaseModel):
    user_id: str
    display_name: str
    valuation: PortfolioValuation
    allocation: Allocation
    drift: DriftReport
    rebalance: RebalancePlan
    concentration: Concentration
    data_quality: DataQuality


def _data_quality(valuation: PortfolioValuation, allocation: Allocation) -> DataQuality:
    notes = []
    if valuation.missing_price:
        symbols = sorted({m.symbol for m in valuation.missing_price})
        notes.append(
            f"{len(valuation.missing_price)} position(s) have no price and are left out of "
            f"every total: {', '.join(symbols)}."
        )
    for stale in valuation.stale_prices:
        notes.append(f"The price of {stale.symbol} is stale: {stale.detail}.")
    if allocation.unclassified_symbols:
        notes.append(
            "Not fully classified, so left out of the look-through where a breakdown is "
            f"missing: {', '.join(allocation.unclassified_symbols)}. "
            f"{allocation.coverage_pct:g}% of the valued portfolio is classified by asset class."
        )
    return DataQuality(
        missing_price=valuation.missing_price,
        stale_prices=valuation.stale_prices,
        unclassified_symbols=allocation.unclassified_symbols,
        coverage_pct=allocation.coverage_pct,
        unvalued_holdings=valuation.unvalued_count,
        coverage_statement=coverage_statement(allocation.coverage_pct, valuation.unvalued_count),
        notes=notes,
    )


def analyse_portfolio(
    snapshot: PortfolioSnapshot,
    *,
    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD_PP,
    fund_constituents: Mapping[str, Mapping[str, float]] | None = None,
) -> PortfolioAnalysis:
    """Valuation, look-through, drift, rebalancing plan and concentration for one user."""
    user = snapshot.user
    valuation = value_portfolio(snapshot)
    allocation = look_through(valuation, snapshot.instruments)
    rebalance = plan_rebalance(
        valuation,
        snapshot.instruments,
        user.asset_class_targets,
        user.region_targets,
        threshold_pp=drift_threshold,
    )
    return PortfolioAnalysis(
        user_id=user.id,
        display_name=user.display_name,
        valuation=valuation,
        allocation=allocation,
        drift=rebalance.drift_before,
        rebalance=rebalance,
        concentration=analyse_concentration(
            valuation, snapshot.instruments, allocation, fund_constituents=fund_constituents
        ),
        data_quality=_data_quality(valuation, allocation),
    )


# Where each account type's money sits for tax purposes. HSAs and 529s are untaxed when spent
# on what they are for, so they count as Roth; "other" is assumed taxable (the cautious side).
BUCKET_OF_ACCOUNT: dict[str, Bucket] = {
    "401k": "pretax",
    "403b": "pretax",
    "traditional_ira": "pretax",
    "sep_ira": "pretax",
    "roth_401k": "roth",
    "roth_ira": "roth",
    "hsa": "roth",
    "529": "roth",
    "taxable": "taxable",
    "other": "taxable",
}


def bucket_split(valuation: PortfolioValuation) -> dict[Bucket, float]:
    """Valued money per tax bucket (cash included), from the account types."""
    split: dict[Bucket, float] = {"taxable": 0.0, "pretax": 0.0, "roth": 0.0}
    for account in valuation.accounts:
        split[BUCKET_OF_ACCOUNT[account.account_type]] += account.total
    return split


def _tax_settings(
    plan: RetirementPlan, valuation: PortfolioValuation, birth_year: int
) -> tuple[TaxSettings, str]:
    split = bucket_split(valuation)
    total = sum(split.values())
    if total <= 0:
        # Nothing saved yet: contributions (and so the buckets) are assumed taxable.
        split = {"taxable": 1.0, "pretax": 0.0, "roth": 0.0}
        total = 1.0
    pct: dict[Bucket, float] = {k: 100.0 * v / total for k, v in split.items()}
    settings = TaxSettings(
        bucket_pct=pct,
        rates=plan.tax_rates,
        order=plan.withdrawal_order,
        birth_year=birth_year,
    )
    shown = ", ".join(f"{k} {v:.0f}%" for k, v in pct.items() if v > 0)
    note = (
        f"Tax buckets from your account types: {shown} (HSA and 529 count as Roth); "
        "contributions are split the same way."
    )
    return settings, note


def retirement_inputs_for(
    snapshot: PortfolioSnapshot,
    analysis: PortfolioAnalysis,
    *,
    plan: RetirementPlan | None = None,
    **overrides: object,
) -> tuple[RetirementInputs, list[str]]:
    """Monte Carlo inputs from the user's profile, stored retirement plan (or `plan`) and
    portfolio, plus the assumptions made. Keyword overrides set any `RetirementInputs` field.

    Unclassified value is modelled as equity (the most volatile common class, so the
    projection is not flattered); positions without a price are left out."""
    user = snapshot.user
    plan = plan if plan is not None else user.retirement_plan
    breakdown = analysis.allocation.asset_class
    portfolio = {s.key: s.value for s in breakdown.slices}
    notes = []
    if breakdown.unclassified_value > 0:
        portfolio["equity"] = cents(portfolio.get("equity", 0.0) + breakdown.unclassified_value)
        notes.append(
            f"${breakdown.unclassified_value:,.2f} in unclassified holdings "
            f"({', '.join(breakdown.unclassified_symbols)}) is modelled as equity."
        )
    if analysis.valuation.missing_price:
        symbols = sorted({m.symbol for m in analysis.valuation.missing_price})
        notes.append(f"Positions without a price are not included: {', '.join(symbols)}.")
    start_year = snapshot.valued_on.year
    birth_year = plan.birth_year or start_year - user.current_age
    base: dict[str, object] = {
        "portfolio_by_asset_class": portfolio,
        "annual_contribution": float(user.annual_contribution),
        "current_age": user.current_age,
        "years_until_retirement": user.years_until_retirement,
        "target_income": float(user.target_retirement_income),
        "start_year": start_year,
        "return_model": plan.return_model,
        "bootstrap_block_years": plan.bootstrap_block_years,
        "withdrawal_rule": plan.withdrawal_rule,
        "withdrawal_rate_pct": plan.withdrawal_rate_pct,
        "success_target_pct": plan.success_target_pct,
        "spending": plan.spending,
        "income_streams": plan.income_streams,
        "one_offs": plan.one_offs,
        "glide_years": plan.glide_years,
        "allocation_in_retirement_pct": plan.retirement_allocation_pct,
    }
    if plan.allocation_basis == "targets" or sum(portfolio.values()) <= 0:
        base["allocation_pct"] = dict(user.asset_class_targets)
        if sum(portfolio.values()) <= 0:
            notes.append("The portfolio is empty, so returns follow your target allocation.")
        else:
            notes.append("Returns follow your target allocation, as if you had rebalanced.")
    if plan.taxes:
        base["taxes"], note = _tax_settings(plan, analysis.valuation, birth_year)
        notes.append(note)
    retirement_age = user.current_age + int(
        overrides.get("years_until_retirement", user.years_until_retirement)  # type: ignore[call-overload]
    )
    if plan.planning_age is not None:
        base["planning_age"] = plan.planning_age
    elif retirement_age + _MIN_RETIREMENT_YEARS > DEFAULT_PLANNING_AGE:
        planning_age = min(retirement_age + _MIN_RETIREMENT_YEARS, _MAX_PLANNING_AGE)
        base["planning_age"] = planning_age
        notes.append(f"The plan runs to age {planning_age}, five years past retirement.")
    try:
        inputs = RetirementInputs.model_validate({**base, **overrides})
    except ValidationError as exc:
        message, field = _scenario_error(exc)
        raise ValidationFailedError(
            f"Invalid retirement scenario: {message}" + (f" ({field})" if field else ""),
            field=field,
        ) from exc
    return inputs, notes


def _scenario_error(exc: ValidationError) -> tuple[str, str | None]:
    """The first error's message and the field it is about. Checks across fields (the
    model's own validator) have no location, but their messages start with the field."""
    first = exc.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    field = ".".join(str(part) for part in first["loc"]) or None
    if field is None:
        lead = re.match(r"[a-z_]+", message)
        if message.startswith("one-off"):
            field = "one_offs"
        elif lead and lead.group(0) in RetirementInputs.model_fields:
            field = lead.group(0)
    return message, field


def _with_notes(projection: RetirementProjection, notes: list[str]) -> RetirementProjection:
    return projection.model_copy(update={"notes": [*notes, *projection.notes]})


def project_retirement_for(
    snapshot: PortfolioSnapshot,
    analysis: PortfolioAnalysis,
    *,
    plan: RetirementPlan | None = None,
    **overrides: object,
) -> RetirementProjection:
    """The retirement Monte Carlo for this user; keyword overrides set any
    `RetirementInputs` field (e.g. `target_income`, `withdrawal_rule`, `paths`)."""
    inputs, notes = retirement_inputs_for(snapshot, analysis, plan=plan, **overrides)
    return _with_notes(project_retirement(inputs), notes)


def retirement_outlook_for(
    snapshot: PortfolioSnapshot,
    analysis: PortfolioAnalysis,
    *,
    plan: RetirementPlan | None = None,
    with_models: bool = True,
    **overrides: object,
) -> RetirementOutlook:
    """The projection with every model side by side, both allocations and the ranked
    levers, for this user's plan (or `plan`) with `overrides`."""
    plan = plan if plan is not None else snapshot.user.retirement_plan
    inputs, notes = retirement_inputs_for(snapshot, analysis, plan=plan, **overrides)
    breakdown = analysis.allocation.asset_class
    total = sum(s.value for s in breakdown.slices) + breakdown.unclassified_value
    held: dict[str, float] | None = None
    if total > 0:
        held = {s.key: 100.0 * s.value / total for s in breakdown.slices}
        if breakdown.unclassified_value > 0:
            held["equity"] = held.get("equity", 0.0) + 100.0 * breakdown.unclassified_value / total
    start_year = snapshot.valued_on.year
    outlook = retirement_outlook(
        inputs,
        basis=plan.allocation_basis if held is not None else "targets",
        held_pct=held,
        targets_pct=dict(snapshot.user.asset_class_targets),
        birth_year=plan.birth_year or start_year - snapshot.user.current_age,
        with_models=with_models,
    )
    return outlook.model_copy(update={"projection": _with_notes(outlook.projection, notes)})
