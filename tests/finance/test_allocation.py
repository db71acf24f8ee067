"""Look-through allocation: weighting by value, cash as its own class, coverage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alex.finance.allocation import Allocation, look_through
from alex.finance.valuation import value_portfolio
from alex.schemas import PortfolioSnapshot

from .factories import AOR, UNIVERSE, account, snapshot
from .strategies import CLASSIFIED, cash_amounts, portfolios, quantities


def allocation_of(portfolio: PortfolioSnapshot) -> Allocation:
    return look_through(value_portfolio(portfolio), portfolio.instruments)


def test_weights_each_breakdown_by_position_value() -> None:
    # 1000 of SPY (US equity) and 1000 of VEA (60 % Europe, 40 % Asia-Pacific).
    result = allocation_of(snapshot(account("A", "401k", "0", {"SPY": 2, "VEA": 20})))
    assert [(s.key, s.pct) for s in result.region.slices] == [
        ("north_america", 50.0),
        ("europe", 30.0),
        ("asia_pacific", 20.0),
    ]
    assert result.region.value_of("europe") == 600.0
    assert result.sector.pct_of("financials") == 40.0  # 30 % of SPY, 50 % of VEA
    assert result.asset_class.pct_of("equity") == 100.0


def test_cash_is_an_asset_class_but_has_no_region_or_sector() -> None:
    result = allocation_of(snapshot(account("A", "taxable", "1000", {"SPY": 2})))
    assert result.asset_class.pct_of("cash") == 50.0
    assert result.asset_class.includes_cash
    assert result.region.classified_value == 1000.0
    assert result.region.pct_of("north_america") == 100.0
    assert result.sector.classified_value == 1000.0


def test_unclassified_value_is_reported_as_coverage_not_spread() -> None:
    # 1000 SPY, 700 ARKK (unclassified), 300 cash; NOPX has no price and is not valued.
    result = allocation_of(
        snapshot(account("A", "taxable", "300", {"SPY": 2, "ARKK": 10, "NOPX": 3}))
    )
    assert result.unclassified_symbols == ["ARKK"]
    assert result.asset_class.unclassified_value == 700.0
    assert result.asset_class.coverage_pct == 65.0  # 1300 of 2000
    assert result.coverage_pct == 65.0
    assert result.region.coverage_pct == pytest.approx(100 * 1000 / 1700, abs=0.01)
    assert result.asset_class.pct_of("equity") == pytest.approx(100 * 1000 / 1300, abs=0.01)


@settings(max_examples=40, deadline=None)
@given(portfolios(symbols=[*CLASSIFIED, "ARKK"]))
def test_percentages_sum_to_100_of_classified_value(portfolio: PortfolioSnapshot) -> None:
    result = allocation_of(portfolio)
    for breakdown in (result.asset_class, result.region, result.sector):
        if breakdown.classified_value == 0:
            assert breakdown.slices == []
            continue
        # Each slice is rounded to 0.01, so the sum may be off by half a cent per slice.
        assert sum(s.pct for s in breakdown.slices) == pytest.approx(
            100.0, abs=0.005 * len(breakdown.slices) + 1e-9
        )
        assert sum(s.value for s in breakdown.slices) == pytest.approx(
            breakdown.classified_value, abs=0.005 * len(breakdown.slices) + 0.01
        )
        assert all(s.value > 0 for s in breakdown.slices)


@settings(max_examples=30, deadline=None)
@given(symbol=st.sampled_from(CLASSIFIED), quantity=quantities)
def test_single_fund_portfolio_reproduces_its_breakdown(symbol: str, quantity: Decimal) -> None:
    result = allocation_of(snapshot(account("Only", "roth_ira", "0", {symbol: quantity})))
    fund = UNIVERSE[symbol]
    for breakdown, expected in (
        (result.asset_class, fund.allocation_asset_class),
        (result.region, fund.allocation_regions),
        (result.sector, fund.allocation_sectors),
    ):
        assert expected is not None
        assert {s.key: s.pct for s in breakdown.slices} == pytest.approx(
            {k: v for k, v in expected.items() if v > 0}, abs=0.01
        )
        assert breakdown.coverage_pct == 100.0


@settings(max_examples=30, deadline=None)
@given(portfolio=portfolios(), extra_cash=cash_amounts.filter(lambda c: c > 0))
def test_adding_cash_only_moves_the_cash_share(
    portfolio: PortfolioSnapshot, extra_cash: Decimal
) -> None:
    before = allocation_of(portfolio)
    first = portfolio.accounts[0]
    richer = portfolio.model_copy(
        update={
            "accounts": [
                first.model_copy(update={"cash_balance": first.cash_balance + extra_cash}),
                *portfolio.accounts[1:],
            ]
        }
    )
    after = allocation_of(richer)
    # Money in every non-cash class is unchanged, so their mutual proportions are too.
    for s in before.asset_class.slices:
        if s.key != "cash":
            assert after.asset_class.value_of(s.key) == s.value
    assert after.asset_class.value_of("cash") == pytest.approx(
        before.asset_class.value_of("cash") + float(extra_cash), abs=0.011
    )
    assert after.asset_class.pct_of("cash") >= before.asset_class.pct_of("cash")
    assert after.region == before.region
    assert after.sector == before.sector


def test_mixed_fund_splits_into_several_asset_classes() -> None:
    result = allocation_of(snapshot(account("A", "401k", "0", {"AOR": 10})))
    assert AOR.allocation_asset_class is not None
    assert {s.key: s.pct for s in result.asset_class.slices} == AOR.allocation_asset_class
