"""Drift and rebalancing: the plan is checked by applying it and measuring again."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from alex.finance.allocation import look_through, look_through_values
from alex.finance.rebalance import DriftReport, RebalancePlan, compute_drift, plan_rebalance
from alex.finance.valuation import value_portfolio
from alex.schemas import (
    ASSET_CLASSES,
    REGIONS,
    AccountWithPositions,
    PortfolioSnapshot,
    PositionRead,
)

from .factories import NOW, UNIVERSE, account, snapshot
from .strategies import CLASSIFIED, portfolios

BALANCED_REGIONS = {
    "north_america": 60.0,
    "europe": 20.0,
    "asia_pacific": 10.0,
    "emerging_markets": 10.0,
}


def plan_for(portfolio: PortfolioSnapshot, threshold: float = 5.0) -> RebalancePlan:
    return plan_rebalance(
        value_portfolio(portfolio),
        portfolio.instruments,
        portfolio.user.asset_class_targets,
        portfolio.user.region_targets,
        threshold_pp=threshold,
    )


def apply_plan(portfolio: PortfolioSnapshot, plan: RebalancePlan) -> PortfolioSnapshot:
    """The portfolio after the trades, built independently of the planner's own bookkeeping."""
    accounts = []
    for acc in portfolio.accounts:
        cash = acc.cash_balance
        quantities = {p.symbol: p.quantity for p in acc.positions}
        for trade in plan.trades:
            if trade.account_id != acc.id:
                continue
            price = portfolio.instruments[trade.symbol].current_price
            assert price is not None and price > 0
            amount = Decimal(str(trade.amount))
            sign = 1 if trade.action == "buy" else -1
            quantities[trade.symbol] = quantities.get(trade.symbol, Decimal(0)) + sign * (
                amount / price
            )
            cash -= sign * amount
        positions = [
            PositionRead(
                id=acc.id,
                account_id=acc.id,
                symbol=symbol,
                quantity=quantity,
                cost_basis=None,
                as_of_date=NOW.date(),
                created_at=NOW,
                updated_at=NOW,
            )
            for symbol, quantity in quantities.items()
            if quantity > Decimal("1e-9")
        ]
        accounts.append(
            AccountWithPositions(
                **{**acc.model_dump(), "cash_balance": cash, "positions": positions}
            )
        )
    return portfolio.model_copy(update={"accounts": accounts})


def drift_of(portfolio: PortfolioSnapshot, threshold: float = 5.0) -> DriftReport:
    allocation = look_through(value_portfolio(portfolio), portfolio.instruments)
    return compute_drift(
        allocation,
        portfolio.user.asset_class_targets,
        portfolio.user.region_targets,
        threshold_pp=threshold,
    )


def check_plan_invariants(portfolio: PortfolioSnapshot, plan: RebalancePlan) -> PortfolioSnapshot:
    held = {p.symbol for a in portfolio.accounts for p in a.positions}
    valued = {a.account_id: a for a in value_portfolio(portfolio).accounts}
    sides: dict[tuple[object, str], set[str]] = {}
    for trade in plan.trades:
        sides.setdefault((trade.account_id, trade.symbol), set()).add(trade.action)
    assert all(len(actions) == 1 for actions in sides.values()), "buy and sell in one account"
    assert len(sides) == len(plan.trades), "one trade per account and instrument"
    for trade in plan.trades:
        assert trade.symbol in held, f"{trade.symbol} is not held"
        assert trade.amount > 0
        if trade.action == "sell":
            in_account = {p.symbol: p.value for p in valued[trade.account_id].positions}
            assert trade.amount <= in_account[trade.symbol] + 1e-9
    after = apply_plan(portfolio, plan)
    for acc in after.accounts:
        assert acc.cash_balance >= 0, f"{acc.account_name} cash {acc.cash_balance}"
    for line in plan.accounts:
        assert line.cash_after >= 0
        assert line.bought <= line.cash_before + line.sold + 1e-9
    total_before = value_portfolio(portfolio).total
    assert value_portfolio(after).total == pytest.approx(total_before, abs=0.05)
    return after


@st.composite
def allocation_targets(draw: st.DrawFn, keys: tuple[str, ...]) -> dict[str, float]:
    weights = draw(st.lists(st.integers(0, 10), min_size=len(keys), max_size=len(keys)))
    assume(sum(weights) > 0)
    raw = {k: 100.0 * w / sum(weights) for k, w in zip(keys, weights, strict=True) if w}
    return _to_hundred(raw)


def _to_hundred(raw: dict[str, float]) -> dict[str, float]:
    rounded = {k: round(v, 2) for k, v in raw.items() if round(v, 2) > 0}
    largest = max(rounded, key=lambda k: rounded[k])
    rounded[largest] = round(100.0 - sum(v for k, v in rounded.items() if k != largest), 2)
    return rounded


def with_targets(portfolio: PortfolioSnapshot, **targets: Any) -> PortfolioSnapshot:
    return portfolio.model_copy(update={"user": portfolio.user.model_copy(update=targets)})


# --------------------------------------------------------------------------------- drift


def test_drift_in_points_and_money() -> None:
    # 8000 equity (SPY), 2000 cash; targets 60 / 30 / 10.
    portfolio = snapshot(account("A", "401k", "2000", {"SPY": 16}))
    report = drift_of(portfolio)
    equity, fixed, cash = report.asset_class
    assert (equity.key, equity.current_pct, equity.drift_pp, equity.drift_value) == (
        "equity",
        80.0,
        20.0,
        2000.0,
    )
    assert (fixed.key, fixed.drift_pp, fixed.drift_value, fixed.breach) == (
        "fixed_income",
        -30.0,
        -3000.0,
        True,
    )
    assert (cash.key, cash.drift_pp, cash.breach) == ("cash", 10.0, True)
    assert report.breaches[:2] == ["asset_class:equity", "asset_class:fixed_income"]
    assert report.max_abs_drift_pp == 40.0  # north_america: 100 % against a 60 % target


# ------------------------------------------------------------------------------ the plan


def test_in_band_portfolio_needs_no_trades() -> None:
    # SPY 6000, AGG 3000 (98 % bonds), cash 1000 (+ 60 in AGG) ≈ 60 / 29.4 / 10.6.
    portfolio = with_targets(
        snapshot(account("A", "401k", "1000", {"SPY": 12, "AGG": 30})),
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert not plan.needed and plan.achievable and plan.trades == []


def test_plan_closes_drift_using_held_instruments_inside_tax_advantaged_accounts() -> None:
    portfolio = snapshot(
        account("401k", "401k", "500", {"SPY": 40, "AGG": 20}),
        account("IRA", "roth_ira", "0", {"VEA": 200, "VWO": 50}),
        account("Brokerage", "taxable", "3000", {"SPY": 20, "AGG": 10}),
        region_targets=BALANCED_REGIONS,
    )
    assert drift_of(portfolio).needs_rebalancing
    plan = plan_for(portfolio)
    assert plan.needed and plan.achievable, plan.reasons
    after = check_plan_invariants(portfolio, plan)
    assert not drift_of(after).needs_rebalancing
    spy_sells = [t for t in plan.trades if t.symbol == "SPY" and t.action == "sell"]
    assert spy_sells and all(t.account_name == "401k" for t in spy_sells)
    assert not any(t.account_name == "Brokerage" and t.action == "sell" for t in plan.trades)


def test_sells_prefer_tax_advantaged_accounts() -> None:
    portfolio = with_targets(
        snapshot(
            account("Brokerage", "taxable", "0", {"SPY": 40}),
            account("HSA", "hsa", "0", {"SPY": 10, "AGG": 1}),
        ),
        asset_class_targets={"equity": 90.0, "fixed_income": 10.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    sells = [t for t in plan.trades if t.action == "sell"]
    assert plan.achievable
    # The HSA's SPY is sold in full before any SPY in the brokerage account.
    hsa = sum(t.amount for t in sells if t.account_name == "HSA")
    taxable = sum(t.amount for t in sells if t.account_name == "Brokerage")
    assert hsa == pytest.approx(5000.0, abs=0.01) or taxable == 0
    assert hsa > 0
    check_plan_invariants(portfolio, plan)


def test_unheld_asset_class_is_not_achievable_and_says_why() -> None:
    portfolio = with_targets(
        snapshot(account("IRA", "traditional_ira", "100", {"SPY": 10, "AGG": 20})),
        asset_class_targets={"equity": 50.0, "fixed_income": 20.0, "real_estate": 30.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.needed and not plan.achievable
    assert any("real estate" in reason for reason in plan.reasons)
    assert "asset_class:real_estate" in plan.drift_after.breaches
    assert all(t.symbol in {"SPY", "AGG"} for t in plan.trades)
    check_plan_invariants(portfolio, plan)


def test_unclassified_and_unpriced_holdings_are_never_traded() -> None:
    portfolio = snapshot(
        account("IRA", "roth_ira", "0", {"SPY": 30, "ARKK": 50, "NOPX": 2, "AGG": 5}),
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert {t.symbol for t in plan.trades} <= {"SPY", "AGG"}
    assert plan.achievable
    assert any("ARKK" in note for note in plan.notes)
    check_plan_invariants(portfolio, plan)


def test_all_cash_portfolio_cannot_be_invested_without_holdings() -> None:
    plan = plan_for(snapshot(account("A", "taxable", "5000", {})))
    assert plan.needed and not plan.achievable and plan.trades == []
    assert plan.reasons


# -------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    portfolio=portfolios(symbols=[*CLASSIFIED, "ARKK"]),
    asset_targets=allocation_targets(ASSET_CLASSES),
    region_targets=allocation_targets(REGIONS),
    threshold=st.sampled_from([2.0, 5.0, 10.0]),
)
def test_any_plan_is_safe_and_honest(
    portfolio: PortfolioSnapshot,
    asset_targets: dict[str, float],
    region_targets: dict[str, float],
    threshold: float,
) -> None:
    portfolio = with_targets(
        portfolio, asset_class_targets=asset_targets, region_targets=region_targets
    )
    plan = plan_for(portfolio, threshold)
    event(f"needed={plan.needed} achievable={plan.achievable}")
    after = check_plan_invariants(portfolio, plan)
    measured = drift_of(after, threshold)
    if plan.achievable:
        assert all(
            abs(i.drift_pp) <= threshold + 0.01 for i in measured.asset_class + measured.region
        )
    else:
        assert plan.reasons
        assert measured.needs_rebalancing
    if not plan.needed:
        assert plan.trades == []


@settings(max_examples=40, deadline=None)
@given(
    portfolio=portfolios(symbols=CLASSIFIED, min_accounts=2),
    mix=st.lists(st.floats(0.0, 1.0), min_size=len(CLASSIFIED) + 1, max_size=len(CLASSIFIED) + 1),
)
def test_plan_is_achievable_when_the_targets_are_reachable(
    portfolio: PortfolioSnapshot, mix: list[float]
) -> None:
    """Targets taken from some other mix of the same holdings can always be met."""
    valued = value_portfolio(portfolio)
    assume(valued.total > 50_000)
    held = sorted(valued.values_by_symbol())
    weights = dict(zip([*held, "cash"], mix, strict=False))
    assume(sum(weights.values()) > 0.1)
    scale = valued.total / sum(weights.values())
    reachable = look_through_values(
        {s: weights[s] * scale for s in held}, weights["cash"] * scale, portfolio.instruments
    )
    asset_targets = _to_hundred({s.key: s.pct for s in reachable.asset_class.slices})
    assume(reachable.region.slices)
    region_targets = _to_hundred({s.key: s.pct for s in reachable.region.slices})
    portfolio = with_targets(
        portfolio, asset_class_targets=asset_targets, region_targets=region_targets
    )
    plan = plan_for(portfolio)
    event(f"needed={plan.needed}")
    assert plan.achievable, (plan.reasons, plan.drift_after)
    after = check_plan_invariants(portfolio, plan)
    assert not drift_of(after).needs_rebalancing


def test_trades_report_their_asset_class_effect() -> None:
    portfolio = with_targets(
        snapshot(account("IRA", "roth_ira", "0", {"SPY": 20, "AOR": 10})),
        asset_class_targets={"equity": 60.0, "fixed_income": 38.0, "cash": 2.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio, threshold=50.0)
    assert not plan.needed
    plan = plan_for(portfolio, threshold=2.0)
    buys = [t for t in plan.trades if t.symbol == "AOR" and t.action == "buy"]
    assert buys
    effect = buys[0].asset_class_effect
    assert effect["equity"] == pytest.approx(0.6 * buys[0].amount, abs=0.01)
    assert effect["fixed_income"] == pytest.approx(0.38 * buys[0].amount, abs=0.01)
    assert buys[0].quantity == pytest.approx(buys[0].amount / 60.0, rel=1e-6)
    assert UNIVERSE["AOR"].current_price == Decimal("60")
