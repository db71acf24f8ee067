from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from alex.db import repository as repo
from alex.db.models import Instrument, Price
from alex.db.seed import (
    SeedCounts,
    curated_instruments,
    ensure_demo_user,
    reset,
    seed,
    seed_instruments,
)
from alex.db.seed_data import (
    DEMO_USER_ID,
    PRICE_AS_OF,
    SEED_STOCK_PRICES,
    TARGET_RETIREMENT_STOCKS,
    Breakdown,
    blend,
    vanguard_target_retirement,
)
from alex.db.session import session_scope
from alex.schemas import InstrumentCreate

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
# The funds the issue names, ETF and mutual-fund share classes of the same portfolios.
MOST_HELD = [
    "VTI",
    "VOO",
    "VXUS",
    "VT",
    "BND",
    "BNDX",
    "SCHD",
    "VTSAX",
    "FXAIX",
    "VFIAX",
    "VTIAX",
    "VBTLX",
    "VFIFX",
]


def _sums_to_100(breakdown: dict[str, float]) -> bool:
    return abs(sum(breakdown.values()) - 100) <= 0.01


def test_seed_is_idempotent(engine: Engine) -> None:
    first = seed(engine)
    second = seed(engine)
    assert first == second
    assert first.demo_accounts == 3
    assert first.demo_positions >= 8
    assert first.classified_instruments >= len(curated_instruments()) + 500


def test_reset_with_demo_gives_same_counts_twice(engine: Engine) -> None:
    first = reset(engine, demo=True)
    second = reset(engine, demo=True)
    assert first == second
    assert isinstance(first, SeedCounts)


def test_reset_without_demo_has_no_demo_user(engine: Engine) -> None:
    counts = reset(engine, demo=False)
    assert counts.demo_accounts == 0
    assert counts.instruments > 33_000


def test_every_spec_etf_is_seeded_with_three_breakdowns(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        rows = {i.symbol: i for i in session.scalars(select(Instrument))}
        for symbol in SPEC_ETFS + MOST_HELD:
            instrument = rows[symbol]
            assert instrument.origin == "curated", symbol
            assert instrument.current_price is not None and instrument.current_price > 0
            for breakdown in (
                instrument.allocation_asset_class,
                instrument.allocation_regions,
                instrument.allocation_sectors,
            ):
                assert breakdown is not None
                assert _sums_to_100(breakdown), symbol


def test_the_curated_set_is_about_eighty_funds_each_sourced_and_valid() -> None:
    curated = curated_instruments()
    symbols = [c.symbol for c in curated]
    assert len(symbols) == len(set(symbols))
    assert len(curated) >= 80
    assert {c.instrument_type for c in curated} >= {"etf", "mutual_fund", "bond_fund", "reit"}
    assert set(MOST_HELD) <= set(symbols)
    for c in curated:
        assert c.classification_note and c.classified_as_of is not None
        # InstrumentCreate checks each breakdown's vocabulary and its sum to 100 ± 0.01.
        InstrumentCreate.model_validate(c.model_dump())


def test_money_market_funds_are_cash_and_target_date_funds_follow_the_glide_path() -> None:
    curated = {c.symbol: c for c in curated_instruments()}
    for symbol in ("VMFXX", "SPAXX", "SWVXX"):
        assert curated[symbol].allocation_asset_class == {"cash": 100.0}
    stocks = [
        (curated[s].allocation_asset_class or {}).get("equity")
        for s in ("VTHRX", "VTTHX", "VFORX", "VTIVX", "VFIFX", "VFFVX", "VTTSX", "VLXVX")
    ]
    assert stocks == list(TARGET_RETIREMENT_STOCKS.values())
    assert stocks == sorted(stocks), "later target dates hold more stock"


def test_blend_looks_through_and_keeps_exact_sums() -> None:
    a = Breakdown({"equity": 100.0}, {"north_america": 100.0}, {"technology": 100.0})
    b = Breakdown(
        {"fixed_income": 100.0}, {"europe": 100.0 / 3, "other": 200.0 / 3}, {"cash": 100.0}
    )
    mixed = blend((40, a), (60, b))
    assert mixed.asset_class == {"fixed_income": 60.0, "equity": 40.0}
    assert mixed.sectors == {"cash": 60.0, "technology": 40.0}
    assert mixed.regions == {"other": 40.0, "north_america": 40.0, "europe": 20.0}
    for stocks in (58.0, 66.0, 73.3):
        fund = vanguard_target_retirement(stocks)
        assert fund.asset_class["equity"] == pytest.approx(stocks)
        assert _sums_to_100(fund.regions) and _sums_to_100(fund.sectors)
    with pytest.raises(ValueError, match="sum to 100"):
        blend((40, a), (50, b))


def test_seed_prices_are_recorded_once_and_never_override_a_newer_price(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        first = session.scalar(select(func.count()).select_from(Price))
        repo.record_price(session, "VTI", Decimal("351.25"), date(2026, 12, 1), "polygon")
        repo.record_price(session, "VOO", Decimal("630.10"), PRICE_AS_OF, "tiingo")
    seed(engine)
    with session_scope(engine) as session:
        seed_rows = session.scalar(
            select(func.count()).select_from(Price).where(Price.source == "seed")
        )
        assert seed_rows == first == len(curated_instruments()) + len(SEED_STOCK_PRICES) + 1
        vti = repo.require_instrument(session, "VTI")
        assert (vti.current_price, vti.price_source) == (Decimal("351.25"), "polygon")
        # A provider's price of the seed's own date is not replaced by the approximate one.
        voo = repo.require_instrument(session, "VOO")
        assert (voo.current_price, voo.price_source) == (Decimal("630.10"), "tiingo")
        spy = repo.require_instrument(session, "SPY")
        assert (spy.price_as_of, spy.price_source) == (PRICE_AS_OF, "seed")


def test_seed_instruments_alone_is_enough_for_the_demo(engine: Engine) -> None:
    """The demo sign-in seeds only the curated set and the S&P 500 (the 33k-fund list is
    `alex db seed`'s): the demo's stocks are classified and every holding is priced."""
    with session_scope(engine) as session:
        seed_instruments(session)
        seed_instruments(session)
        ensure_demo_user(session)
    with session_scope(engine) as session:
        snapshot = repo.load_portfolio(session, DEMO_USER_ID)
    held = snapshot.instruments
    assert all(i.current_price is not None for i in held.values())
    assert held["AAPL"].classification_source == "reference"
    assert snapshot.unclassified_symbols == ["ARKK"]


def test_demo_portfolio_has_the_three_account_kinds_and_one_unclassified(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        snapshot = repo.load_portfolio(session, DEMO_USER_ID)
    assert sorted(a.account_type for a in snapshot.accounts) == ["401k", "roth_ira", "taxable"]
    assert snapshot.unclassified_symbols == ["ARKK"]
    assert snapshot.instruments["ARKK"].origin == "fund_list"
    fractional = [p for a in snapshot.accounts for p in a.positions if p.quantity % 1 != 0]
    assert fractional, "the demo should show fractional quantities"
