"""Portfolio facts as plain JSON, built once from the finance engines' results.

These dicts are what the tools return to a model and what the offline analyst writes from, so
every figure a narrative quotes can be traced to one of them (see `grounding.py`). Money is in
dollars (2 dp), percentages are 0–100 with 2 dp, exactly as the engines report them; keys come
with their `label` (alex.core.format), the name the pages and the CLI use too."""

from __future__ import annotations

from typing import Any

from alex.agents.context import AnalysisInputs
from alex.core.format import label
from alex.payloads import DataQualityReport, MissingPriceNote, StaleQuote
from alex.schemas import PortfolioSnapshot

TOP_SECTORS = 8
TOP_HOLDINGS = 5


def profile(snapshot: PortfolioSnapshot) -> dict[str, Any]:
    user = snapshot.user
    return {
        "name": user.display_name,
        "current_age": user.current_age,
        "years_until_retirement": user.years_until_retirement,
        "retirement_age": user.current_age + user.years_until_retirement,
        "target_retirement_income": float(user.target_retirement_income),
        "annual_contribution": float(user.annual_contribution),
        "asset_class_targets": dict(user.asset_class_targets),
        "region_targets": dict(user.region_targets),
    }


def overview(inputs: AnalysisInputs) -> dict[str, Any]:
    valuation = inputs.analysis.valuation
    return {
        "user": profile(inputs.snapshot),
        "total_value": valuation.total,
        "cash": valuation.cash,
        "invested": valuation.invested,
        "accounts": [
            {
                "name": a.account_name,
                "type": a.account_type,
                "type_label": label(a.account_type),
                "tax_advantaged": a.tax_advantaged,
                "total": a.total,
                "cash": a.cash,
                "pct_of_portfolio": a.pct_of_portfolio,
                "positions": len(a.positions) + len(a.missing_price),
            }
            for a in valuation.accounts
        ],
        "positions_count": sum(len(a.positions) + len(a.missing_price) for a in valuation.accounts),
        "missing_prices": [
            {"symbol": m.symbol, "account": m.account_name, "reason": m.reason}
            for m in valuation.missing_price
        ],
        "stale_prices": stale_prices(inputs),
        "unvalued_holdings": inputs.analysis.data_quality.unvalued_holdings,
        "coverage_statement": inputs.analysis.data_quality.coverage_statement,
    }


def stale_prices(inputs: AnalysisInputs) -> list[dict[str, Any]]:
    return [
        StaleQuote.model_validate(s, from_attributes=True).model_dump(mode="json")
        for s in inputs.analysis.valuation.stale_prices
    ]


def _slices(breakdown: Any, limit: int | None = None) -> list[dict[str, Any]]:
    slices = sorted(breakdown.slices, key=lambda s: (-s.pct, s.key))
    rows = [{"key": s.key, "label": label(s.key), "pct": s.pct, "value": s.value} for s in slices]
    return rows[:limit] if limit else rows


def allocation(inputs: AnalysisInputs) -> dict[str, Any]:
    alloc = inputs.analysis.allocation
    return {
        "asset_class": _slices(alloc.asset_class),
        "region": _slices(alloc.region),
        "top_sectors": _slices(alloc.sector, TOP_SECTORS),
        "coverage_pct": alloc.coverage_pct,
        "unclassified_symbols": list(alloc.unclassified_symbols),
        "unclassified_value": alloc.asset_class.unclassified_value,
        "note": (
            "Asset-class percentages include cash; region and sector percentages describe "
            "invested, classified money only."
        ),
    }


def _drift_rows(items: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "key": d.key,
            "label": label(d.key),
            "current_pct": d.current_pct,
            "target_pct": d.target_pct,
            "drift_pp": d.drift_pp,
            "drift_value": d.drift_value,
            "breach": d.breach,
        }
        for d in sorted(items, key=lambda d: -abs(d.drift_pp))
    ]


def drift(inputs: AnalysisInputs) -> dict[str, Any]:
    report = inputs.analysis.drift
    plan = inputs.analysis.rebalance
    return {
        "threshold_pp": report.threshold_pp,
        "asset_class": _drift_rows(report.asset_class),
        "region": _drift_rows(report.region),
        "max_abs_drift_pp": report.max_abs_drift_pp,
        "breaches": list(report.breaches),
        "needs_rebalancing": report.needs_rebalancing,
        "notes": list(report.notes),
        "plan": {
            "needed": plan.needed,
            "achievable": plan.achievable,
            "trades": [
                {
                    "account": t.account_name,
                    "account_type": label(t.account_type),
                    "tax_advantaged": t.tax_advantaged,
                    "symbol": t.symbol,
                    "action": t.action,
                    "amount": t.amount,
                }
                for t in plan.trades
            ],
            "total_sold": plan.total_sold,
            "total_bought": plan.total_bought,
            "max_abs_drift_after_pp": plan.drift_after.max_abs_drift_pp,
            "reasons": list(plan.reasons),
            "notes": list(plan.notes),
        },
    }


def concentration(inputs: AnalysisInputs) -> dict[str, Any]:
    c = inputs.analysis.concentration
    return {
        "top_holdings": [
            {
                "symbol": h.symbol,
                "name": h.name,
                "instrument_type": h.instrument_type,
                "value": h.value,
                "pct_of_invested": h.pct_of_invested,
                "pct_of_portfolio": h.pct_of_portfolio,
            }
            for h in c.top_holdings[:TOP_HOLDINGS]
        ],
        "holdings_count": c.holdings_count,
        "largest_weight_pct": c.largest_weight_pct,
        "diversification_score": round(c.diversification_score, 1),
        "effective_asset_classes": round(c.effective_asset_classes, 1),
        "effective_regions": round(c.effective_regions, 1),
        "effective_sectors": round(c.effective_sectors, 1),
        "score_formula": "effective number of holdings = 1 / sum of squared weights",
        "warnings": list(c.warnings),
    }


def data_quality(inputs: AnalysisInputs) -> list[str]:
    """Plain-language notes on what the analysis could not see: the planner's (tagging) and
    the engines' (coverage, unclassified symbols, missing prices)."""
    notes = [*inputs.data_quality, *inputs.analysis.data_quality.notes]
    return list(dict.fromkeys(notes))


def data_quality_report(inputs: AnalysisInputs) -> DataQualityReport:
    """The data-quality section of the analysis summary: coverage, what is unclassified, which
    prices are missing or stale, and the notes that explain them."""
    analysis = inputs.analysis
    return DataQualityReport(
        coverage_pct=analysis.allocation.coverage_pct,
        unclassified_symbols=list(analysis.allocation.unclassified_symbols),
        missing_prices=[
            MissingPriceNote(symbol=m.symbol, account=m.account_name, reason=m.reason)
            for m in analysis.valuation.missing_price
        ],
        stale_prices=[
            StaleQuote.model_validate(s, from_attributes=True)
            for s in analysis.valuation.stale_prices
        ],
        unvalued_holdings=analysis.data_quality.unvalued_holdings,
        coverage_statement=analysis.data_quality.coverage_statement,
        notes=data_quality(inputs),
    )
