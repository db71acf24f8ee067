"""Concentration: top holdings, HHI-based diversification score, single names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alex.finance.allocation import look_through
from alex.finance.concentration import Concentration, analyse_concentration
from alex.finance.valuation import value_portfolio
from alex.schemas import PortfolioSnapshot

from .factories import account, instrument, snapshot


def concentration_of(
    portfolio: PortfolioSnapshot, constituents: dict[str, dict[str, float]] | None = None
) -> Concentration:
    valued = value_portfolio(portfolio)
    allocation = look_through(valued, portfolio.instruments)
    return analyse_concentration(
        valued, portfolio.instruments, allocation, fund_constituents=constituents
    )


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 15))
def test_equal_holdings_score_their_count(n: int) -> None:
    funds = {f"F{i}": instrument(f"F{i}", "10") for i in range(n)}
    portfolio = snapshot(account("A", "taxable", "999", {s: 7 for s in funds}), instruments=funds)
    result = concentration_of(portfolio)
    assert result.diversification_score == pytest.approx(n, abs=0.01)
    assert result.hhi == pytest.approx(1 / n, abs=1e-4)
    assert len(result.top_holdings) == min(n, 10)
    assert result.holdings_count == n


def test_unequal_holdings_and_largest_weight() -> None:
    # SPY 6000 in two accounts, AGG 3000, VNQ 900, cash 100 (excluded from weights).
    portfolio = snapshot(
        account("401k", "401k", "100", {"SPY": 6, "AGG": 30}),
        account("IRA", "roth_ira", "0", {"SPY": 6, "VNQ": 10}),
    )
    result = concentration_of(portfolio)
    weights = [6000 / 9900, 3000 / 9900, 900 / 9900]
    assert result.hhi == pytest.approx(sum(w * w for w in weights), abs=1e-4)
    assert result.diversification_score == pytest.approx(1 / sum(w * w for w in weights), abs=0.01)
    top = result.top_holdings[0]
    assert (top.symbol, top.value, top.accounts) == ("SPY", 6000.0, ["401k", "IRA"])
    assert result.largest_weight_pct == pytest.approx(100 * 6000 / 9900, abs=0.01)
    assert top.pct_of_portfolio == pytest.approx(60.0, abs=0.01)
    assert result.effective_asset_classes > 1


def test_single_names_from_direct_stocks_and_supplied_fund_constituents() -> None:
    portfolio = snapshot(account("A", "taxable", "0", {"AAPL": 10, "SPY": 8}))  # 2000 + 4000
    plain = concentration_of(portfolio)
    assert [(e.symbol, e.value) for e in plain.single_name_exposures] == [("AAPL", 2000.0)]
    assert "not derived" in plain.single_name_note
    assert plain.warnings and "AAPL" in plain.warnings[0]

    looked = concentration_of(portfolio, {"SPY": {"AAPL": 7.0, "MSFT": 6.5}})
    aapl = looked.single_name_exposures[0]
    assert (aapl.symbol, aapl.direct_value, aapl.via_funds_value) == ("AAPL", 2000.0, 280.0)
    assert aapl.via_funds == ["SPY"]
    assert aapl.pct_of_portfolio == pytest.approx(100 * 2280 / 6000, abs=0.01)
    assert [e.symbol for e in looked.single_name_exposures] == ["AAPL", "MSFT"]


def test_empty_portfolio_has_no_score() -> None:
    result = concentration_of(snapshot(account("A", "taxable", "100", {})))
    assert result.diversification_score == 0.0
    assert result.largest_holding is None and result.top_holdings == []
