from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alex.core.config import get_settings
from alex.core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailedError
from alex.db import repository as repo
from alex.db.models import Instrument, Position, Price
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.schemas import (
    AccountCreate,
    InstrumentClassification,
    InstrumentCreate,
    JobEventCreate,
    PositionCreate,
    UserCreate,
    UserUpdate,
)


def _user_with_account(session: Session, user_id: str = "u1") -> uuid.UUID:
    repo.create_user(session, UserCreate(id=user_id))
    account = repo.create_account(
        session, user_id, AccountCreate(account_name="IRA", account_type="roth_ira")
    )
    session.commit()
    return account.id


def test_money_round_trips_exactly(session: Session) -> None:
    account_id = _user_with_account(session)
    account = repo.get_owned_account(session, "u1", account_id)
    account.cash_balance = Decimal("12345678.9123")
    repo.add_position(
        session, account, PositionCreate(symbol="VOO", quantity=Decimal("0.12345678"))
    )
    session.commit()
    session.expire_all()
    reloaded = repo.get_owned_account(session, "u1", account_id)
    assert reloaded.cash_balance == Decimal("12345678.9123")
    assert reloaded.positions[0].quantity == Decimal("0.12345678")


def test_unknown_symbol_creates_unclassified_instrument(session: Session) -> None:
    account_id = _user_with_account(session)
    account = repo.get_owned_account(session, "u1", account_id)
    repo.add_position(session, account, PositionCreate(symbol="zzzz", quantity=Decimal(3)))
    session.commit()
    instrument = session.get(Instrument, "ZZZZ")
    assert instrument is not None
    assert instrument.current_price is None
    assert instrument.instrument_type is None
    assert not repo.is_classified(instrument)


def test_duplicate_symbol_in_account_is_a_conflict_and_changes_nothing(session: Session) -> None:
    account_id = _user_with_account(session)
    account = repo.get_owned_account(session, "u1", account_id)
    repo.add_position(session, account, PositionCreate(symbol="SPY", quantity=Decimal(1)))
    session.commit()
    with pytest.raises(ConflictError) as err:
        repo.add_position(session, account, PositionCreate(symbol="SPY", quantity=Decimal(2)))
    assert err.value.field == "symbol"
    session.rollback()
    quantities = session.scalars(select(Position.quantity)).all()
    assert quantities == [Decimal(1)]


def test_ownership_checks(session: Session) -> None:
    account_id = _user_with_account(session, "alice")
    repo.create_user(session, UserCreate(id="bob"))
    with pytest.raises(ForbiddenError):
        repo.get_owned_account(session, "bob", account_id)
    with pytest.raises(NotFoundError):
        repo.get_owned_account(session, "alice", uuid.uuid4())
    job = repo.create_job(session, "alice", "portfolio_analysis")
    with pytest.raises(ForbiddenError):
        repo.get_owned_job(session, "bob", job.id)


def test_deleting_account_cascades_positions(session: Session) -> None:
    account_id = _user_with_account(session)
    account = repo.get_owned_account(session, "u1", account_id)
    repo.add_position(session, account, PositionCreate(symbol="SPY", quantity=Decimal(1)))
    session.commit()
    repo.delete_account(session, account)
    session.commit()
    assert session.scalars(select(Position)).all() == []


def test_deleting_user_removes_everything_they_own(session: Session) -> None:
    account_id = _user_with_account(session)
    account = repo.get_owned_account(session, "u1", account_id)
    repo.add_position(session, account, PositionCreate(symbol="SPY", quantity=Decimal(1)))
    job_id = repo.create_job(session, "u1", "portfolio_analysis").id
    repo.append_event(session, job_id, JobEventCreate(agent="planner", kind="started", message="x"))
    session.commit()
    repo.delete_user(session, "u1")
    session.commit()
    session.expire_all()
    assert repo.get_user(session, "u1") is None
    assert session.scalars(select(Position)).all() == []
    assert repo.get_job(session, job_id) is None


def test_update_user_validated_targets(session: Session) -> None:
    repo.create_user(session, UserCreate(id="u1"))
    user = repo.require_user(session, "u1")
    repo.update_user(
        session,
        user,
        UserUpdate(current_age=50, asset_class_targets={"equity": 60, "fixed_income": 40}),
    )
    session.commit()
    session.expire_all()
    reloaded = repo.require_user(session, "u1")
    assert reloaded.current_age == 50
    assert reloaded.asset_class_targets == {"equity": 60, "fixed_income": 40}


def test_events_get_consecutive_sequence_numbers(session: Session) -> None:
    repo.create_user(session, UserCreate(id="u1"))
    job = repo.create_job(session, "u1", "portfolio_analysis")
    for kind in ("started", "tool", "completed"):
        repo.append_event(
            session, job.id, JobEventCreate(agent="reporter", kind=kind, message=kind)
        )
    session.commit()
    events = repo.list_events(session, job.id)
    assert [e.seq for e in events] == [1, 2, 3]
    assert [e.seq for e in repo.list_events(session, job.id, after=2)] == [3]


NEWX = InstrumentClassification(
    name="New X Fund",
    instrument_type="etf",
    allocation_asset_class={"equity": 100},
    allocation_regions={"europe": 100},
    allocation_sectors={"technology": 60, "healthcare": 40},
)


def test_tagger_classification_of_reference_data_is_shared(session: Session) -> None:
    repo.create_user(session, UserCreate(id="u1"))
    repo.upsert_instrument(
        session,
        InstrumentCreate(symbol="NEWX", name="New X", instrument_type="etf", origin="fund_list"),
    )
    repo.store_tagger_classification(session, "u1", "NEWX", NEWX)
    session.commit()
    session.expire_all()
    stored = repo.require_instrument(session, "newx")
    assert stored.allocation_sectors == {"technology": 60, "healthcare": 40}
    assert stored.classification_source == "tagger"


def test_user_classification_is_an_overlay_for_that_user_only(session: Session) -> None:
    for user_id in ("u1", "u2"):
        repo.create_user(session, UserCreate(id=user_id))
    stub = repo.ensure_instrument(session, "NEWX", "u1")
    assert stub.origin == "user" and stub.name == "NEWX"
    repo.classify_for_user(session, "u1", "NEWX", NEWX)
    # The tagger cannot publish a private symbol either: its answer stays with the job's user.
    repo.store_tagger_classification(session, "u2", "NEWX", NEWX)
    session.commit()
    session.expire_all()
    shared = repo.require_instrument(session, "NEWX")
    assert shared.allocation_asset_class is None and shared.classification_source is None
    mine = repo.effective_instruments(session, "u1", ["NEWX"])["NEWX"]
    assert mine.name == "New X Fund" and mine.classification_source == "user"
    assert mine.allocation_regions == {"europe": 100}
    with pytest.raises(ValueError, match="overlay"):
        repo.classify_instrument(session, shared, NEWX, "user")


def test_private_symbols_are_limited_per_user(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALEX_MAX_PRIVATE_SYMBOLS", "2")
    get_settings.cache_clear()
    user = repo.create_user(session, UserCreate(id="u1"))
    account = repo.create_account(
        session, user.id, AccountCreate(account_name="A", account_type="taxable")
    )
    for symbol in ("ZZA", "ZZB"):
        repo.add_position(session, account, PositionCreate(symbol=symbol, quantity=Decimal(1)))
    with pytest.raises(ValidationFailedError, match="limit") as caught:
        repo.add_position(session, account, PositionCreate(symbol="ZZC", quantity=Decimal(1)))
    assert caught.value.field == "symbol"
    assert repo.get_instrument(session, "ZZC") is None


def test_deleting_the_last_holding_removes_a_private_symbol(session: Session) -> None:
    user = repo.create_user(session, UserCreate(id="u1"))
    account = repo.create_account(
        session, user.id, AccountCreate(account_name="A", account_type="taxable")
    )
    position = repo.add_position(
        session, account, PositionCreate(symbol="ZZA", quantity=Decimal(1))
    )
    repo.set_user_price(session, "u1", "ZZA", Decimal("12.5"), date(2026, 11, 30))
    repo.classify_for_user(session, "u1", "ZZA", NEWX)
    session.commit()
    repo.delete_position(session, position)
    session.commit()
    assert repo.get_instrument(session, "ZZA") is None
    assert repo.price_history(session, "u1", "ZZA") == []


def test_effective_price_is_the_latest_of_shared_and_own(session: Session) -> None:
    repo.create_user(session, UserCreate(id="u1"))
    repo.create_user(session, UserCreate(id="u2"))
    repo.upsert_instrument(
        session, InstrumentCreate(symbol="VTI", name="Vanguard Total Stock", instrument_type="etf")
    )
    repo.record_price(session, "VTI", Decimal("300"), date(2026, 11, 20), "seed")
    repo.set_user_price(session, "u1", "VTI", Decimal("310"), date(2026, 11, 25))
    views = {u: repo.effective_instruments(session, u, ["VTI"])["VTI"] for u in ("u1", "u2")}
    assert (views["u1"].current_price, views["u1"].price_source) == (Decimal("310"), "user")
    assert (views["u2"].current_price, views["u2"].price_source) == (Decimal("300"), "seed")
    # A newer shared price wins over the user's older one; an older one never replaces it.
    repo.record_price(session, "VTI", Decimal("320"), date(2026, 11, 28), "polygon")
    repo.record_price(session, "VTI", Decimal("1"), date(2026, 11, 1), "polygon")
    view = repo.effective_instruments(session, "u1", ["VTI"])["VTI"]
    assert (view.current_price, view.price_as_of) == (Decimal("320"), date(2026, 11, 28))
    history = repo.price_history(session, "u2", "VTI")
    assert [(p.as_of.day, p.source) for p in history] == [
        (28, "polygon"),
        (20, "seed"),
        (1, "polygon"),
    ]
    # The same day and source again updates in place instead of adding history.
    repo.record_price(session, "VTI", Decimal("321"), date(2026, 11, 28), "polygon")
    assert len(repo.price_history(session, "u2", "VTI")) == 3
    repo.mark_price_error(session, "VTI", "HTTP 500")
    stored = repo.require_instrument(session, "VTI")
    assert stored.current_price == Decimal("321") and stored.price_error == "HTTP 500"


def test_search_instruments_prefers_symbol_prefix(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        symbols = [i.symbol for i in repo.search_instruments(session, "nobody", "v")]
        starts = [s.startswith("V") for s in symbols]
        assert starts == sorted(starts, reverse=True), symbols
        assert {"VEA", "VNQ", "VWO"} <= set(symbols)
        assert repo.search_instruments(session, "nobody", "spy")[0].symbol == "SPY"
        by_name = [i.symbol for i in repo.search_instruments(session, "nobody", "gold")]
        # Symbols starting with GOLD first, then names (Goldman…, then SPDR Gold Shares).
        assert by_name[0].startswith("GOLD") and "GLD" in by_name, by_name


def test_load_portfolio_uses_a_bounded_number_of_queries(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        user = repo.create_user(session, UserCreate(id="big"))
        for n in range(6):
            account = repo.create_account(
                session, user.id, AccountCreate(account_name=f"A{n}", account_type="taxable")
            )
            for symbol in ("SPY", "AGG", "VEA", "VWO", "GLD"):
                repo.add_position(session, account, PositionCreate(symbol=symbol, quantity=1))

    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(engine) as session:
            snapshot = repo.load_portfolio(session, "big")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(snapshot.accounts) == 6
    assert sum(len(a.positions) for a in snapshot.accounts) == 30
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # user, accounts, positions, then the instruments, the user's overlays and own prices.
    assert len(selects) <= 6, selects


def test_a_price_day_is_stored_once_per_owner_and_source(session: Session) -> None:
    """The expression index treats the shared owner (NULL) as one owner, so two refreshes that
    race cannot both add the same day; a user's own price of that day is a separate row."""
    repo.create_user(session, UserCreate(id="u1"))
    repo.upsert_instrument(
        session, InstrumentCreate(symbol="VTI", name="Vanguard Total Stock", instrument_type="etf")
    )
    day = date(2026, 11, 30)
    repo.record_price(session, "VTI", Decimal("300"), day, "polygon")
    repo.set_user_price(session, "u1", "VTI", Decimal("301"), day)
    session.commit()
    session.add(
        Price(symbol="VTI", user_id=None, price=Decimal("302"), as_of=day, source="polygon")
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert len(repo.price_history(session, "u1", "VTI")) == 2


def test_another_users_private_symbol_counts_against_my_limit(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the limit, adding someone else's private symbol is refused exactly like adding an
    unknown one: the answer must not reveal that it exists."""
    monkeypatch.setenv("ALEX_MAX_PRIVATE_SYMBOLS", "1")
    get_settings.cache_clear()
    accounts = {}
    for user_id in ("alice", "bob"):
        user = repo.create_user(session, UserCreate(id=user_id))
        accounts[user_id] = repo.create_account(
            session, user.id, AccountCreate(account_name="A", account_type="taxable")
        )
    repo.add_position(session, accounts["alice"], PositionCreate(symbol="SECRETX", quantity=1))
    repo.add_position(session, accounts["bob"], PositionCreate(symbol="BOBS", quantity=1))
    messages = []
    for symbol in ("NOSUCHQ", "SECRETX"):
        with pytest.raises(ValidationFailedError) as caught:
            repo.add_position(session, accounts["bob"], PositionCreate(symbol=symbol, quantity=1))
        messages.append(caught.value.message.replace(symbol, "S"))
    assert messages[0] == messages[1]
    # Holding it already, a second account of the same user may add it freely.
    second = repo.create_account(
        session, "alice", AccountCreate(account_name="B", account_type="roth_ira")
    )
    repo.add_position(session, second, PositionCreate(symbol="SECRETX", quantity=2))


def test_seed_prices_never_win_over_real_ones(session: Session) -> None:
    repo.create_user(session, UserCreate(id="u1"))
    repo.upsert_instrument(
        session, InstrumentCreate(symbol="VTI", name="Vanguard Total Stock", instrument_type="etf")
    )
    repo.record_price(session, "VTI", Decimal("335"), date(2026, 11, 20), "seed")
    # The user's broker file is older than the seed's approximation: it is real, so it counts.
    repo.set_user_price(session, "u1", "VTI", Decimal("310.42"), date(2026, 11, 18))
    view = repo.effective_instruments(session, "u1", ["VTI"])["VTI"]
    assert (view.current_price, view.price_source) == (Decimal("310.42"), "user")
    # A provider's close older than the seed date replaces the seed price for everyone...
    repo.record_price(session, "VTI", Decimal("312"), date(2026, 11, 17), "polygon")
    shared = repo.require_instrument(session, "VTI")
    assert (shared.current_price, shared.price_source) == (Decimal("312"), "polygon")
    # ...and a later seed never replaces a real price.
    repo.record_price(session, "VTI", Decimal("999"), date(2026, 11, 25), "seed")
    assert repo.require_instrument(session, "VTI").current_price == Decimal("312")


def test_selling_a_private_symbol_someone_else_holds_drops_my_view_of_it(
    session: Session,
) -> None:
    positions = {}
    for user_id in ("alice", "bob"):
        user = repo.create_user(session, UserCreate(id=user_id))
        account = repo.create_account(
            session, user.id, AccountCreate(account_name="A", account_type="taxable")
        )
        positions[user_id] = repo.add_position(
            session, account, PositionCreate(symbol="ZZA", quantity=1)
        )
        repo.classify_for_user(session, user_id, "ZZA", NEWX)
        repo.set_user_price(session, user_id, "ZZA", Decimal(5), date(2026, 11, 30))
    session.commit()
    repo.delete_position(session, positions["bob"])
    session.commit()
    assert [o.symbol for o in repo.user_overlays(session, "bob")] == []
    assert repo.user_prices(session, "bob") == []
    assert [o.symbol for o in repo.user_overlays(session, "alice")] == ["ZZA"]
    assert len(repo.user_prices(session, "alice")) == 1
    assert repo.get_instrument(session, "ZZA") is not None


def test_a_completed_job_larger_than_a_data_api_row_reads_back(engine: Engine) -> None:
    """Four sections of ~30 KB each: 120 KB in one row would pass the RDS Data API's 64 KB
    limit per result row, so the payloads load one column at a time."""
    sections = ("report_payload", "charts_payload", "retirement_payload", "summary_payload")
    big = {field: {"text": field[0] * 30_000} for field in sections}
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="u1"))
        job = repo.create_job(session, "u1", "portfolio_analysis")
        for field, payload in big.items():
            repo.store_job_section(session, job, field, payload)
        repo.complete_job(session, job)
        job_id = job.id
    with session_scope(engine) as session:
        held = repo.lock_job(session, job_id, None)
        assert held.status == "completed"
        listed = repo.list_jobs(session, "u1")
        assert [j.id for j in listed] == [job_id]
        loaded = repo.get_owned_job(session, "u1", job_id)
        assert {field: getattr(loaded, field) for field in sections} == big
