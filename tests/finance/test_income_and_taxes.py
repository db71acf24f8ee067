"""Income streams, spending paths, one-offs, and the tax-aware withdrawal engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from alex.finance.income import (
    IncomeStream,
    OneOff,
    SpendingPath,
    net_need_real,
    one_offs_real,
    price_levels,
    spending_target_real,
    stream_income_real,
)
from alex.finance.taxes import (
    PRETAX,
    ROTH,
    TAXABLE,
    UNIFORM_LIFETIME_TABLE,
    TaxRates,
    WithdrawalOrder,
    bucket_balances,
    keep_per_dollar,
    required_minimum_distribution,
    rmd_age,
    rmd_divisor,
    withdraw,
)

AGES = np.arange(60, 96)  # 36 years, today's age 60
RATES = TaxRates(pretax_effective_pct=22.0, capital_gains_pct=15.0, taxable_gains_share_pct=50.0)


def flat_inflation(rate: float, paths: int = 1, years: int = AGES.size) -> np.ndarray:
    return np.full((paths, years), rate)


# ------------------------------------------------------------------------------ income


def test_price_levels_start_at_one_and_compound() -> None:
    levels = price_levels(np.array([[0.10, 0.10, 0.10], [0.0, 0.5, 0.0]]))
    np.testing.assert_allclose(levels, [[1.0, 1.1, 1.21], [1.0, 1.0, 1.5]])


def test_indexed_stream_keeps_its_real_value_from_the_start_age() -> None:
    ss = IncomeStream(kind="social_security", start_age=67, annual_amount=24_000, indexed=True)
    income = stream_income_real([ss], AGES, flat_inflation(0.03, paths=2))
    assert income.shape == (2, AGES.size)
    assert np.all(income[:, AGES < 67] == 0)
    assert np.all(income[:, AGES >= 67] == 24_000)


def test_non_indexed_pension_loses_real_value_with_inflation_per_path() -> None:
    pension = IncomeStream(kind="pension", start_age=65, annual_amount=20_000, indexed=False)
    inflation = np.vstack([np.full(AGES.size, 0.0), np.full(AGES.size, 0.03)])
    income = stream_income_real([pension], AGES, inflation)
    at = int(np.flatnonzero(AGES == 70)[0])
    # No inflation: the nominal payment is its real value. At 3 %: 20,000 / 1.03^10.
    assert income[0, at] == 20_000
    assert income[1, at] == pytest.approx(20_000 / 1.03**10)
    paying = income[1, AGES >= 65]
    assert np.all(np.diff(paying) < 0)


def test_streams_add_up() -> None:
    streams = [
        IncomeStream(kind="social_security", start_age=62, annual_amount=18_000, indexed=True),
        IncomeStream(kind="pension", start_age=62, annual_amount=10_000, indexed=False),
    ]
    income = stream_income_real(streams, AGES, flat_inflation(0.0))
    assert income[0, AGES == 62][0] == 28_000


def test_income_stream_indexing_must_be_stated() -> None:
    with pytest.raises(ValidationError):
        IncomeStream.model_validate({"kind": "pension", "start_age": 65, "annual_amount": 1})


def test_flat_spending_starts_at_retirement() -> None:
    spending = spending_target_real(50_000, SpendingPath(), AGES, retirement_age=65)
    assert np.all(spending[AGES < 65] == 0)
    assert np.all(spending[AGES >= 65] == 50_000)


def test_declining_spending_falls_by_the_rate_after_the_age() -> None:
    path = SpendingPath(shape="declining", decline_pct=1.0, decline_from_age=75)
    spending = spending_target_real(50_000, path, AGES, retirement_age=65)
    by_age = dict(zip(AGES.tolist(), spending.tolist(), strict=True))
    assert by_age[74] == by_age[75] == 50_000
    assert by_age[76] == pytest.approx(49_500)
    assert by_age[85] == pytest.approx(50_000 * 0.99**10)
    assert np.all(np.diff(spending[AGES >= 75]) < 0)


def test_one_offs_land_in_their_year_with_sign() -> None:
    items = [
        OneOff(age=70, amount=30_000, label="new roof"),
        OneOff(year=2030, amount=12_000, label="trip"),
        OneOff(year=2030, amount=3_000, label="car repair"),
        OneOff(age=80, amount=-100_000, label="downsizing"),
    ]
    amounts = one_offs_real(items, AGES, start_year=2025)  # age 60 in 2025 → 2030 is age 65
    expected = np.zeros(AGES.size)
    expected[AGES == 70] = 30_000
    expected[AGES == 65] = 15_000
    expected[AGES == 80] = -100_000
    np.testing.assert_array_equal(amounts, expected)


def test_one_off_outside_projection_or_without_calendar_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside the projection"):
        one_offs_real([OneOff(age=99, amount=1)], AGES)
    with pytest.raises(ValueError, match="start_year"):
        one_offs_real([OneOff(year=2030, amount=1)], AGES)
    with pytest.raises(ValidationError):
        OneOff(amount=1)
    with pytest.raises(ValidationError):
        OneOff(amount=1, age=70, year=2030)


def test_net_need_is_spending_plus_one_offs_minus_income() -> None:
    spending = spending_target_real(40_000, SpendingPath(), AGES, retirement_age=65)
    offs = one_offs_real([OneOff(age=66, amount=5_000)], AGES)
    ss = IncomeStream(kind="social_security", start_age=67, annual_amount=20_000, indexed=True)
    need = net_need_real(spending, offs, stream_income_real([ss], AGES, flat_inflation(0.02)))
    by_age = dict(zip(AGES.tolist(), need[0].tolist(), strict=True))
    assert by_age[64] == 0
    assert by_age[65] == 40_000
    assert by_age[66] == 45_000
    assert by_age[67] == 20_000


# ------------------------------------------------------------------------------- taxes


def test_gross_up_matches_hand_computation() -> None:
    # Need $40,000 after tax. Taxable holds $10,000, half of it gains taxed at 15 %:
    #   tax = 10,000 × 0.5 × 0.15 = 750, net = 9,250, all of it taken.
    # The remaining 40,000 − 9,250 = 30,750 comes from pre-tax at 22 %:
    #   gross = 30,750 / 0.78 = 39,423.076923…, tax = 39,423.0769… × 0.22 = 8,673.076923…
    # Totals: gross 49,423.076923…, tax 9,423.076923…, Roth untouched.
    result = withdraw(
        40_000, bucket_balances(taxable=10_000, pretax=500_000, roth=100_000), "conventional", RATES
    )
    assert result.gross[0, TAXABLE] == pytest.approx(10_000, abs=1e-9)
    assert result.gross[0, PRETAX] == pytest.approx(30_750 / 0.78, abs=1e-9)
    assert result.gross[0, PRETAX] == pytest.approx(39_423.076923076923, abs=1e-6)
    assert result.gross[0, ROTH] == 0
    assert result.tax[0] == pytest.approx(750 + 30_750 / 0.78 * 0.22, abs=1e-9)
    assert result.tax[0] == pytest.approx(9_423.076923076923, abs=1e-6)
    assert result.net[0] == pytest.approx(40_000, abs=1e-9)
    assert result.shortfall[0] == 0
    np.testing.assert_allclose(result.balances[0], [0, 500_000 - 30_750 / 0.78, 100_000])


def test_conventional_order_spends_taxable_first() -> None:
    result = withdraw(
        10_000, bucket_balances(taxable=50_000, pretax=50_000, roth=50_000), "conventional", RATES
    )
    # 10,000 / (1 − 0.075) from taxable only.
    np.testing.assert_allclose(result.gross[0], [10_000 / 0.925, 0, 0])


def test_proportional_order_matches_hand_computation() -> None:
    # Equal balances of 100,000: net per unit fraction α = 100,000 × (0.925 + 0.78 + 1)
    # = 270,500, so a 27,050 need takes α = 10 %: 10,000 gross from each bucket,
    # tax 750 + 2,200 = 2,950, net 30,000 − 2,950 = 27,050.
    result = withdraw(
        27_050, bucket_balances(taxable=1e5, pretax=1e5, roth=1e5), "proportional", RATES
    )
    np.testing.assert_allclose(result.gross[0], [10_000, 10_000, 10_000])
    assert result.tax[0] == pytest.approx(2_950)
    assert result.net[0] == pytest.approx(27_050)


def test_roth_is_untaxed() -> None:
    result = withdraw(25_000, bucket_balances(roth=100_000), "conventional", RATES)
    assert result.gross[0, ROTH] == 25_000
    assert result.tax[0] == 0


def test_shortfall_when_buckets_run_dry() -> None:
    # Everything: 10,000 taxable → 9,250 net; 10,000 pre-tax → 7,800; Roth 5,000.
    balances = bucket_balances(taxable=[10_000, 10_000], pretax=10_000, roth=5_000)
    orders: list[WithdrawalOrder] = ["conventional", "proportional"]
    for order in orders:
        result = withdraw([30_000, 22_050], balances, order, RATES)
        np.testing.assert_allclose(result.gross, [[10_000, 10_000, 5_000]] * 2)
        np.testing.assert_allclose(result.net, [22_050, 22_050])
        np.testing.assert_allclose(result.shortfall, [7_950, 0], atol=1e-9)
        np.testing.assert_allclose(result.balances, 0, atol=1e-9)


def test_uniform_lifetime_table() -> None:
    assert len(UNIFORM_LIFETIME_TABLE) == 49
    ages = [72, 73, 75, 90, 100, 119, 120, 125]
    np.testing.assert_array_equal(rmd_divisor(ages), [27.4, 26.5, 24.6, 12.2, 6.4, 2.3, 2.0, 2.0])
    assert list(UNIFORM_LIFETIME_TABLE) == list(range(72, 121))
    assert np.all(np.diff(list(UNIFORM_LIFETIME_TABLE.values())) < 0)
    with pytest.raises(ValueError):
        rmd_divisor(71)


@pytest.mark.parametrize(
    ("birth_year", "age"), [(1945, 72), (1950, 72), (1951, 73), (1959, 73), (1960, 75), (1990, 75)]
)
def test_rmd_age_secure_2(birth_year: int, age: int) -> None:
    assert rmd_age(birth_year) == age


def test_required_minimum_distribution() -> None:
    assert required_minimum_distribution([265_000.0], 72, 1952)[0] == 0  # RMD age 73
    assert required_minimum_distribution([265_000.0], 73, 1952)[0] == pytest.approx(10_000)
    assert required_minimum_distribution(244_000.0, 90, 1935) == pytest.approx(20_000)


def test_rmd_is_forced_and_its_excess_reinvested_in_taxable() -> None:
    # RMD 10,000 at 22 %: 7,800 after tax, 5,000 spent, 2,800 reinvested. Nothing else drawn.
    balances = bucket_balances(taxable=20_000, pretax=265_000, roth=10_000)
    rmd = required_minimum_distribution(balances[:, PRETAX], 73, 1952)
    result = withdraw(5_000, balances, "conventional", RATES, rmd)
    np.testing.assert_allclose(result.gross[0], [0, 10_000, 0])
    assert result.tax[0] == pytest.approx(2_200)
    assert result.net[0] == pytest.approx(5_000)
    assert result.reinvested[0] == pytest.approx(2_800)
    np.testing.assert_allclose(result.balances[0], [22_800, 255_000, 10_000])


def test_rmd_counts_towards_a_larger_need() -> None:
    # RMD 10,000 → 7,800 net; the other 12,200 from taxable: 12,200 / 0.925 gross.
    balances = bucket_balances(taxable=50_000, pretax=265_000)
    result = withdraw(20_000, balances, "conventional", RATES, 10_000)
    np.testing.assert_allclose(result.gross[0], [12_200 / 0.925, 10_000, 0])
    assert result.reinvested[0] == 0
    assert result.net[0] == pytest.approx(20_000)


def test_surplus_is_saved_in_taxable() -> None:
    result = withdraw([-3_000], bucket_balances(taxable=1_000, roth=1_000), "conventional", RATES)
    assert result.net[0] == 0
    assert result.reinvested[0] == 3_000
    np.testing.assert_allclose(result.balances[0], [4_000, 0, 1_000])


def test_rates_out_of_range_are_rejected() -> None:
    with pytest.raises(ValidationError):
        TaxRates(pretax_effective_pct=100)
    with pytest.raises(ValidationError):
        TaxRates(pretax_effective_pct=20, taxable_gains_share_pct=101)


money = st.floats(min_value=0, max_value=5e6, allow_nan=False)
pct = st.floats(min_value=0, max_value=60, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    need=st.floats(min_value=0, max_value=5e5, allow_nan=False),
    taxable=money,
    pretax=money,
    roth=money,
    rmd_share=st.floats(min_value=0, max_value=0.5),
    t=pct,
    g=pct,
    s=st.floats(min_value=0, max_value=100),
    order=st.sampled_from(["conventional", "proportional"]),
)
def test_net_equals_need_whenever_money_suffices(
    need: float,
    taxable: float,
    pretax: float,
    roth: float,
    rmd_share: float,
    t: float,
    g: float,
    s: float,
    order: WithdrawalOrder,
) -> None:
    rates = TaxRates(pretax_effective_pct=t, capital_gains_pct=g, taxable_gains_share_pct=s)
    balances = bucket_balances(taxable=taxable, pretax=pretax, roth=roth)
    result = withdraw(need, balances, order, rates, rmd_share * pretax)
    capacity = float(balances[0] @ keep_per_dollar(rates))
    tolerance = 1e-6 + 1e-12 * max(need, capacity)
    gross = result.gross.sum()
    assert np.all(result.gross >= 0)
    assert np.all(result.gross <= balances + tolerance)
    # Cash identity: everything taken = tax + spent + reinvested.
    assert gross == pytest.approx(
        result.tax[0] + result.net[0] + result.reinvested[0], abs=tolerance
    )
    assert gross + tolerance >= result.net[0]
    if capacity >= need + tolerance:
        assert result.net[0] == pytest.approx(need, abs=tolerance)
        assert result.shortfall[0] == 0
    else:
        assert result.net[0] + result.shortfall[0] == pytest.approx(need, abs=tolerance)
