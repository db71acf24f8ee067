"""Valuation: exact cents, cash included, missing prices listed and never guessed."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given, settings

from alex.finance.money import CENT
from alex.finance.valuation import value_portfolio
from alex.schemas import PortfolioSnapshot

from .factories import UNIVERSE, account, instrument, snapshot
from .strategies import portfolios


def test_values_positions_accounts_and_portfolio() -> None:
    valued = value_portfolio(
        snapshot(
            account("IRA", "traditional_ira", "1000.10", {"SPY": "2.5", "AGG": 3}),
            account("Brokerage", "taxable", "0", {"AAPL": "0.333"}),
        )
    )
    ira, brokerage = valued.accounts
    assert [(p.symbol, p.value) for p in ira.positions] == [("SPY", 1250.0), ("AGG", 300.0)]
    assert ira.cash == 1000.1
    assert ira.total == 2550.1
    assert ira.tax_advantaged and not brokerage.tax_advantaged
    assert brokerage.positions[0].value == 66.6  # 0.333 × 200, exact in Decimal
    assert valued.total == 2616.7
    assert valued.cash == 1000.1
    assert valued.invested == 1616.6
    assert ira.pct_of_portfolio + brokerage.pct_of_portfolio == 100.0


def test_position_values_round_half_up_to_cents() -> None:
    odd = instrument("ODD", "0.125")
    valued = value_portfolio(
        snapshot(account("A", "taxable", "0", {"ODD": 1}), instruments={"ODD": odd})
    )
    assert valued.total == 0.13


def test_missing_price_is_listed_and_excluded_from_totals() -> None:
    valued = value_portfolio(snapshot(account("A", "401k", "50", {"SPY": 1, "NOPX": 10})))
    assert valued.total == 550.0
    assert [(m.symbol, m.reason, m.quantity) for m in valued.missing_price] == [
        ("NOPX", "no_price", 10.0)
    ]
    assert [p.symbol for p in valued.accounts[0].positions] == ["SPY"]
    assert valued.accounts[0].missing_price == valued.missing_price


def test_position_without_instrument_is_reported_as_unknown() -> None:
    valued = value_portfolio(
        snapshot(account("A", "taxable", "10", {"SPY": 1, "ZZZ": 4}), instruments=UNIVERSE)
    )
    assert [(m.symbol, m.reason) for m in valued.missing_price] == [("ZZZ", "unknown_instrument")]
    assert valued.total == 510.0


def test_zero_price_is_a_price_not_a_missing_one() -> None:
    dead = instrument("DEAD", "0")
    valued = value_portfolio(
        snapshot(account("A", "taxable", "1", {"DEAD": 5}), instruments={"DEAD": dead})
    )
    assert valued.missing_price == []
    assert valued.accounts[0].positions[0].value == 0.0


def test_empty_portfolio() -> None:
    valued = value_portfolio(snapshot())
    assert (valued.total, valued.cash, valued.accounts) == (0.0, 0.0, [])


def _cents(value: float) -> int:
    return round(Decimal(str(value)) * 100)


@settings(max_examples=40, deadline=None)
@given(portfolios())
def test_totals_add_up(portfolio: PortfolioSnapshot) -> None:
    valued = value_portfolio(portfolio)
    cents = _cents
    assert cents(valued.total) == sum(cents(a.total) for a in valued.accounts)
    assert cents(valued.total) == cents(valued.cash) + cents(valued.invested)
    for a in valued.accounts:
        assert cents(a.total) == cents(a.cash) + sum(cents(p.value) for p in a.positions)
        for p in a.positions:
            price = UNIVERSE[p.symbol].current_price or Decimal(0)
            expected = (Decimal(str(p.quantity)) * price).quantize(CENT, rounding=ROUND_HALF_UP)
            assert cents(p.value) == round(expected * 100)
