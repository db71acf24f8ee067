from __future__ import annotations

from sqlalchemy import Engine, select

from alex.db import repository as repo
from alex.db.models import Instrument
from alex.db.seed import SeedCounts, reset, seed
from alex.db.seed_data import DEMO_USER_ID
from alex.db.session import session_scope

SPEC_ETFS = [
    "SPY",
    "QQQ",
    "IWM",
    "VEA",
    "VWO",
    "EFA",
    "AGG",
    "BND",
    "TLT",
    "HYG",
    "XLK",
    "XLV",
    "XLF",
    "XLE",
    "VNQ",
    "GLD",
    "SLV",
    "AOR",
    "AOA",
    "VUG",
    "VTV",
    "VIG",
]


def test_seed_is_idempotent(engine: Engine) -> None:
    first = seed(engine)
    second = seed(engine)
    assert first == second
    assert first.demo_accounts == 3
    assert first.demo_positions >= 8
    assert first.classified_instruments >= 22


def test_reset_with_demo_gives_same_counts_twice(engine: Engine) -> None:
    first = reset(engine, demo=True)
    second = reset(engine, demo=True)
    assert first == second
    assert isinstance(first, SeedCounts)


def test_reset_without_demo_has_no_demo_user(engine: Engine) -> None:
    counts = reset(engine, demo=False)
    assert counts.demo_accounts == 0
    assert counts.instruments >= 22


def test_every_spec_etf_is_seeded_with_three_breakdowns(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        rows = {i.symbol: i for i in session.scalars(select(Instrument))}
        for symbol in SPEC_ETFS:
            instrument = rows[symbol]
            assert instrument.current_price is not None and instrument.current_price > 0
            for breakdown in (
                instrument.allocation_asset_class,
                instrument.allocation_regions,
                instrument.allocation_sectors,
            ):
                assert breakdown is not None
                assert abs(sum(breakdown.values()) - 100) <= 0.01, symbol


def test_demo_portfolio_has_the_three_account_kinds_and_one_unclassified(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        snapshot = repo.load_portfolio(session, DEMO_USER_ID)
    assert sorted(a.account_type for a in snapshot.accounts) == ["401k", "roth_ira", "taxable"]
    assert snapshot.unclassified_symbols == ["ARKK"]
    fractional = [p for a in snapshot.accounts for p in a.positions if p.quantity % 1 != 0]
    assert fractional, "the demo should show fractional quantities"
