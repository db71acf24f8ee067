"""The projection engine with the return models from history, income streams, taxes, glide
paths and guardrails: each checked against a published result, a closed form or a hand
computation, and each rule by a test that fails if the rule is removed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alex.finance import retirement as engine
from alex.finance.assumptions import DEFAULT_ASSUMPTIONS, MarketAssumptions, ReturnAssumption
from alex.finance.income import (
    IncomeStream,
    OneOff,
    SpendingPath,
    claim_at,
    social_security_factor,
)
from alex.finance.outlook import retirement_outlook
from alex.finance.retirement import (
    Market,
    RetirementInputs,
    TaxSettings,
    build_market,
    draw,
    project_retirement,
    simulate,
)
from alex.finance.return_models import MarketHistory, load_history, withdrawal_success
from alex.finance.taxes import rmd_age, rmd_divisor, withdraw
from alex.schemas import ASSET_CLASSES, TaxRates


def trinity(rate_pct: float) -> RetirementInputs:
    return RetirementInputs(
        portfolio_by_asset_class={"equity": 500_000.0, "fixed_income": 500_000.0},
        current_age=65,
        years_until_retirement=0,
        planning_age=95,
        target_income=rate_pct / 100 * 1_000_000.0,
        return_model="historical",
    )


# ------------------------------------------------------------------ published results


def test_the_engine_reproduces_the_trinity_study_shape() -> None:
    """4 % of a 50/50 portfolio, raised with inflation, for 30 years: about 95 % of US start
    years since 1871 succeed (Cooley, Hubbard & Walz 1998 found 95 % for 1926–1995); 3 %
    always does. The engine agrees exactly with the plain Trinity-style loop on the same
    windows."""
    history = load_history()
    windows = engine.historical_paths(history, 30)
    for rate, low, high in ((4.0, 93.0, 97.0), (3.0, 100.0, 100.0)):
        projection = project_retirement(trinity(rate))
        assert projection.paths == len(history.years) - 30 + 1
        assert low <= projection.success_pct <= high
        plain = withdrawal_success(
            windows.stocks,
            windows.bonds,
            windows.inflation,
            stock_weight=0.5,
            initial_rate=rate / 100,
            years=30,
        )
        assert projection.success_pct == pytest.approx(100 * plain, abs=0.01)
    failed = project_retirement(trinity(4.0)).failed_start_years
    assert failed and all(1871 <= year <= len(history.years) + 1871 - 30 for year in failed)


def test_bootstrap_growth_converges_to_the_historical_moments() -> None:
    history = load_history()
    inputs = trinity(4.0).model_copy(
        update={"return_model": "bootstrap", "paths": 20_000, "seed": 3}
    )
    market = build_market(inputs)
    portfolio = 0.5 * history.stocks + 0.5 * history.bonds
    returns = market.growth - 1.0
    assert returns.mean() == pytest.approx(portfolio.mean(), abs=0.002)
    assert returns.std() == pytest.approx(portfolio.std(), rel=0.03)
    inflation = market.cpi[1:] / market.cpi[:-1] - 1.0
    assert inflation.mean() == pytest.approx(history.inflation.mean(), abs=0.002)


# ------------------------------------------------------------ closed form, every model


def _flat_history(stocks: float, bonds: float, inflation: float) -> MarketHistory:
    years = np.arange(1871, 2023)
    n = len(years)
    return MarketHistory(
        years=years,
        stocks=np.full(n, stocks),
        bonds=np.full(n, bonds),
        cash=np.full(n, 0.01),
        inflation=np.full(n, inflation),
    )


def _flat_assumptions(equity: float, bonds: float) -> MarketAssumptions:
    pct = {"equity": 100 * equity, "fixed_income": 100 * bonds}
    return MarketAssumptions(
        returns={
            c: ReturnAssumption(expected_return_pct=pct.get(c, 1.0), volatility_pct=0.0)
            for c in ASSET_CLASSES
        },
        correlation=DEFAULT_ASSUMPTIONS.correlation,
    )


@pytest.mark.parametrize("model", ["normal", "student_t", "historical", "bootstrap"])
def test_without_volatility_every_model_matches_the_closed_form(
    model: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    r_e, r_b, pi = 0.07, 0.03, 0.02
    monkeypatch.setattr(engine, "load_history", lambda: _flat_history(r_e, r_b, pi))
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 600_000.0, "fixed_income": 400_000.0},
        annual_contribution=20_000.0,
        current_age=50,
        years_until_retirement=10,
        planning_age=90,
        target_income=45_000.0,
        inflation_pct=100 * pi,
        assumptions=_flat_assumptions(r_e, r_b),
        return_model=model,  # type: ignore[arg-type]
        paths=200,
    )
    g = 1 + 0.6 * r_e + 0.4 * r_b
    wealth = 1_000_000.0
    for t in range(10):
        wealth = wealth * g + 20_000.0 * (1 + pi) ** (t + 1)
    at_retirement = wealth
    for t in range(10, 40):
        wealth = (wealth - 45_000.0 * (1 + pi) ** t) * g
    projection = project_retirement(inputs)
    assert projection.success_pct == 100.0
    assert projection.median_wealth_at_retirement == pytest.approx(at_retirement, rel=1e-9)
    assert projection.median_wealth_at_planning_age == pytest.approx(wealth, rel=1e-9)
    band = projection.wealth_bands[-1]
    assert band.p10 == pytest.approx(band.p90, rel=1e-12)


# ---------------------------------------------------------------------- guardrails


def _one_path(growth: list[float], inflation: float = 0.0) -> Market:
    years = len(growth)
    cpi = (1 + inflation) ** np.arange(years + 1, dtype=float)
    return Market(growth=np.array(growth, dtype=float)[:, None], cpi=cpi[:, None])


def _guardrails(years: int, **overrides: Any) -> RetirementInputs:
    fields: dict[str, Any] = {
        "portfolio_by_asset_class": {"equity": 1_000_000.0},
        "current_age": 65,
        "years_until_retirement": 0,
        "planning_age": 65 + years,
        "target_income": 50_000.0,
        "withdrawal_rule": "guardrails",
        "income_floor_pct": 0.0,
        "paths": 100,
    }
    return RetirementInputs(**(fields | overrides))


def _paid(inputs: RetirementInputs, market: Market) -> list[float]:
    """Nominal withdrawals, year by year, on the single path."""
    paths = simulate(inputs, market)
    return [float(x) for x in (paths.income_real[:, 0] * market.cpi[: len(paths.income_real), 0])]


def test_guardrails_cut_after_the_rate_breaches_the_upper_band() -> None:
    # Half the portfolio lost: 50k of 475k is 10.5 %, above 5 % × 1.2, so the next year's
    # withdrawal is cut by 10 %; 45k of 430k is still above the band: cut again.
    paid = _paid(_guardrails(30), _one_path([0.5] + [1.0] * 29))
    assert paid[:3] == pytest.approx([50_000.0, 45_000.0, 40_500.0])


def test_guardrails_raise_after_the_rate_falls_below_the_lower_band() -> None:
    # Doubled: 50k of 1.9M is 2.6 %, below 5 % × 0.8, so the next withdrawal rises 10 %.
    paid = _paid(_guardrails(30), _one_path([2.0] + [1.0] * 29))
    assert paid[:2] == pytest.approx([50_000.0, 55_000.0])


def test_guardrails_make_no_cuts_in_the_final_years() -> None:
    # The same loss with 10 years left (within the last 15): no cut.
    paid = _paid(_guardrails(10), _one_path([0.5] + [1.0] * 9))
    assert paid[:2] == pytest.approx([50_000.0, 50_000.0])


def test_guardrails_skip_the_inflation_raise_after_a_losing_year() -> None:
    # Lost 10 % with 10 % inflation: raising to 55k would put the rate (6.4 %) above the
    # initial 5 %, so the withdrawal stays at 50k nominal; after a gain it is raised again.
    paid = _paid(_guardrails(30), _one_path([0.9, 1.2] + [1.0] * 28, inflation=0.10))
    assert paid[1] == pytest.approx(50_000.0)
    assert paid[2] == pytest.approx(55_000.0)


def test_guardrails_let_a_later_income_stream_lower_the_draw_not_raise_spending() -> None:
    """Retire at 62 on $60k with $24k of Social Security from 67, flat markets: at 67 the
    portfolio's draw falls to $36k (3 % of $1.2M, below the lower band of 3.2 %), so the
    prosperity rule raises it once by 10 %: spending $63,600, not $60k + $24k."""
    social_security = IncomeStream(
        kind="social_security", start_age=67, annual_amount=24_000.0, indexed=True
    )
    inputs = _guardrails(30, current_age=62, planning_age=92, target_income=60_000.0)
    inputs = inputs.model_copy(
        update={
            "portfolio_by_asset_class": {"equity": 1_500_000.0},
            "income_streams": [social_security],
        }
    )
    spending = simulate(inputs, _one_path([1.0] * 30)).income_real[:, 0]
    assert spending[:5] == pytest.approx([60_000.0] * 5)
    assert spending[5:8] == pytest.approx([63_600.0] * 3)


def test_guardrails_follow_a_declining_spending_path() -> None:
    declining = SpendingPath(shape="declining", decline_pct=3.0, decline_from_age=65)
    inputs = _guardrails(30).model_copy(update={"spending": declining})
    paid = _paid(inputs, _one_path([1.0] * 30))
    assert paid[:3] == pytest.approx([50_000.0 * 0.97**k for k in range(3)])


def test_variable_rules_report_the_worst_year_spending_cut() -> None:
    projection = project_retirement(_guardrails(30, paths=2_000, return_model="bootstrap"))
    assert projection.worst_spending_cut is not None
    assert 0 <= projection.worst_spending_cut.median_pct <= projection.worst_spending_cut.p90_pct
    assert projection.worst_spending_cut.p90_pct > 0
    constant = project_retirement(trinity(4.0))
    assert constant.worst_spending_cut is None


# --------------------------------------------------------------------- income and taxes


def test_social_security_covering_the_target_needs_no_portfolio() -> None:
    social_security = IncomeStream(
        kind="social_security", start_age=67, annual_amount=40_000.0, indexed=True
    )
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 100_000.0},
        current_age=67,
        years_until_retirement=0,
        target_income=40_000.0,
        income_streams=[social_security],
        return_model="historical",
    )
    projection = project_retirement(inputs)
    assert projection.success_pct == 100.0
    # The portfolio is never touched: it only grows (in nominal terms, on every path).
    assert min(b.p10 for b in projection.wealth_bands) >= 0
    # Spending is the stream itself, in today's money, every year.
    assert projection.income_bands_real[0].p50 == pytest.approx(40_000.0)


def test_a_pension_that_is_not_indexed_loses_to_inflation() -> None:
    def plan(indexed: bool) -> RetirementInputs:
        pension = IncomeStream(
            kind="pension", start_age=65, annual_amount=40_000.0, indexed=indexed
        )
        return RetirementInputs(
            portfolio_by_asset_class={"fixed_income": 50_000.0},
            current_age=65,
            years_until_retirement=0,
            target_income=40_000.0,
            income_streams=[pension],
            inflation_pct=3.0,
            paths=500,
        )

    assert project_retirement(plan(indexed=True)).success_pct == 100.0
    assert project_retirement(plan(indexed=False)).success_pct == 0.0


def test_taxes_gross_up_the_withdrawal_by_hand() -> None:
    """One year, pre-tax money only at 20 %: spending 40,000 after tax costs 50,000."""
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 1_000_000.0},
        current_age=65,
        years_until_retirement=0,
        planning_age=66,
        target_income=40_000.0,
        taxes=TaxSettings(
            bucket_pct={"pretax": 100.0},
            rates=TaxRates(pretax_effective_pct=20.0),
            birth_year=1961,
        ),
        paths=100,
    )
    paths = simulate(inputs, _one_path([1.0]))
    assert paths.wealth[1, 0] == pytest.approx(950_000.0)
    untaxed = simulate(inputs.model_copy(update={"taxes": None}), _one_path([1.0]))
    assert untaxed.wealth[1, 0] == pytest.approx(960_000.0)


def test_required_distributions_are_taxed_even_when_not_spent() -> None:
    """At 80 (RMD age 73 for 1946… 72 here) with nothing to spend, the RMD still comes out:
    balance / 20.2, taxed at 25 %, the rest reinvested; wealth falls by the tax alone."""
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 1_000_000.0},
        current_age=80,
        years_until_retirement=0,
        planning_age=81,
        target_income=0.0,
        taxes=TaxSettings(
            bucket_pct={"pretax": 100.0},
            rates=TaxRates(pretax_effective_pct=25.0),
            birth_year=1946,
        ),
        paths=100,
    )
    paths = simulate(inputs, _one_path([1.0]))
    assert paths.wealth[1, 0] == pytest.approx(1_000_000.0 - 1_000_000.0 / 20.2 * 0.25)


def test_a_one_off_before_retirement_can_break_the_plan() -> None:
    base = dict(
        portfolio_by_asset_class={"cash": 10_000.0},
        current_age=40,
        years_until_retirement=20,
        target_income=0.0,
        paths=200,
    )
    ok = project_retirement(RetirementInputs(**base))  # type: ignore[arg-type]
    tuition = OneOff(amount=50_000.0, age=45, label="Tuition")
    broken = project_retirement(RetirementInputs(**base, one_offs=[tuition]))  # type: ignore[arg-type]
    assert ok.success_pct == 100.0
    assert broken.success_pct == 0.0
    assert broken.depletion.by_age[0].age == 45


# ------------------------------------------------------------------- glide and levers


def test_the_glide_path_moves_the_mix_linearly_before_retirement() -> None:
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 100.0},
        current_age=50,
        years_until_retirement=10,
        planning_age=70,
        target_income=0.0,
        allocation_in_retirement_pct={"fixed_income": 100.0},
        glide_years=4,
    )
    equity = inputs.weights_by_year()[:, ASSET_CLASSES.index("equity")]
    assert equity.tolist() == pytest.approx([1.0] * 7 + [0.75, 0.5, 0.25] + [0.0] * 10)


def test_social_security_claiming_factors_follow_the_ssa_rules() -> None:
    assert [round(social_security_factor(a, 1970), 4) for a in (62, 65, 67, 70)] == [
        0.7,
        0.8667,
        1.0,
        1.24,
    ]
    assert social_security_factor(62, 1957) == pytest.approx(0.725)
    stream = IncomeStream(kind="social_security", start_age=67, annual_amount=24_000, indexed=True)
    assert claim_at(stream, 70, 1970).annual_amount == pytest.approx(29_760.0)


def test_levers_are_ranked_and_use_the_plans_own_draws() -> None:
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 400_000.0, "fixed_income": 200_000.0},
        annual_contribution=20_000.0,
        current_age=50,
        years_until_retirement=15,
        target_income=60_000.0,
        income_streams=[
            IncomeStream(kind="social_security", start_age=67, annual_amount=24_000, indexed=True)
        ],
        paths=2_000,
    )
    outlook = retirement_outlook(
        inputs,
        held_pct={"equity": 66.67, "fixed_income": 33.33},
        targets_pct={"equity": 50.0, "fixed_income": 50.0},
        birth_year=1976,
    )
    changes = [lever.change_pp for lever in outlook.levers]
    assert changes == sorted(changes, reverse=True)
    by_key = {lever.key: lever for lever in outlook.levers}
    assert set(by_key) == {"retire_later", "save_more", "spend_less", "claim_at_70", "hold_targets"}
    # Common random numbers: each lever equals its own scenario run on the same seed.
    later = inputs.model_copy(update={"years_until_retirement": 16})
    assert by_key["retire_later"].success_pct == pytest.approx(
        100 * simulate(later, build_market(later, draw(inputs))).success.mean(), abs=0.01
    )
    # Helping levers never hurt on common random numbers.
    for key in ("retire_later", "save_more", "spend_less"):
        assert by_key[key].change_pp >= 0
    assert [m.model for m in outlook.by_model] == list(engine.RETURN_MODELS)
    assert {a.basis for a in outlook.allocations} == {"as_held", "targets"}


def test_sustainable_income_has_a_sampling_interval_around_it() -> None:
    inputs = trinity(4.0).model_copy(
        update={"return_model": "bootstrap", "paths": 4_000, "taxes": None}
    )
    projection = project_retirement(inputs)
    assert projection.sustainable_income is not None
    assert projection.sustainable_income_range is not None
    low, high = projection.sustainable_income_range
    assert low <= projection.sustainable_income <= high
    # With four times the paths the interval narrows by about half.
    wide = project_retirement(inputs.model_copy(update={"paths": 1_000}))
    assert wide.sustainable_income_range is not None
    assert (high - low) < (wide.sustainable_income_range[1] - wide.sustainable_income_range[0])
    assert not math.isnan(low)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    age=st.integers(60, 100),
    pretax_rate=st.floats(0, 60),
    gains=st.floats(0, 40),
)
def test_the_engines_withdrawal_kernel_equals_the_reference(
    seed: int, age: int, pretax_rate: float, gains: float
) -> None:
    """The projection's in-place conventional-order kernel against `taxes.withdraw`."""
    rng = np.random.default_rng(seed)
    balances = rng.uniform(0, 200_000, size=(3, 64)) * (rng.uniform(size=(3, 64)) > 0.2)
    need = rng.uniform(-20_000, 150_000, size=64)
    settings_ = TaxSettings(
        bucket_pct={"taxable": 40.0, "pretax": 40.0, "roth": 20.0},
        rates=TaxRates(pretax_effective_pct=pretax_rate, capital_gains_pct=gains),
        birth_year=1955,
    )
    ledger = engine.Buckets(balances.copy(), settings_)
    rmd = balances[1] / float(rmd_divisor(age)) if age >= rmd_age(1955) else 0.0
    reference = withdraw(need, balances.T.copy(), "conventional", settings_.rates, rmd)
    shortfall = ledger.take(need, age)
    np.testing.assert_allclose(shortfall, reference.shortfall, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ledger.balances.T, reference.balances, rtol=1e-9, atol=1e-6)
    assert np.array_equal(shortfall > 0, reference.shortfall > 0)


def test_claiming_later_is_offered_only_for_a_benefit_not_yet_claimed() -> None:
    def levers(current_age: int, start_age: int) -> set[str]:
        social_security = IncomeStream(
            kind="social_security", start_age=start_age, annual_amount=30_000, indexed=True
        )
        inputs = RetirementInputs(
            portfolio_by_asset_class={"equity": 500_000.0},
            current_age=current_age,
            years_until_retirement=0,
            target_income=50_000.0,
            income_streams=[social_security],
            paths=500,
        )
        outlook = retirement_outlook(inputs, birth_year=2026 - current_age, with_models=False)
        return {lever.key for lever in outlook.levers}

    assert "claim_at_70" in levers(current_age=64, start_age=67)
    assert "claim_at_70" not in levers(current_age=68, start_age=67)  # already collecting
    assert "claim_at_70" not in levers(current_age=72, start_age=67)


def test_required_distributions_are_taken_while_still_working() -> None:
    """Working at 76 past an RMD age of 73: the distribution is taxed every year whether or
    not any other flow happens that year."""

    def wealth_at_retirement(one_offs: list[OneOff]) -> float:
        inputs = RetirementInputs(
            portfolio_by_asset_class={"equity": 1_000_000.0},
            current_age=76,
            years_until_retirement=2,
            planning_age=80,
            target_income=0.0,
            one_offs=one_offs,
            taxes=TaxSettings(
                bucket_pct={"pretax": 100.0},
                rates=TaxRates(pretax_effective_pct=25.0),
                birth_year=1950,
            ),
            paths=100,
        )
        return float(simulate(inputs, _one_path([1.0] * 4)).wealth[2, 0])

    none = wealth_at_retirement([])
    tiny = wealth_at_retirement([OneOff(amount=0.01, age=76)])
    assert none == pytest.approx(tiny, abs=0.02)
    first = 1_000_000.0 / 22.9 * 0.25
    assert none < 1_000_000.0 - first


def test_income_above_the_plan_is_saved_not_counted_as_spending() -> None:
    pension = IncomeStream(kind="pension", start_age=65, annual_amount=50_000.0, indexed=True)
    inputs = RetirementInputs(
        portfolio_by_asset_class={"equity": 100_000.0},
        current_age=65,
        years_until_retirement=0,
        target_income=40_000.0,
        income_streams=[pension],
        paths=100,
    )
    paths = simulate(inputs, _one_path([1.0] * 30))
    assert paths.income_real[:, 0] == pytest.approx([40_000.0] * 30)
    assert paths.wealth[1, 0] == pytest.approx(110_000.0)
