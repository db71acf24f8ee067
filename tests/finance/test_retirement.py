"""Retirement Monte Carlo: reproducibility, closed form, common random numbers, bisection."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alex.finance.assumptions import DEFAULT_ASSUMPTIONS, MarketAssumptions, ReturnAssumption
from alex.finance.retirement import (
    RetirementInputs,
    RetirementProjection,
    build_market,
    draw_shocks,
    project_retirement,
    simulate,
)
from alex.schemas import ASSET_CLASSES

PORTFOLIO = {"equity": 200_000.0, "fixed_income": 80_000.0, "real_estate": 10_000.0}
PORTFOLIO |= {"commodities": 5_000.0, "cash": 5_000.0}


def inputs(**overrides: Any) -> RetirementInputs:
    fields: dict[str, Any] = {
        "portfolio_by_asset_class": PORTFOLIO,
        "annual_contribution": 15_000.0,
        "current_age": 45,
        "years_until_retirement": 20,
        "planning_age": 90,
        "target_income": 50_000.0,
        "paths": 2_000,
        "seed": 11,
    }
    fields.update(overrides)
    return RetirementInputs(**fields)


def flat_market(returns_pct: dict[str, float]) -> MarketAssumptions:
    """Assumptions with every volatility at zero: the simulation becomes deterministic."""
    return MarketAssumptions(
        returns={
            c: ReturnAssumption(expected_return_pct=returns_pct.get(c, 3.0), volatility_pct=0.0)
            for c in ASSET_CLASSES
        },
        correlation=DEFAULT_ASSUMPTIONS.correlation,
    )


def _load_benchmark() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "monte_carlo.py"
    spec = importlib.util.spec_from_file_location("monte_carlo_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while executing
    spec.loader.exec_module(module)
    return module


BENCHMARK = _load_benchmark()


# ------------------------------------------------------------------------ reproducibility


def test_same_seed_gives_identical_output() -> None:
    first = project_retirement(inputs(return_model="student_t"))
    second = project_retirement(inputs(return_model="student_t"))
    assert first.model_dump() == second.model_dump()


def test_a_different_seed_gives_different_paths() -> None:
    first = project_retirement(inputs(seed=1))
    second = project_retirement(inputs(seed=2))
    assert first.wealth_bands[-1] != second.wealth_bands[-1]


def test_output_is_json_serialisable() -> None:
    projection = project_retirement(inputs())
    again = RetirementProjection.model_validate_json(projection.model_dump_json())
    assert again == projection


# ------------------------------------------------------------------- closed-form check


def closed_form(
    w0: float, contribution: float, income: float, r: float, pi: float, years_working: int, k: int
) -> tuple[float, float, float]:
    """Deterministic projection: wealth at retirement, at the planning age, and the
    largest income the plan can pay every year."""
    g, i = 1.0 + r, 1.0 + pi
    at_retirement = w0 * g**years_working + contribution * i * (
        g**years_working - i**years_working
    ) / (g - i)
    # Withdrawal j (0-based) is income·i^(R+j) at the start of the year, then growth.
    unit = i**years_working * g * (g**k - i**k) / (g - i)
    at_end = at_retirement * g**k - income * unit
    return at_retirement, at_end, at_retirement * g**k / unit


@settings(max_examples=15, deadline=None)
@given(
    equity_return=st.floats(4.0, 10.0),
    inflation=st.floats(0.0, 3.5),
    years_working=st.integers(0, 30),
    retired_years=st.integers(5, 35),
    contribution=st.floats(0.0, 30_000.0),
)
def test_zero_volatility_matches_the_closed_form(
    equity_return: float,
    inflation: float,
    years_working: int,
    retired_years: int,
    contribution: float,
) -> None:
    base = inputs(
        portfolio_by_asset_class={"equity": 250_000.0},
        annual_contribution=contribution,
        current_age=40,
        years_until_retirement=years_working,
        planning_age=40 + years_working + retired_years,
        inflation_pct=inflation,
        assumptions=flat_market({"equity": equity_return}),
        paths=100,
    )
    r, pi = equity_return / 100, inflation / 100
    at_retirement, _, max_income = closed_form(
        250_000.0, contribution, 0.0, r, pi, years_working, retired_years
    )
    # Spend 80 % of the sustainable income: every path succeeds and ends with money left.
    income = 0.8 * max_income
    _, at_end, _ = closed_form(
        250_000.0, contribution, income, r, pi, years_working, k=retired_years
    )
    result = project_retirement(base.model_copy(update={"target_income": income}))

    assert result.success_pct == 100.0
    assert result.success_standard_error_pct == 0.0
    assert result.median_wealth_at_retirement == pytest.approx(at_retirement, rel=1e-9, abs=0.01)
    assert result.median_wealth_at_planning_age == pytest.approx(at_end, rel=1e-9, abs=0.01)
    assert result.sustainable_income == pytest.approx(max_income, rel=1e-7, abs=0.02)
    deflator = (1 + pi) ** (years_working + retired_years)
    assert result.median_wealth_at_planning_age_real == pytest.approx(at_end / deflator, abs=0.02)

    # 1 % above the sustainable income, every path runs out before the planning age.
    short = project_retirement(base.model_copy(update={"target_income": 1.01 * max_income}))
    assert short.success_pct == 0.0
    assert short.depletion.pct_of_paths == 100.0
    assert max(y.pct_of_paths for y in short.depletion.by_age) == 100.0


# -------------------------------------------------------- engine equals a per-path loop


@pytest.mark.parametrize("rule", ["constant_real", "percent_of_portfolio", "guardrails"])
@pytest.mark.parametrize("model", ["normal", "student_t"])
def test_vectorised_paths_equal_a_per_path_loop(rule: str, model: str) -> None:
    scenario = inputs(
        withdrawal_rule=rule,
        return_model=model,
        paths=300,
        allocation_in_retirement_pct={"equity": 40.0, "fixed_income": 50.0, "cash": 10.0},
    )
    shocks = draw_shocks(scenario)
    market = build_market(scenario, shocks)
    engine = simulate(scenario, market)
    loop = BENCHMARK.loop_with_shocks(scenario, shocks, scenario.paths)

    np.testing.assert_allclose(engine.wealth.T, loop.wealth, rtol=1e-10, atol=1e-6)
    np.testing.assert_allclose(engine.income_real.T, loop.income_real, rtol=1e-10, atol=1e-6)
    np.testing.assert_array_equal(engine.success, loop.success)


def test_straightforward_multi_asset_loop_agrees_within_sampling_error() -> None:
    scenario = inputs(paths=4_000)
    engine = project_retirement(scenario)
    loop = BENCHMARK.summarise_loop(scenario, BENCHMARK.loop_straightforward(scenario, 1_500, 5))
    gap = abs(engine.success_pct - loop["success_pct"])
    assert gap < 4 * math.hypot(engine.success_standard_error_pct, loop["se_pct"])


def two_asset_market(correlation: float) -> MarketAssumptions:
    """Equity (15 % volatility) and fixed income (10 %) correlated by `correlation`; the
    other classes are independent of everything and get no weight."""
    matrix = np.eye(len(ASSET_CLASSES))
    i, j = ASSET_CLASSES.index("equity"), ASSET_CLASSES.index("fixed_income")
    matrix[i, j] = matrix[j, i] = correlation
    returns = dict(DEFAULT_ASSUMPTIONS.returns)
    returns["equity"] = ReturnAssumption(expected_return_pct=7.0, volatility_pct=15.0)
    returns["fixed_income"] = ReturnAssumption(expected_return_pct=4.0, volatility_pct=10.0)
    return MarketAssumptions(returns=returns, correlation=matrix.tolist())


@pytest.mark.parametrize("model", ["normal", "student_t"])
@pytest.mark.parametrize("correlation", [0.9, -0.9])
def test_portfolio_returns_have_the_variance_the_correlations_imply(
    model: str, correlation: float
) -> None:
    # Written out by hand (not via `MarketAssumptions.covariance`), so an engine or a
    # covariance that drops the correlations disagrees: wᵀΣw is 0.0149 at ρ = +0.9 and 0.0014
    # at ρ = −0.9, against 0.0081 without the cross term.
    w_eq, w_fi, sd_eq, sd_fi = 0.5, 0.5, 0.15, 0.10
    expected_variance = (
        (w_eq * sd_eq) ** 2 + (w_fi * sd_fi) ** 2 + 2 * w_eq * w_fi * correlation * sd_eq * sd_fi
    )
    scenario = inputs(
        portfolio_by_asset_class={"equity": 50_000.0, "fixed_income": 50_000.0},
        current_age=30,
        years_until_retirement=60,
        planning_age=95,
        return_model=model,
        assumptions=two_asset_market(correlation),
        paths=2_000,
    )
    returns = (build_market(scenario).growth - 1.0).ravel()  # 65 years × 2,000 paths, i.i.d.

    # The sample variance's standard error, estimated from the same draws (it holds for the
    # fat-tailed model too, whose fourth moment is finite at the default 5 degrees of freedom).
    squares = (returns - returns.mean()) ** 2
    standard_error = float(squares.std(ddof=1)) / math.sqrt(returns.size)
    assert abs(float(returns.var(ddof=1)) - expected_variance) < 5 * standard_error
    assert 5 * standard_error < 0.1 * expected_variance  # the test can tell ±0.9 from 0
    mean_error = float(returns.std(ddof=1)) / math.sqrt(returns.size)
    assert abs(float(returns.mean()) - (w_eq * 0.07 + w_fi * 0.04)) < 5 * mean_error


# ------------------------------------------------------------- common random numbers


@settings(max_examples=12, deadline=None)
@given(
    low=st.floats(0.0, 40_000.0),
    extra=st.floats(0.0, 20_000.0),
    rule=st.sampled_from(["constant_real", "percent_of_portfolio"]),
)
def test_more_contribution_never_lowers_success(low: float, extra: float, rule: str) -> None:
    base = inputs(withdrawal_rule=rule, paths=800)
    less = project_retirement(base.model_copy(update={"annual_contribution": low}))
    more = project_retirement(base.model_copy(update={"annual_contribution": low + extra}))
    assert more.success_pct >= less.success_pct
    assert more.median_wealth_at_retirement >= less.median_wealth_at_retirement


@settings(max_examples=12, deadline=None)
@given(
    high=st.floats(5_000.0, 120_000.0),
    cut=st.floats(0.0, 1.0),
    rule=st.sampled_from(["constant_real", "percent_of_portfolio"]),
)
def test_lower_target_income_never_lowers_success(high: float, cut: float, rule: str) -> None:
    base = inputs(withdrawal_rule=rule, paths=800)
    more = project_retirement(base.model_copy(update={"target_income": high}))
    less = project_retirement(base.model_copy(update={"target_income": high * cut}))
    assert less.success_pct >= more.success_pct


def test_draws_do_not_depend_on_the_scenario() -> None:
    a = draw_shocks(inputs(target_income=10.0, annual_contribution=0.0))
    b = draw_shocks(inputs(target_income=90_000.0, annual_contribution=50_000.0))
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ sustainable income


@pytest.mark.parametrize("rule", ["constant_real", "percent_of_portfolio", "guardrails"])
def test_sustainable_income_reproduces_its_success_rate(rule: str) -> None:
    base = inputs(withdrawal_rule=rule, paths=3_000, success_target_pct=85.0)
    first = project_retirement(base)
    assert first.sustainable_income is not None and first.sustainable_income > 0
    rerun = project_retirement(base.model_copy(update={"target_income": first.sustainable_income}))
    assert rerun.success_pct >= 85.0
    assert rerun.success_pct - 85.0 <= rerun.success_standard_error_pct
    assert rerun.success_pct == first.sustainable_income_success_pct
    # A little more income misses the rate: the answer is the highest such income.
    above = project_retirement(
        base.model_copy(update={"target_income": first.sustainable_income * 1.01 + 1})
    )
    assert above.success_pct < 85.0


@pytest.mark.parametrize("rule", ["constant_real", "guardrails"])
def test_sustainable_income_search_ends_for_incomes_the_api_accepts(rule: str) -> None:
    """Targets up to 1e16 are valid input; the per-path search must still end and answer."""
    result = project_retirement(inputs(withdrawal_rule=rule, target_income=1e16, paths=200))
    assert result.success_pct == 0.0
    assert result.sustainable_income is not None
    assert 0 < result.sustainable_income < 1e7


def test_percent_rule_without_a_floor_has_no_income_limit() -> None:
    result = project_retirement(inputs(withdrawal_rule="percent_of_portfolio", income_floor_pct=0))
    assert result.success_pct == 100.0
    assert result.sustainable_income is None
    assert result.depletion.pct_of_paths == 0.0


# ---------------------------------------------------------------------------- outputs


def test_bands_are_ordered_and_cover_every_age() -> None:
    result = project_retirement(inputs(return_model="student_t", start_year=2026))
    assert [b.age for b in result.wealth_bands] == list(range(45, 91))
    assert result.wealth_bands[0].year == 2026
    assert [b.age for b in result.income_bands_real] == list(range(65, 90))
    for band in result.wealth_bands + result.wealth_bands_real + result.income_bands_real:
        assert band.p10 <= band.p25 <= band.p50 <= band.p75 <= band.p90
    first = result.wealth_bands[0]
    assert first.p10 == first.p90 == sum(PORTFOLIO.values())
    last_nominal, last_real = result.wealth_bands[-1], result.wealth_bands_real[-1]
    assert last_real.p50 == pytest.approx(last_nominal.p50 / 1.025**45, rel=1e-6)


def test_success_error_and_depletion_are_consistent() -> None:
    result = project_retirement(inputs(target_income=70_000.0))
    p = result.success_pct / 100
    assert 0 < p < 1
    assert result.success_standard_error_pct == pytest.approx(
        100 * math.sqrt(p * (1 - p) / 2_000), abs=0.01
    )
    depleted = result.depletion
    assert depleted.pct_of_paths == pytest.approx(100 - result.success_pct, abs=0.01)
    assert depleted.by_age[-1].cumulative_pct == pytest.approx(depleted.pct_of_paths, abs=0.01)
    assert depleted.median_age is not None and 65 <= depleted.median_age < 90
    assert result.median_wealth_at_retirement > sum(PORTFOLIO.values())


def test_student_t_shocks_keep_unit_variance_with_fatter_tails() -> None:
    shocks = draw_shocks(inputs(return_model="student_t", student_t_df=5, paths=40_000))
    normal = draw_shocks(inputs(paths=40_000))
    assert shocks.std() == pytest.approx(1.0, abs=0.03)
    kurtosis = float(((shocks - shocks.mean()) ** 4).mean() / shocks.var() ** 2)
    normal_kurtosis = float(((normal - normal.mean()) ** 4).mean() / normal.var() ** 2)
    assert normal_kurtosis == pytest.approx(3.0, abs=0.1)
    assert kurtosis > 4.5


def test_guardrails_cut_spending_in_bad_markets_but_not_below_the_floor() -> None:
    scenario = inputs(withdrawal_rule="guardrails", income_floor_pct=80.0, target_income=60_000)
    result = project_retirement(scenario)
    floor = 0.8 * 60_000
    # Somebody gets cut to the floor, somebody gets raised above the target.
    assert min(b.p10 for b in result.income_bands_real[:-15]) <= floor + 0.01
    assert max(b.p90 for b in result.income_bands_real) > 60_000
    constant = project_retirement(scenario.model_copy(update={"withdrawal_rule": "constant_real"}))
    assert result.success_pct > constant.success_pct


def test_retirement_allocation_changes_only_the_retirement_years() -> None:
    base = inputs()
    safer = project_retirement(
        base.model_copy(update={"allocation_in_retirement_pct": {"fixed_income": 100.0}})
    )
    plain = project_retirement(base)
    assert safer.median_wealth_at_retirement == plain.median_wealth_at_retirement
    assert safer.volatility_in_retirement_pct < plain.volatility_in_retirement_pct
    assert safer.wealth_bands[-1] != plain.wealth_bands[-1]


# ------------------------------------------------------------------------- validation


def test_planning_age_must_follow_retirement() -> None:
    with pytest.raises(ValidationError, match="planning_age"):
        inputs(current_age=60, years_until_retirement=35, planning_age=95)


def test_an_empty_portfolio_needs_an_allocation() -> None:
    with pytest.raises(ValidationError, match="allocation_pct"):
        inputs(portfolio_by_asset_class={})
    result = project_retirement(
        inputs(portfolio_by_asset_class={}, allocation_pct={"equity": 70.0, "fixed_income": 30.0})
    )
    assert result.wealth_bands[0].p50 == 0.0
    assert result.median_wealth_at_retirement > 0


def test_allocations_must_sum_to_100() -> None:
    with pytest.raises(ValidationError, match="sum to 100"):
        inputs(allocation_pct={"equity": 70.0})
