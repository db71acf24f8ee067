"""The linear-programming planner: least turnover, tax-advantaged sells first, no useless buys."""

from __future__ import annotations

import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from alex.finance.allocation import look_through_values
from alex.finance.rebalance import RebalancePlan
from alex.finance.valuation import value_portfolio
from alex.schemas import ASSET_CLASSES, PortfolioSnapshot

from .factories import US, account, demo_snapshot, instrument, snapshot
from .strategies import CLASSIFIED, portfolios
from .test_rebalance import (
    _to_hundred,
    allocation_targets,
    check_plan_invariants,
    drift_of,
    plan_for,
    with_targets,
)

# The NNLS planner this one replaced traded $119,805.23 (10 trades) on the demo fixture.
OLD_DEMO_TURNOVER = 119_805.23
# Every instrument here is 100 % North America, so region drift is always zero and only the
# asset classes decide what is worth buying.
US_ONLY = ["SPY", "AGG", "VNQ", "AAPL"]


def turnover(plan: RebalancePlan) -> float:
    return plan.total_sold + plan.total_bought


def test_two_funds_trade_exactly_the_hand_computed_minimum() -> None:
    # $10,000 of an equity fund, $100 of a bond fund, target 60 / 40, threshold 5 pp.
    # The planner aims 0.5 pp inside the band: equity ≤ 64.5 % of $10,100 = $6,514.50, so the
    # least turnover is one sale of $3,485.50 of equity and one purchase of the same in bonds.
    funds = {
        "EQF": instrument("EQF", "100", {"equity": 100.0}, US),
        "BDF": instrument("BDF", "100", {"fixed_income": 100.0}, US),
    }
    portfolio = snapshot(
        account("401k", "401k", "0", {"EQF": 100, "BDF": 1}),
        instruments=funds,
        asset_class_targets={"equity": 60.0, "fixed_income": 40.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.achievable
    assert [(t.action, t.symbol) for t in plan.trades] == [("sell", "EQF"), ("buy", "BDF")]
    assert [t.amount for t in plan.trades] == pytest.approx([3485.50, 3485.50], abs=0.01)
    assert [i.drift_pp for i in plan.drift_after.asset_class] == pytest.approx([4.5, -4.5])
    check_plan_invariants(portfolio, plan)


def test_demo_plan_is_lean_and_spares_the_taxable_account() -> None:
    portfolio = demo_snapshot()
    plan = plan_for(portfolio)
    assert plan.needed and plan.achievable
    assert turnover(plan) < OLD_DEMO_TURNOVER
    assert len(plan.trades) <= 6
    assert not [t for t in plan.trades if t.action == "sell" and not t.tax_advantaged]
    # Idle cash is put to work before anything is sold: the Roth IRA spends its $1,200.
    roth = next(line for line in plan.accounts if line.account_name == "Roth IRA")
    assert roth.cash_after == 0 and roth.sold == 0
    check_plan_invariants(portfolio, plan)


def test_idle_cash_is_invested_before_anything_is_sold() -> None:
    # Cash 30 % against 10 %: buying bonds with the cash closes every drift, no sale needed.
    portfolio = with_targets(
        snapshot(account("IRA", "roth_ira", "3000", {"SPY": 12, "AGG": 10})),
        asset_class_targets={"equity": 60.0, "fixed_income": 30.0, "cash": 10.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.achievable
    assert [(t.action, t.symbol) for t in plan.trades] == [("buy", "AGG")]


def test_taxable_sells_only_when_tax_advantaged_accounts_cannot_do_it() -> None:
    # The 401(k) holds only bonds; equity is overweight through the brokerage's SPY alone.
    portfolio = with_targets(
        snapshot(
            account("401k", "401k", "0", {"AGG": 20}),
            account("Brokerage", "taxable", "0", {"SPY": 16}),
        ),
        asset_class_targets={"equity": 60.0, "fixed_income": 40.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.achievable
    sells = [t for t in plan.trades if t.action == "sell"]
    assert [(t.account_name, t.symbol) for t in sells] == [("Brokerage", "SPY")]
    assert any("taxable" in note for note in plan.notes)
    check_plan_invariants(portfolio, plan)


def test_unreachable_targets_name_the_key_and_the_cause() -> None:
    portfolio = with_targets(
        snapshot(account("IRA", "traditional_ira", "0", {"SPY": 10, "AGG": 20})),
        asset_class_targets={"equity": 55.0, "fixed_income": 37.0, "commodities": 8.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.needed and not plan.achievable
    assert plan.drift_after.breaches == ["asset_class:commodities"]
    assert any(r.startswith("Nothing you hold adds commodities") for r in plan.reasons)
    # Everything that can be closed is closed: equity and fixed income end inside the band.
    check_plan_invariants(portfolio, plan)


def test_a_target_nothing_held_can_meet_rescales_the_others() -> None:
    # $9,000 SPY and $1,000 AGG against 50 / 20 / 30 real estate, with no real estate held.
    # The plan aims at 50 : 20 scaled to 100 (71.43 / 28.57): bonds ≥ 28.57 − 4.5 = 24.07 %
    # of $10,000 needs 0.98 × (1,000 + b) ≥ 2,407.14, so b = $1,456.27 of AGG paid by SPY.
    portfolio = with_targets(
        snapshot(account("IRA", "roth_ira", "0", {"SPY": 18, "AGG": 10})),
        asset_class_targets={"equity": 50.0, "fixed_income": 20.0, "real_estate": 30.0},
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio)
    assert plan.needed and not plan.achievable
    assert [(t.action, t.symbol) for t in plan.trades] == [("sell", "SPY"), ("buy", "AGG")]
    assert [t.amount for t in plan.trades] == pytest.approx([1456.27, 1456.27], abs=0.02)
    assert any(r.startswith("Nothing you hold adds real estate") for r in plan.reasons)
    assert any(
        "spreads that target (30%) over your other targets in proportion and aims equity at "
        "71.43%" in r
        for r in plan.reasons
    )
    assert any("scaled up in proportion" in note for note in plan.notes)
    check_plan_invariants(portfolio, plan)


# -------------------------------------------------------------------------- properties


@settings(max_examples=30, deadline=None)
@given(portfolio=portfolios(symbols=CLASSIFIED), threshold=st.sampled_from([2.0, 5.0]))
def test_a_portfolio_on_target_needs_no_trades(
    portfolio: PortfolioSnapshot, threshold: float
) -> None:
    valued = value_portfolio(portfolio)
    mix = look_through_values(valued.values_by_symbol(), valued.cash, portfolio.instruments)
    assume(mix.asset_class.slices and mix.region.slices)
    portfolio = with_targets(
        portfolio,
        asset_class_targets=_to_hundred({s.key: s.pct for s in mix.asset_class.slices}),
        region_targets=_to_hundred({s.key: s.pct for s in mix.region.slices}),
    )
    plan = plan_for(portfolio, threshold)
    assert not plan.needed and plan.achievable and plan.trades == []


@st.composite
def taxable_and_sheltered(draw: st.DrawFn) -> PortfolioSnapshot:
    """A taxable account and one or two tax-advantaged ones, each with a few holdings."""
    accounts = []
    sheltered = st.sampled_from(["401k", "roth_ira", "hsa"])
    kinds = ["taxable", *draw(st.lists(sheltered, min_size=1, max_size=2))]
    quantity = st.decimals(min_value="1", max_value="400", places=2)
    for n, kind in enumerate(kinds):
        held = draw(st.lists(st.sampled_from(CLASSIFIED), min_size=1, max_size=4, unique=True))
        cash = draw(st.decimals(min_value="0", max_value="5000", places=2))
        accounts.append(account(f"Account {n}", kind, cash, {s: draw(quantity) for s in held}))
    return snapshot(*accounts)


@settings(max_examples=30, deadline=None)
@given(portfolio=taxable_and_sheltered(), data=st.data())
def test_no_taxable_sells_when_tax_advantaged_accounts_can_close_the_drift(
    portfolio: PortfolioSnapshot, data: st.DataObject
) -> None:
    """Targets are a reshuffle of the tax-advantaged accounts alone (each within itself),
    so those accounts can always reach them without touching the taxable one."""
    valued = value_portfolio(portfolio)
    values: dict[str, float] = {}
    cash = 0.0
    for acc in valued.accounts:
        if not acc.tax_advantaged:
            for p in acc.positions:
                values[p.symbol] = values.get(p.symbol, 0.0) + p.value
            cash += acc.cash
            continue
        pots = [p.symbol for p in acc.positions] + ["cash"]
        weights = data.draw(st.lists(st.floats(0, 1), min_size=len(pots), max_size=len(pots)))
        assume(sum(weights) > 0.1)
        for pot, w in zip(pots, weights, strict=True):
            share = acc.total * w / sum(weights)
            if pot == "cash":
                cash += share
            else:
                values[pot] = values.get(pot, 0.0) + share
    goal = look_through_values(values, cash, portfolio.instruments)
    assume(goal.asset_class.slices and goal.region.slices)
    portfolio = with_targets(
        portfolio,
        asset_class_targets=_to_hundred({s.key: s.pct for s in goal.asset_class.slices}),
        region_targets=_to_hundred({s.key: s.pct for s in goal.region.slices}),
    )
    plan = plan_for(portfolio)
    event(f"needed={plan.needed}")
    assert plan.achievable, plan.reasons
    assert not [t for t in plan.trades if t.action == "sell" and not t.tax_advantaged]
    check_plan_invariants(portfolio, plan)


@settings(max_examples=40, deadline=None)
@given(
    portfolio=portfolios(symbols=US_ONLY),
    threshold=st.sampled_from([2.0, 5.0]),
    data=st.data(),
)
def test_no_buy_only_adds_to_asset_classes_already_over_target(
    portfolio: PortfolioSnapshot, threshold: float, data: st.DataObject
) -> None:
    # Targets only on asset classes the holdings can reach (the unreachable case rescales
    # the other targets, tested above).
    held = {k for i in portfolio.instruments.values() for k in i.allocation_asset_class or {}}
    keys = tuple(k for k in ASSET_CLASSES if k in held or k == "cash")
    portfolio = with_targets(
        portfolio,
        asset_class_targets=data.draw(allocation_targets(keys)),
        region_targets={"north_america": 100.0},
    )
    plan = plan_for(portfolio, threshold)
    event(f"needed={plan.needed} achievable={plan.achievable}")
    drift = {i.key: i.drift_pp for i in plan.drift_before.asset_class}
    for trade in plan.trades:
        if trade.action == "buy":
            # Buying never raises cash on balance, so a fund's cash sleeve does not count.
            keys_bought = [k for k in trade.asset_class_effect if k != "cash"]
            assert not all(drift.get(k, 0) > 0 for k in keys_bought), (trade, drift)
    after = check_plan_invariants(portfolio, plan)
    if plan.achievable:
        assert not drift_of(after, threshold).needs_rebalancing
