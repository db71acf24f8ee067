"""Alembic history applies and reverts cleanly on both databases and matches the models."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, Table, Uuid, inspect

from alex.db import repository as repo
from alex.db.migrate import downgrade, upgrade
from alex.db.models import Base, include_object
from alex.db.session import session_scope
from alex.schemas import AccountCreate, InstrumentCreate, PositionCreate, UserCreate

EXPECTED_TABLES = {
    "users",
    "local_credentials",
    "instruments",
    "accounts",
    "positions",
    "jobs",
    "job_events",
    "prices",
    "user_instruments",
}


# Alembic cannot compare expression indexes (the prices owner/day index): it says so and skips.
@pytest.mark.filterwarnings("ignore:.*expression-based index:UserWarning")
@pytest.mark.filterwarnings("ignore:.*expression-based index")
def test_head_matches_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_downgrade_to_base_then_upgrade_again(db_url: str, engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES

    downgrade(db_url, "base")
    engine.dispose()
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()

    upgrade(db_url, "head")
    engine.dispose()
    assert set(inspect(engine).get_table_names()) >= EXPECTED_TABLES


def test_0003_moves_private_classifications_to_a_sole_holder_and_drops_contested_ones(
    db_url: str, engine: Engine
) -> None:
    """Before 0003 a user's classification sat on the shared row, author unrecorded. Upgrading
    clears the shared row; a sole holder keeps it as their overlay, while one held by several
    users (possibly written by the attacker among them) is dropped. Curated rows are marked and
    existing prices recorded."""
    downgrade(db_url, "0002")
    engine.dispose()
    meta = MetaData()
    # The UUID columns are declared so SQLAlchemy binds them as the models do (hex on SQLite).
    uuids = {"accounts": ("id",), "positions": ("id", "account_id")}
    tables = {
        name: Table(
            name,
            meta,
            *(Column(c, Uuid, primary_key=c == "id") for c in uuids.get(name, ())),
            autoload_with=engine,
        )
        for name in ("users", "accounts", "positions", "instruments")
    }
    now = datetime.now(UTC)
    stamps = {"created_at": now, "updated_at": now}
    classification = {
        "allocation_asset_class": {"cash": 100},
        "allocation_regions": {"other": 100},
        "allocation_sectors": {"cash": 100},
    }
    with engine.begin() as conn:
        for user_id in ("alice", "bob", "carol"):
            conn.execute(
                tables["users"]
                .insert()
                .values(
                    id=user_id,
                    display_name=user_id,
                    current_age=40,
                    years_until_retirement=25,
                    target_retirement_income="60000",
                    annual_contribution="10000",
                    asset_class_targets={"equity": 100},
                    region_targets={"north_america": 100},
                    **stamps,
                )
            )
        conn.execute(
            tables["instruments"].insert(),
            [
                {
                    "symbol": "SPY",
                    "name": "SPDR S&P 500",
                    "instrument_type": "etf",
                    "current_price": "680",
                    "price_as_of": date(2026, 11, 20),
                    "classification_source": "seed",
                    **classification,
                    **stamps,
                },
                *(
                    {
                        "symbol": symbol,
                        "name": name,
                        "instrument_type": "etf",
                        "current_price": None,
                        "price_as_of": None,
                        "classification_source": "user",
                        **classification,
                        **stamps,
                    }
                    for symbol, name in (
                        ("ZZQX", "[phish](https://evil.example)"),
                        ("ZZSOLO", "Alice's fund"),
                    )
                ),
            ],
        )
        holdings = {"alice": ("ZZQX", "ZZSOLO"), "bob": ("ZZQX",)}
        for user_id in ("alice", "bob"):
            account_id = uuid.uuid4()
            conn.execute(
                tables["accounts"]
                .insert()
                .values(
                    id=account_id,
                    user_id=user_id,
                    account_name="A",
                    account_type="taxable",
                    account_purpose="",
                    cash_balance="0",
                    cash_interest="0",
                    **stamps,
                )
            )
            for symbol in holdings[user_id]:
                conn.execute(
                    tables["positions"]
                    .insert()
                    .values(
                        id=uuid.uuid4(),
                        account_id=account_id,
                        symbol=symbol,
                        quantity="1",
                        as_of_date=date(2026, 11, 1),
                        **stamps,
                    )
                )

    upgrade(db_url, "head")
    engine.dispose()
    with session_scope(engine) as session:
        spy = repo.require_instrument(session, "SPY")
        assert (spy.origin, spy.price_source) == ("curated", "seed")
        assert [(p.price, p.source) for p in repo.price_history(session, "x", "SPY")] == [
            (Decimal("680"), "seed")
        ]
        shared = repo.require_instrument(session, "ZZQX")
        assert shared.origin == "user" and shared.name == "ZZQX"
        assert shared.allocation_asset_class is None and shared.classification_source is None
        for user_id in ("alice", "bob", "carol"):
            view = repo.effective_instruments(session, user_id, ["ZZQX"])["ZZQX"]
            assert not view.is_classified and view.name == "ZZQX", user_id
        solo = repo.effective_instruments(session, "alice", ["ZZSOLO"])["ZZSOLO"]
        assert solo.classification_source == "user" and solo.allocation_sectors == {"cash": 100}
        assert solo.name == "Alice's fund"
        assert not repo.effective_instruments(session, "bob", ["ZZSOLO"])["ZZSOLO"].is_classified


def test_downgrade_and_upgrade_with_data_in_every_table(db_url: str, engine: Engine) -> None:
    """Batch-mode table copies on SQLite must survive rows that reference the copied table."""
    with session_scope(engine) as session:
        user = repo.create_user(session, UserCreate(id="alice"))
        account = repo.create_account(
            session, user.id, AccountCreate(account_name="A", account_type="taxable")
        )
        repo.upsert_instrument(
            session, InstrumentCreate(symbol="VTI", name="Vanguard Total", instrument_type="etf")
        )
        repo.record_price(session, "VTI", Decimal("300"), date(2026, 11, 20), "seed")
        repo.add_position(session, account, PositionCreate(symbol="VTI", quantity=Decimal(2)))
        repo.add_position(session, account, PositionCreate(symbol="ZZQX", quantity=Decimal(1)))
        repo.set_user_price(session, "alice", "ZZQX", Decimal(5), date(2026, 11, 30))
    engine.dispose()
    downgrade(db_url, "0002")
    engine.dispose()
    assert "prices" not in inspect(engine).get_table_names()
    upgrade(db_url, "head")
    engine.dispose()
    with session_scope(engine) as session:
        snapshot = repo.load_portfolio(session, "alice")
        assert sorted(p.symbol for p in snapshot.accounts[0].positions) == ["VTI", "ZZQX"]
        assert snapshot.instruments["VTI"].current_price == Decimal("300")


def test_0004_counts_existing_users_as_having_completed_their_profile(
    db_url: str, engine: Engine
) -> None:
    """Users from before 0004 have been living with their figures as theirs: upgrading stamps
    them completed (with their last update). A user created afterwards starts incomplete, and
    downgrading drops the column again."""
    downgrade(db_url, "0003")
    engine.dispose()
    users = Table("users", MetaData(), autoload_with=engine)
    assert "profile_completed_at" not in users.c
    updated = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            users.insert().values(
                id="alice",
                display_name="Alice",
                current_age=52,
                years_until_retirement=13,
                target_retirement_income="80000",
                annual_contribution="20000",
                asset_class_targets={"equity": 100},
                region_targets={"north_america": 100},
                created_at=datetime(2026, 10, 1, tzinfo=UTC),
                updated_at=updated,
            )
        )

    upgrade(db_url, "head")
    engine.dispose()
    with session_scope(engine) as session:
        alice = repo.require_user(session, "alice")
        assert alice.profile_completed_at == updated
        assert repo.create_user(session, UserCreate(id="bob")).profile_completed_at is None

    downgrade(db_url, "0003")
    engine.dispose()
    assert "profile_completed_at" not in {c["name"] for c in inspect(engine).get_columns("users")}
    # Leave the schema at head: the next test on this PostgreSQL database truncates every table.
    upgrade(db_url, "head")
