"""What changed between two analyses: the record of what an analysis was computed from values the
portfolio exactly as the valuation engine does, and the value change splits into parts (new and
removed positions, quantity and price changes, cash) that add up to it exactly."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alex.core.format import to_decimal
from alex.finance.changes import (
    AnalysisComparison,
    AnalysisFigures,
    AnalysisInputsRecord,
    RecordedAccount,
    RecordedPosition,
    RecordedProfile,
    compare,
    record_inputs,
    recorded_value,
)
from alex.finance.plan import analyse_portfolio
from alex.finance.valuation import value_portfolio
from alex.schemas import ASSET_CLASSES, PortfolioSnapshot

from .factories import GLD, UNIVERSE, account, demo_snapshot, instrument, snapshot
from .strategies import portfolios


def figures(s: PortfolioSnapshot, *, success_pct: float | None = None) -> AnalysisFigures:
    """An analysis of `s` as the planner's headline and record store it."""
    analysis = analyse_portfolio(s)
    total = to_decimal(analysis.valuation.total)
    assert total is not None
    return AnalysisFigures(
        total_value=total,
        asset_class_pct={x.key: x.pct for x in analysis.allocation.asset_class.slices},
        max_drift_pp=analysis.drift.max_abs_drift_pp,
        success_pct=success_pct,
        inputs=record_inputs(s),
    )


def parts(c: AnalysisComparison) -> Decimal:
    a = c.attribution
    assert a is not None
    return a.new_positions + a.removed_positions + a.quantity_changes + a.price_changes + a.cash


# --------------------------------------------------------------------------- the record


@settings(max_examples=40, deadline=None)
@given(portfolios())
def test_the_record_values_the_portfolio_as_the_valuation_engine_does(s: PortfolioSnapshot) -> None:
    assert recorded_value(record_inputs(s)) == to_decimal(value_portfolio(s).total)


def test_the_record_keeps_positions_prices_cash_and_the_profile() -> None:
    record = record_inputs(demo_snapshot())
    brokerage = next(a for a in record.accounts if a.name == "Brokerage")
    assert brokerage.cash == Decimal("8400.50")
    held = {p.symbol: p for p in brokerage.positions}
    assert (held["AAPL"].quantity, held["AAPL"].price) == (Decimal("60"), Decimal("200"))
    assert held["AAPL"].price_as_of == date(2026, 1, 1)
    assert (held["NOPX"].price, held["NOPX"].price_as_of) == (None, None)  # no price: none kept
    assert record.profile.retirement_age == 65
    assert record.profile.annual_contribution == Decimal("12000")
    assert record.profile.asset_class_targets["equity"] == 60.0
    # It survives being stored as JSON and read back.
    assert AnalysisInputsRecord.model_validate_json(record.model_dump_json()) == record


# --------------------------------------------------------------------------- the parts add up

ACCOUNTS = [uuid.UUID(int=i) for i in (1, 2, 3)]
SYMBOLS = ["AAA", "BBB", "CCC", "DDD", "EEE"]
prices = st.one_of(
    st.none(), st.decimals(min_value="0", max_value="5000", places=6, allow_nan=False)
)
quantities = st.decimals(min_value="0.00000001", max_value="100000", places=8, allow_nan=False)
cash = st.decimals(min_value="0", max_value="1000000", places=4, allow_nan=False)


@st.composite
def records(draw: st.DrawFn, like: AnalysisInputsRecord | None = None) -> AnalysisInputsRecord:
    """A random record; `like` makes it a later one of the same portfolio, where each price,
    quantity and cash balance may have moved and positions and accounts may come and go."""
    earlier = {} if like is None else _held(like)
    old_prices = {p.symbol: p.price for a in (like.accounts if like else []) for p in a.positions}
    price_of = {
        s: old_prices[s] if s in old_prices and draw(st.booleans()) else draw(prices)
        for s in SYMBOLS
    }
    old_cash = {a.account_id: a.cash for a in (like.accounts if like else [])}
    accounts = []
    for account_id in ACCOUNTS:
        if not draw(st.booleans()) and not (account_id in old_cash and draw(st.booleans())):
            continue
        positions = []
        for s in SYMBOLS:
            before = earlier.get((account_id, s))
            if before is not None and draw(st.integers(0, 3)) > 0:  # mostly kept
                quantity = before if draw(st.booleans()) else draw(quantities)
            elif draw(st.integers(0, 2)) == 0:
                quantity = draw(quantities)
            else:
                continue
            positions.append(
                RecordedPosition(
                    symbol=s,
                    quantity=quantity,
                    price=price_of[s],
                    price_as_of=None if price_of[s] is None else date(2026, 12, 1),
                )
            )
        kept_cash = old_cash.get(account_id)
        accounts.append(
            RecordedAccount(
                account_id=account_id,
                name=f"Account {account_id.int}",
                cash=kept_cash if kept_cash is not None and draw(st.booleans()) else draw(cash),
                positions=positions,
            )
        )
    return AnalysisInputsRecord(
        valued_on=date(2026, 12, 1), accounts=accounts, profile=record_inputs_profile()
    )


def _held(record: AnalysisInputsRecord) -> dict[tuple[uuid.UUID, str], Decimal]:
    return {(a.account_id, p.symbol): p.quantity for a in record.accounts for p in a.positions}


@st.composite
def pairs(draw: st.DrawFn) -> tuple[AnalysisInputsRecord, AnalysisInputsRecord]:
    before = draw(records())
    return before, draw(records(like=before))


def record_inputs_profile() -> RecordedProfile:
    return record_inputs(demo_snapshot()).profile


def _figures_of(record: AnalysisInputsRecord) -> AnalysisFigures:
    return AnalysisFigures(total_value=recorded_value(record), inputs=record)


@settings(max_examples=300, deadline=None)
@given(pairs())
def test_the_parts_add_up_to_the_value_change_exactly(
    pair: tuple[AnalysisInputsRecord, AnalysisInputsRecord],
) -> None:
    before, after = pair
    c = compare(_figures_of(before), _figures_of(after))
    assert c.reasons_available
    assert c.value.change == recorded_value(after) - recorded_value(before)
    assert c.value.after - c.value.before == c.value.change
    assert parts(c) == c.value.change
    # Each part is the sum of the moves listed under it.
    a = c.attribution
    assert a is not None
    by_kind = {
        kind: sum((p.value_change for p in c.positions if p.change == kind), Decimal(0))
        for kind in ("added", "removed", "resized")
    }
    assert (a.new_positions, a.removed_positions, a.quantity_changes) == (
        by_kind["added"],
        by_kind["removed"],
        by_kind["resized"],
    )
    assert a.price_changes == sum((p.value_change for p in c.prices), Decimal(0))
    assert a.cash == sum((x.change for x in c.cash), Decimal(0))
    assert a.new_positions >= 0 >= a.removed_positions


@settings(max_examples=50, deadline=None)
@given(records())
def test_nothing_moves_when_nothing_changed(record: AnalysisInputsRecord) -> None:
    c = compare(_figures_of(record), _figures_of(record))
    assert c.value.change == 0
    assert (c.positions, c.prices, c.cash, c.profile, c.targets) == ([], [], [], [], [])


# --------------------------------------------------------------------------- what moved and why


def _changed_demo() -> PortfolioSnapshot:
    """The demo after a month: 10 more SPY, VNQ sold, $1,000 more cash and 20 VEA bought in
    the brokerage, GLD up from $200 to $210; saving $15,000 a year, retiring at 67 and aiming
    for 70 % equity."""
    instruments = {**UNIVERSE, "GLD": GLD.model_copy(update={"current_price": Decimal("210")})}
    return snapshot(
        account("Work 401k", "401k", "2500", {"SPY": 130, "VEA": 300, "AGG": 100}),
        account("Roth IRA", "roth_ira", "1200", {"VWO": 250, "AOR": 100}),
        account(
            "Brokerage",
            "taxable",
            "9400.50",
            {"AAPL": 60, "GLD": 10, "ARKK": 10.5, "NOPX": 5, "VEA": 20},
        ),
        instruments=instruments,
        annual_contribution=Decimal("15000"),
        years_until_retirement=27,
        asset_class_targets={"equity": 70.0, "fixed_income": 20.0, "cash": 10.0},
    )


def _moves(c: AnalysisComparison) -> list[tuple[Any, ...]]:
    return [
        (p.change, p.account_name, p.symbol, p.quantity_change, p.value_change) for p in c.positions
    ]


def test_each_move_is_named_with_what_it_did_to_the_value() -> None:
    before, after = demo_snapshot(), _changed_demo()
    c = compare(figures(before, success_pct=61.2), figures(after, success_pct=66.0))

    assert c.reasons_available
    assert c.value.before == to_decimal(value_portfolio(before).total)
    assert c.value.after == to_decimal(value_portfolio(after).total)
    assert _moves(c) == [
        ("resized", "Work 401k", "SPY", Decimal(10), Decimal("5000.00")),
        ("removed", "Roth IRA", "VNQ", Decimal(-40), Decimal("-3600.00")),
        ("added", "Brokerage", "VEA", Decimal(20), Decimal("1000.00")),
    ]
    assert c.positions[0].quantity_before == 120 and c.positions[0].quantity_after == 130
    assert c.positions[0].price == Decimal("500")  # the quantity change at the earlier price
    [gld] = c.prices
    assert (gld.symbol, gld.price_before, gld.price_after) == ("GLD", 200, 210)
    assert (gld.change_pct, gld.value_change) == (5.0, Decimal("100.00"))
    [brokerage_cash] = c.cash
    assert (brokerage_cash.account_name, brokerage_cash.change) == ("Brokerage", Decimal("1000.00"))
    a = c.attribution
    assert a is not None
    assert (a.new_positions, a.removed_positions, a.quantity_changes) == (1000, -3600, 5000)
    assert (a.price_changes, a.cash) == (100, 1000)
    assert c.value.change == parts(c) == Decimal("3500.00")

    profile = {p.field: (p.before, p.after) for p in c.profile}
    assert profile == {"retirement_age": (65, 67), "annual_contribution": (12000, 15000)}
    targets = {(t.dimension, t.key): (t.before_pct, t.after_pct, t.change_pp) for t in c.targets}
    assert targets == {
        ("asset_class", "equity"): (60, 70, 10),
        ("asset_class", "fixed_income"): (30, 20, -10),
    }
    assert (c.success.before, c.success.after, c.success.change) == (61.2, 66.0, 4.8)


def test_shares_and_drift_are_the_engines_own_in_points() -> None:
    before, after = demo_snapshot(), _changed_demo()
    c = compare(figures(before), figures(after))
    a0, a1 = analyse_portfolio(before), analyse_portfolio(after)

    shares = {s.key: (s.before_pct, s.after_pct, s.change_pp) for s in c.asset_class}
    for key, (b, a, change) in shares.items():
        assert (b, a) == (
            a0.allocation.asset_class.pct_of(key),
            a1.allocation.asset_class.pct_of(key),
        )
        assert change == round(a - b, 2)
    # The drift of each asset class reads as the drift engine measured it in each analysis,
    # although a target moved in between (a class the engine skips, with neither a share nor a
    # target, drifts by 0).
    d0 = {i.key: i.drift_pp for i in a0.drift.asset_class}
    d1 = {i.key: i.drift_pp for i in a1.drift.asset_class}
    assert {d.key for d in c.drift} == d0.keys() | d1.keys()
    assert {d.key: (d.before_pp, d.after_pp) for d in c.drift} == {
        k: (d0.get(k, 0.0), d1.get(k, 0.0)) for k in d0.keys() | d1.keys()
    }
    real_estate = next(d for d in c.drift if d.key == "real_estate")  # VNQ was sold
    assert real_estate.before_pp > 0 == real_estate.after_pp
    equity = next(d for d in c.drift if d.key == "equity")
    assert (equity.target_before_pct, equity.target_after_pct) == (60, 70)
    assert equity.change_pp == round(equity.after_pp - equity.before_pp, 2)
    assert c.max_drift.before == a0.drift.max_abs_drift_pp
    assert c.max_drift.after == a1.drift.max_abs_drift_pp


def test_an_older_analysis_without_its_inputs_compares_what_it_stored() -> None:
    after = figures(_changed_demo(), success_pct=66.0)
    old = AnalysisFigures(
        total_value=Decimal("302895.5"),
        asset_class_pct={"equity": 80.09, "fixed_income": 10.95, "cash": 4.0},
        max_drift_pp=18.79,
        success_pct=56.69,
        sustainable_income=43330.3,
        retirement_age=65,
        target_retirement_income=85000.0,
        annual_contribution=12000.0,
    )
    c = compare(old, after)

    assert not c.reasons_available and c.attribution is None
    assert (c.positions, c.prices, c.cash, c.targets, c.drift) == ([], [], [], [], [])
    assert c.value.before == Decimal("302895.50")
    assert c.value.change == c.value.after - Decimal("302895.50")
    assert c.success.change == round(66.0 - 56.69, 2)
    assert c.sustainable_income.change is None  # not known for the newer one here
    assert c.max_drift.change is not None
    # Profile figures the old analysis stored are still compared.
    assert {p.field: (p.before, p.after) for p in c.profile} == {
        "retirement_age": (65, 67),
        "annual_contribution": (12000, 15000),
        "target_retirement_income": (85000, 60000),
    }
    keys = [s.key for s in c.asset_class]
    assert keys == [k for k in ASSET_CLASSES if k in keys]  # in the vocabulary's order
    assert {"equity", "fixed_income", "cash", "commodities"} <= set(keys)


def test_a_position_that_gains_or_loses_its_price_moves_the_value_by_the_price() -> None:
    priced = snapshot(account("A", "taxable", "0", {"SPY": 2, "NOPX": 3}))
    gained = {**UNIVERSE, "NOPX": instrument("NOPX", "7")}
    now_priced = snapshot(account("A", "taxable", "0", {"SPY": 2, "NOPX": 3}), instruments=gained)
    c = compare(figures(priced), figures(now_priced))
    [nopx] = c.prices
    assert (nopx.price_before, nopx.price_after, nopx.change_pct) == (None, 7, None)
    assert nopx.value_change == Decimal("21.00") == c.value.change
    back = compare(figures(now_priced), figures(priced))
    assert back.prices[0].value_change == Decimal("-21.00") == back.value.change
