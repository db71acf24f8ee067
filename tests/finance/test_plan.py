"""The entry points: a whole analysis in one call, and the profile-to-Monte-Carlo mapping."""

from __future__ import annotations

import json

import pytest

from alex.core.errors import ValidationFailedError
from alex.finance.plan import (
    PortfolioAnalysis,
    analyse_portfolio,
    project_retirement_for,
    retirement_inputs_for,
)
from alex.schemas import PortfolioSnapshot

from .factories import account, demo_snapshot, snapshot


def test_analysis_puts_every_engine_together(
    demo: PortfolioSnapshot, demo_analysis: PortfolioAnalysis
) -> None:
    a = demo_analysis
    assert a.user_id == "tester"
    assert a.valuation.total == pytest.approx(sum(acc.total for acc in a.valuation.accounts))
    assert [m.symbol for m in a.data_quality.missing_price] == ["NOPX"]
    assert a.data_quality.unclassified_symbols == ["ARKK"]
    assert a.data_quality.coverage_pct < 100
    assert any("NOPX" in note for note in a.data_quality.notes)
    assert a.drift == a.rebalance.drift_before
    assert a.rebalance.needed and a.rebalance.achievable
    assert a.concentration.top_holdings[0].symbol == "SPY"
    json.dumps(a.model_dump(mode="json"))  # tool results must be plain JSON


def test_drift_threshold_is_passed_through(demo: PortfolioSnapshot) -> None:
    loose = analyse_portfolio(demo, drift_threshold=40.0)
    assert loose.drift.threshold_pp == 40.0
    assert not loose.rebalance.needed and loose.rebalance.trades == []


def test_retirement_inputs_come_from_the_profile_and_look_through(
    demo: PortfolioSnapshot, demo_analysis: PortfolioAnalysis
) -> None:
    inputs, notes = retirement_inputs_for(demo, demo_analysis)
    user = demo.user
    assert inputs.current_age == user.current_age
    assert inputs.years_until_retirement == user.years_until_retirement
    assert inputs.target_income == float(user.target_retirement_income)
    assert inputs.annual_contribution == float(user.annual_contribution)
    breakdown = demo_analysis.allocation.asset_class
    # Unclassified ARKK (735.00) is modelled as equity, and the note says so.
    assert inputs.portfolio_by_asset_class["equity"] == pytest.approx(
        breakdown.value_of("equity") + 735.0, abs=0.01
    )
    assert inputs.current_value == pytest.approx(
        breakdown.classified_value + breakdown.unclassified_value, abs=0.05
    )
    assert any("ARKK" in n and "equity" in n for n in notes)
    assert any("NOPX" in n for n in notes)


def test_projection_surfaces_mapping_notes_and_takes_overrides(
    demo: PortfolioSnapshot, demo_analysis: PortfolioAnalysis
) -> None:
    base = project_retirement_for(demo, demo_analysis, paths=1_000)
    richer = project_retirement_for(demo, demo_analysis, paths=1_000, annual_contribution=40_000)
    assert any("ARKK" in note for note in base.notes)
    assert richer.inputs.annual_contribution == 40_000
    assert richer.success_pct >= base.success_pct
    assert base.inputs.paths == 1_000


def test_bad_override_is_a_validation_error_naming_the_field(
    demo: PortfolioSnapshot, demo_analysis: PortfolioAnalysis
) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        project_retirement_for(demo, demo_analysis, withdrawal_rule="spend_it_all")
    assert caught.value.field == "withdrawal_rule"
    with pytest.raises(ValidationFailedError):
        project_retirement_for(demo, demo_analysis, no_such_field=1)


def test_empty_portfolio_projects_with_the_target_allocation() -> None:
    portfolio = snapshot(account("A", "401k", "0", {}))
    inputs, notes = retirement_inputs_for(portfolio, analyse_portfolio(portfolio))
    assert inputs.allocation_pct == portfolio.user.asset_class_targets
    assert any("target allocation" in n for n in notes)


def test_late_retirement_extends_the_planning_age() -> None:
    portfolio = demo_snapshot(current_age=80, years_until_retirement=12)
    inputs, notes = retirement_inputs_for(portfolio, analyse_portfolio(portfolio))
    assert inputs.planning_age == 97
    assert any("97" in n for n in notes)
