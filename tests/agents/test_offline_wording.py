"""The offline analyst's wording: lines a reader met as garbled, repetitive, wrong for the
holding or jargon, each pinned to the text that replaced it."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import Engine

from alex.agents.offline import OfflineTurn, ToolResult
from alex.agents.planner import templates as planner
from alex.agents.planner.manager import run_analysis
from alex.agents.reporter import offline_writer as reporter
from alex.agents.retirement import templates as retirement
from tests.agents.conftest import load_job


def _turn(**outputs: Any) -> OfflineTurn:
    return OfflineTurn(
        task="",
        results=[ToolResult(name, {}, output) for name, output in outputs.items()],
        tool_names=list(outputs),
        structured=False,
    )


def _section(markdown: str, heading: str) -> str:
    match = re.search(rf"^## {heading}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    assert match, heading
    return match.group(1)


def _drift_row(key: str, label: str, current: float, target: float, breach: bool) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "current_pct": current,
        "target_pct": target,
        "drift_pp": round(current - target, 2),
        "breach": breach,
    }


def _report_facts(top: dict[str, Any]) -> dict[str, Any]:
    """A small portfolio's facts: $100,000 invested, drift beyond the band in three keys."""
    user = {
        "name": "Sam Lee",
        "current_age": 40,
        "years_until_retirement": 25,
        "retirement_age": 65,
        "annual_contribution": 10000.0,
        "target_retirement_income": 60000.0,
    }
    return {
        "get_portfolio_overview": {
            "user": user,
            "total_value": 100000.0,
            "invested": 100000.0,
            "cash": 0.0,
            "accounts": [],
            "missing_prices": [],
            "stale_prices": [],
        },
        "get_allocation": {
            "asset_class": [
                {"key": "equity", "label": "Equity", "pct": 90.0, "value": 90000.0},
                {"key": "fixed_income", "label": "Fixed income", "pct": 10.0, "value": 10000.0},
            ],
            "region": [
                {"key": "north_america", "label": "North America", "pct": 100.0, "value": 1e5}
            ],
        },
        "get_drift_and_rebalancing": {
            "threshold_pp": 5.0,
            "needs_rebalancing": True,
            "max_abs_drift_pp": 30.0,
            "asset_class": [
                _drift_row("equity", "Equity", 90.0, 60.0, True),
                _drift_row("fixed_income", "Fixed income", 10.0, 40.0, True),
            ],
            "region": [
                _drift_row("north_america", "North America", 100.0, 70.0, True),
                _drift_row("europe", "Europe", 0.0, 30.0, True),
            ],
            "plan": {},
        },
        "get_concentration": {
            "top_holdings": [top],
            "holdings_count": 2,
            "largest_weight_pct": top["pct_of_invested"],
            "diversification_score": 1.2,
            "effective_asset_classes": 1.2,
            "effective_regions": 1.0,
            "effective_sectors": 3.0,
            "score_formula": "effective number of holdings = 1 / sum of squared weights",
            "warnings": [],
        },
    }


SPY = {
    "symbol": "SPY",
    "name": "S&P 500 fund",
    "instrument_type": "etf",
    "value": 90000.0,
    "pct_of_invested": 90.0,
}
AAPL = {
    "symbol": "AAPL",
    "name": "Apple Inc.",
    "instrument_type": "stock",
    "value": 90000.0,
    "pct_of_invested": 90.0,
}


def test_off_target_allocations_make_one_risk_line_not_one_per_row() -> None:
    report = reporter.offline_write(_turn(**_report_facts(SPY)))
    risks = _section(report, "Risks")
    off_target = [line for line in risks.splitlines() if "Off target" in line]
    assert off_target == [
        "- **Off target:** beyond your band of 5.0 pts, you are overweight in equity and North "
        "America, and underweight in fixed income and Europe (figures in the drift table above)."
    ]


def test_an_index_fund_is_not_told_to_diversify() -> None:
    report = reporter.offline_write(_turn(**_report_facts(SPY)))
    assert "broader fund" not in report and "broad index fund" not in report
    assert (
        "- **Largest holding:** SPY is 90.0% of invested money. It is a fund, so that money is "
        "already spread over the many securities it holds" in _section(report, "Risks")
    )


def test_a_single_stock_is_told_to_diversify_by_name() -> None:
    report = reporter.offline_write(_turn(**_report_facts(AAPL)))
    assert "**Concentration:** AAPL alone is 90.0% of invested money" in report
    assert (
        "Consider moving part of AAPL into a broad index fund, so that a single company weighs "
        "less in your portfolio." in _section(report, "Recommendations")
    )


def _headline(sustainable: float) -> dict[str, Any]:
    return {
        "name": "Sam Lee",
        "total_value": 100000.0,
        "accounts": 1,
        "equity_pct": 90.0,
        "retirement_age": 65,
        "target_retirement_income": 60000.0,
        "success_pct": 70.0,
        "sustainable_income": sustainable,
    }


def test_summary_says_what_the_sustainable_income_means() -> None:
    below = planner.offline_write(_turn(get_analysis_results={"headline": _headline(41000.0)}))
    assert "success target" not in below
    assert (
        "you have a 70.0% chance of funding $60,000 a year from age 65; at the odds you are "
        "aiming for, your savings would pay about $41,000 a year; saving more or retiring "
        "later raises that." in below
    )
    above = planner.offline_write(_turn(get_analysis_results={"headline": _headline(75000.0)}))
    assert "at the odds you are aiming for, your savings could pay up to $75,000 a year." in above


def test_retirement_verdict_avoids_success_target_jargon() -> None:
    verdict = retirement._verdict(80.0, 90.0)
    assert verdict == "close, but below the odds you are aiming for"


async def test_demo_report_reads_without_the_old_weak_lines(
    engine: Engine, demo_job: uuid.UUID
) -> None:
    await run_analysis(demo_job, engine=engine)
    job = load_job(engine, demo_job)
    assert job.report_payload and job.summary_payload and job.retirement_payload
    report = job.report_payload.markdown
    risks = _section(report, "Risks")
    # The demo's largest holding is SPY, an S&P 500 index fund.
    assert "Consider spreading your largest holding" not in report
    assert "**Largest holding:** SPY" in risks
    assert risks.count("Off target") == 1
    assert "unheld" not in report
    summary = job.summary_payload.executive_summary or ""
    assert "success target" not in summary and "at the odds you are aiming for" in summary
    assert "succeeds in" not in job.retirement_payload.markdown
    grounding = job.summary_payload.grounding
    assert grounding is not None and grounding.grounded is True, grounding
