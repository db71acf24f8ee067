"""The shipped reference universe (fund list, S&P 500), its bulk loader, and symbol search."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alex.db import repository as repo
from alex.db.models import Instrument, Price, User, UserInstrument
from alex.db.reference_data import (
    FUND_LIST_FILE,
    SP500_FILE,
    Sp500Entry,
    headquarters_region,
    read_fund_list,
    read_sp500,
    sp500_rows,
    upsert_instruments,
)
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.schemas import (
    AccountCreate,
    InstrumentClassification,
    PositionCreate,
    Symbol,
    UserCreate,
)

# --------------------------------------------------------------------------- the files


def _shipped_rows(name: str) -> list[dict[str, str]]:
    data = (resources.files("alex.db") / "reference" / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _valid_symbol(value: str) -> bool:
    try:
        TypeAdapter(Symbol).validate_python(value)
    except ValidationError:
        return False
    return True


def test_the_files_and_their_licence_notice_ship_inside_the_package() -> None:
    folder = resources.files("alex.db") / "reference"
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    assert "MIT License" in notice and "Copyright (c) 2023 Jeroen Bouma" in notice
    assert "Public Domain Dedication and License" in notice
    assert len(_shipped_rows(FUND_LIST_FILE)) > 33_000
    assert len(_shipped_rows(SP500_FILE)) > 500


def test_reading_skips_exactly_the_rows_that_are_not_tickers() -> None:
    raw = _shipped_rows(FUND_LIST_FILE)
    invalid = {r["symbol"] for r in raw if not _valid_symbol(r["symbol"])}
    fund_list = read_fund_list()
    assert invalid, "the snapshot has index values such as ^ARB-IV"
    assert len(fund_list.skipped) == len(invalid)
    assert all(any(s in line for s in invalid) for line in fund_list.skipped)
    assert {e.symbol for e in fund_list.entries} == {r["symbol"] for r in raw} - invalid


def test_every_sp500_row_maps_to_a_sector_and_a_region() -> None:
    sp500 = read_sp500()
    classified, unclassified = sp500_rows(sp500)
    assert len(sp500.entries) == len(_shipped_rows(SP500_FILE)) and not sp500.skipped
    assert unclassified == []
    assert len(classified) == len(sp500.entries)
    assert sp500.as_of == max(e.date_added for e in sp500.entries)


@pytest.mark.parametrize(
    ("headquarters", "region"),
    [
        ("Cupertino, California", "north_america"),
        ("West Falls Church, Virginia[2]", "north_america"),
        ("Washington, D.C.", "north_america"),
        ("Dublin, Ireland", "europe"),
        ("Warmley, Bristol, United Kingdom", "europe"),
        ("Hamilton, Bermuda", "north_america"),
        ("Vancouver, Canada", "north_america"),
        ("Singapore", None),
        ("none", None),
    ],
)
def test_headquarters_region(headquarters: str, region: str | None) -> None:
    entry = Sp500Entry.model_validate(
        {
            "Symbol": "TEST",
            "Security": "Test Co",
            "GICS Sector": "Industrials",
            "Headquarters Location": headquarters,
            "Date added": "2020-01-01",
        }
    )
    found = headquarters_region(entry)
    assert (found[0] if found else None) == region


# --------------------------------------------------------------------------- loading


def _instrument(session: Session, symbol: str) -> Instrument:
    return repo.require_instrument(session, symbol)


def test_seed_loads_the_whole_universe_by_origin(engine: Engine) -> None:
    counts = seed(engine)
    fund_symbols = {e.symbol for e in read_fund_list().entries}
    sp500_symbols = {e.symbol for e in read_sp500().entries}
    with session_scope(engine) as session:
        by_origin = {
            origin: count
            for origin, count in session.execute(
                select(Instrument.origin, func.count()).group_by(Instrument.origin)
            )
        }
        stored = set(session.scalars(select(Instrument.symbol)))
    assert counts.instruments > 33_000
    assert counts.skipped_reference_rows == len(read_fund_list().skipped)
    assert fund_symbols | sp500_symbols <= stored
    assert by_origin["sp500"] == len(sp500_symbols)
    assert by_origin["curated"] >= 80
    with session_scope(engine) as session:
        curated = set(
            session.scalars(select(Instrument.symbol).where(Instrument.origin == "curated"))
        )
    assert by_origin["fund_list"] == len(fund_symbols - curated - sp500_symbols)
    assert "user" not in by_origin


def test_reseeding_changes_nothing_and_adds_no_price_history(engine: Engine) -> None:
    first = seed(engine)

    def snapshot() -> tuple[Any, ...]:
        with session_scope(engine) as session:
            return (
                session.scalar(select(func.max(Instrument.updated_at))),
                session.scalar(select(func.count()).select_from(Price)),
                session.execute(
                    select(Price.symbol, Price.user_id, Price.as_of, Price.source)
                    .group_by(Price.symbol, Price.user_id, Price.as_of, Price.source)
                    .having(func.count() > 1)
                ).all(),
            )

    before = snapshot()
    second = seed(engine)
    after = snapshot()
    assert first == second
    # No row rewritten (the upsert skips unchanged rows), no history row added or duplicated.
    assert after == before
    assert after[2] == []


def test_sp500_stocks_are_classified_exactly_from_the_file(engine: Engine) -> None:
    seed(engine)
    expected = {
        # symbol: (GICS sector as our sector, region of its headquarters)
        "AAPL": ("technology", "north_america"),
        "MSFT": ("technology", "north_america"),
        "MMM": ("industrials", "north_america"),
        "JNJ": ("healthcare", "north_america"),
        "GOOGL": ("communication", "north_america"),
        "PLD": ("real_estate", "north_america"),
        "ACN": ("technology", "europe"),
        "ACGL": ("financials", "north_america"),
        "XYZ": ("financials", "north_america"),
    }
    with session_scope(engine) as session:
        for symbol, (sector, region) in expected.items():
            stock = _instrument(session, symbol)
            assert stock.origin == "sp500", symbol
            assert stock.instrument_type == "stock"
            assert stock.classification_source == "reference"
            assert stock.allocation_asset_class == {"equity": 100.0}
            assert stock.allocation_sectors == {sector: 100.0}, symbol
            assert stock.allocation_regions == {region: 100.0}, symbol
            assert stock.classified_as_of == read_sp500().as_of
            assert stock.classification_note and SP500_FILE in stock.classification_note
        mmm = _instrument(session, "MMM")
        assert mmm.name == "3M" and mmm.current_price is None  # the file has no prices
        assert "Saint Paul, Minnesota" in (mmm.classification_note or "")
        unclassified = session.scalar(
            select(func.count())
            .select_from(Instrument)
            .where(Instrument.origin == "sp500", Instrument.allocation_asset_class.is_(None))
        )
        assert unclassified == 0


def test_a_fund_only_in_the_fund_list_is_named_but_unclassified(engine: Engine) -> None:
    seed(engine)
    raw = {r["symbol"]: r for r in _shipped_rows(FUND_LIST_FILE)}
    with session_scope(engine) as session:
        for symbol in ("AAAAX", "AAA"):
            fund = _instrument(session, symbol)
            assert fund.origin == "fund_list"
            assert fund.name == raw[symbol]["name"]
            assert fund.instrument_type == raw[symbol]["instrument_type"]
            assert fund.allocation_asset_class is None and fund.allocation_sectors is None
            assert fund.classification_source is None and fund.current_price is None


def test_curated_funds_win_over_the_fund_list(engine: Engine) -> None:
    seed(engine)
    raw = {r["symbol"]: r for r in _shipped_rows(FUND_LIST_FILE)}
    with session_scope(engine) as session:
        for symbol in ("VTI", "VXUS", "FXAIX", "VTSAX", "VFIFX"):
            fund = _instrument(session, symbol)
            assert symbol in raw, "also in the fund list"
            assert fund.origin == "curated" and fund.classification_source == "seed"
            assert fund.classification_note and fund.classified_as_of is not None
            for breakdown in (
                fund.allocation_asset_class,
                fund.allocation_regions,
                fund.allocation_sectors,
            ):
                assert breakdown is not None
                assert abs(sum(breakdown.values()) - 100) <= 0.01, symbol
        assert _instrument(session, "VTI").name == "Vanguard Total Stock Market ETF"
        assert raw["VTI"]["name"] != "Vanguard Total Stock Market ETF"
        assert _instrument(session, "VFIFX").instrument_type == "mutual_fund"


def test_precedence_between_the_sources(engine: Engine) -> None:
    def row(name: str, **extra: Any) -> dict[str, Any]:
        return {"symbol": "ZZTOP", "name": name, "instrument_type": "etf", **extra}

    classified = {
        "allocation_asset_class": {"equity": 100.0},
        "allocation_regions": {"north_america": 100.0},
        "allocation_sectors": {"energy": 100.0},
        "classification_source": "reference",
    }
    steps: list[tuple[str, dict[str, Any], str, str]] = [
        ("fund_list", row("From the fund list"), "fund_list", "From the fund list"),
        ("sp500", row("From the S&P list", **classified), "sp500", "From the S&P list"),
        ("fund_list", row("Fund list again"), "sp500", "From the S&P list"),
        ("curated", row("Curated", **classified), "curated", "Curated"),
        ("sp500", row("S&P again", **classified), "curated", "Curated"),
        ("fund_list", row("Fund list once more"), "curated", "Curated"),
    ]
    for origin, data, want_origin, want_name in steps:
        with session_scope(engine) as session:
            upsert_instruments(session, [data], origin=origin)  # type: ignore[arg-type]
        with session_scope(engine) as session:
            stored = _instrument(session, "ZZTOP")
            assert (stored.origin, stored.name) == (want_origin, want_name), origin


def _user_with_positions(session: Session, user_id: str, *symbols: str) -> User:
    user = repo.create_user(session, UserCreate(id=user_id))
    account = repo.create_account(
        session, user.id, AccountCreate(account_name="Brokerage", account_type="taxable")
    )
    for symbol in symbols:
        repo.add_position(session, account, PositionCreate(symbol=symbol, quantity=Decimal(2)))
    return user


def test_a_private_symbol_becomes_shared_when_a_file_knows_it(engine: Engine) -> None:
    with session_scope(engine) as session:
        # Before any seed no shared source knows these: each becomes a bare private stub.
        _user_with_positions(session, "alice", "AAAAX", "MMM")
        repo.create_user(session, UserCreate(id="bob"))
    with session_scope(engine) as session:
        assert _instrument(session, "AAAAX").origin == "user"
        assert repo.search_instruments(session, "bob", "AAAAX") == []
        assert [i.symbol for i in repo.search_instruments(session, "alice", "AAAAX")] == ["AAAAX"]
    seed(engine)
    with session_scope(engine) as session:
        fund = _instrument(session, "AAAAX")
        assert fund.origin == "fund_list" and fund.name != "AAAAX"
        stock = _instrument(session, "MMM")
        assert stock.origin == "sp500" and stock.allocation_sectors == {"industrials": 100.0}
        assert [i.symbol for i in repo.search_instruments(session, "bob", "AAAAX")] == ["AAAAX"]
        assert repo.held_symbols(session, "alice") == ["AAAAX", "MMM"]


def test_reseeding_keeps_the_taggers_work_and_every_users_own_data(engine: Engine) -> None:
    seed(engine)
    tagged = InstrumentClassification(
        name="DWS RREEF Real Assets Fund - Class A",
        instrument_type="reit",
        allocation_asset_class={"real_estate": 60.0, "commodities": 40.0},
        allocation_regions={"north_america": 100.0},
        allocation_sectors={"real_estate": 60.0, "other": 40.0},
    )
    mine = InstrumentClassification(
        name="My name for it",
        instrument_type="bond_fund",
        allocation_asset_class={"fixed_income": 100.0},
        allocation_regions={"europe": 100.0},
        allocation_sectors={"corporate_bonds": 100.0},
    )
    with session_scope(engine) as session:
        _user_with_positions(session, "carol", "VTI", "AAA")
        repo.classify_instrument(session, _instrument(session, "AAAAX"), tagged, "tagger")
        repo.classify_for_user(session, "carol", "AAA", mine)
        repo.set_user_price(session, "carol", "VTI", Decimal("299.99"), date(2026, 11, 25))
        repo.record_price(session, "AAA", Decimal("25.10"), date(2026, 11, 28), "polygon")
    seed(engine)
    with session_scope(engine) as session:
        fund = _instrument(session, "AAAAX")
        assert fund.classification_source == "tagger" and fund.instrument_type == "reit"
        assert fund.allocation_asset_class == {"real_estate": 60.0, "commodities": 40.0}
        overlay = session.get(UserInstrument, ("carol", "AAA"))
        assert overlay is not None and overlay.name == "My name for it"
        assert overlay.allocation_regions == {"europe": 100.0}
        own = repo.user_latest_prices(session, "carol", ["VTI"])["VTI"]
        assert (own.price, own.as_of) == (Decimal("299.99"), date(2026, 11, 25))
        aaa = _instrument(session, "AAA")
        assert (aaa.current_price, aaa.price_source) == (Decimal("25.10"), "polygon")


# --------------------------------------------------------------------------- search


def _add(session: Session, symbol: str, name: str, *, classified: bool = False) -> None:
    extra: dict[str, Any] = {}
    if classified:
        extra = {
            "allocation_asset_class": {"equity": 100.0},
            "allocation_regions": {"north_america": 100.0},
            "allocation_sectors": {"technology": 100.0},
            "classification_source": "seed",
        }
    session.add(
        Instrument(symbol=symbol, name=name, instrument_type="etf", origin="fund_list", **extra)
    )


def _search(session: Session, query: str, user_id: str = "searcher", **kw: Any) -> list[str]:
    return [i.symbol for i in repo.search_instruments(session, user_id, query, **kw)]


def test_search_ranks_symbol_then_name_matches(engine: Engine) -> None:
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="searcher"))
        _add(session, "QABC", "Nothing to see")  # no match: 'ABC' is inside the symbol
        _add(session, "XYZ3", "FooABC Fund")  # name contains it
        _add(session, "XYZ2", "The ABC Income Fund")  # a whole word of the name
        _add(session, "XYZ9", "Income Fund of the Abc Trust")  # likewise
        _add(session, "XYZ1", "ABC Growth Fund")  # the name starts with it, a whole word
        _add(session, "XYZ5", "ABCorp Partners")  # the name starts with it, within a word
        _add(session, "XYZ6", "The ABCorp Fund")  # a word starts with it
        _add(session, "ABCDE", "Unrelated One", classified=True)  # a longer symbol prefix
        _add(session, "ABCD", "Unrelated Two")  # a symbol prefix
        _add(session, "ABCDF", "Unrelated Three")  # longer and unclassified
        _add(session, "ABC", "Zeta Holdings")  # the exact symbol
    with session_scope(engine) as session:
        assert _search(session, "abc") == [
            "ABC",
            "ABCD",
            "ABCDE",
            "ABCDF",
            "XYZ1",
            "XYZ2",
            "XYZ9",
            "XYZ5",
            "XYZ6",
            "XYZ3",
        ]
        assert _search(session, "  Abc  ") == _search(session, "ABC")
        # Every word starting a word of the name, in any order.
        assert _search(session, "income abc") == ["XYZ2", "XYZ9"]
        assert _search(session, "abc income") == ["XYZ2", "XYZ9"]
        assert _search(session, "fund abc") == ["XYZ1", "XYZ2", "XYZ6", "XYZ9"]
        assert _search(session, "abc", limit=3) == ["ABC", "ABCD", "ABCDE"]
        assert _search(session, "abc", limit=6) == ["ABC", "ABCD", "ABCDE", "ABCDF", "XYZ1", "XYZ2"]


def test_search_puts_classified_first_within_a_name_rank(engine: Engine) -> None:
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="searcher"))
        _add(session, "B1", "Gamma Fund")
        _add(session, "LONGER1", "Gamma Index Fund", classified=True)
        _add(session, "C22", "Gamma Bond Fund")
    with session_scope(engine) as session:
        assert _search(session, "gamma") == ["LONGER1", "B1", "C22"]
        assert _search(session, "gamma", unclassified_only=True) == ["B1", "C22"]


def test_search_treats_wildcards_as_characters(engine: Engine) -> None:
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="searcher"))
        _add(session, "PCT", "Fund 100% Stocks")
        _add(session, "UND", "Fund_X Trust")
        _add(session, "ABC", "Alpha Beta")
    with session_scope(engine) as session:
        assert _search(session, "%") == ["PCT"]
        assert _search(session, "_") == ["UND"]
        assert _search(session, "a_c") == []
        assert _search(session, "a%") == []


def test_search_shows_a_private_symbol_only_to_its_users(engine: Engine) -> None:
    with session_scope(engine) as session:
        _user_with_positions(session, "alice", "ZPRIVA")
        bob = repo.create_user(session, UserCreate(id="bob"))
        repo.create_user(session, UserCreate(id="carol"))
        _add(session, "ZPUBLIC", "Zpriv Public Fund")
        session.add(Instrument(symbol="ZPRIVB", name="ZPRIVB", origin="user"))
        session.flush()
        # Bob sold ZPRIVB but keeps his own classification of it.
        session.add(UserInstrument(user_id=bob.id, symbol="ZPRIVB", name="Bob's fund"))
    with session_scope(engine) as session:
        assert _search(session, "zpriv", "alice") == ["ZPRIVA", "ZPUBLIC"]
        assert _search(session, "zpriv", "bob") == ["ZPRIVB", "ZPUBLIC"]
        assert _search(session, "zpriv", "carol") == ["ZPUBLIC"]
        assert _search(session, "", "carol") == ["ZPUBLIC"]
        # Nothing typed: the user's own instruments first, then the first symbols.
        assert _search(session, "", "alice") == ["ZPRIVA", "ZPUBLIC"]
        assert _search(session, "", "bob", limit=1) == ["ZPRIVB"]
        assert _search(session, "zprivb", "alice") == []


def test_search_finds_the_real_universe_by_symbol_and_name(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="searcher"))
    with session_scope(engine) as session:
        assert _search(session, "vti")[0] == "VTI"
        assert _search(session, "fxaix") == ["FXAIX"]
        assert _search(session, "brk.b") == ["BRK.B"]
        assert _search(session, "apple")[0] == "AAPL"
        # A whole word before names merely starting with it: not a page of Goldman Sachs.
        gold = repo.search_instruments(session, "searcher", "gold")
        assert "GLD" in [i.symbol for i in gold[:3]]
        whole = [i.symbol.startswith("GOLD") or "GOLD" in i.name.upper().split() for i in gold]
        assert all(whole) and len(gold) == 20, [i.name for i in gold]
        assert _search(session, "vanguard 2050")[0] == "VFIFX"
        assert {"VTI", "VTSAX"} <= set(_search(session, "total stock")[:3])
        top = repo.search_instruments(session, "searcher", "s&p 500", limit=5)
        assert all(i.origin == "curated" for i in top), [i.symbol for i in top]
        # One letter: a page of symbols starting with it, the exact one first, shortest next.
        v = _search(session, "v")
        assert v[0] == "V" and all(s.startswith("V") for s in v) and len(v) == 20
        assert [len(s) for s in v] == sorted(len(s) for s in v)
        assert _search(session, "arkk", unclassified_only=True) == ["ARKK"]
        assert "VTI" not in _search(session, "vti", unclassified_only=True)
