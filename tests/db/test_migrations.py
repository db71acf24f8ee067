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
from alex.db.models import Base
from alex.db.session import session_scope

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
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
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


def test_0003_moves_private_classifications_into_each_holders_overlay(
    db_url: str, engine: Engine
) -> None:
    """Before 0003 a user's classification sat on the shared row; upgrading gives each holder
    their own copy, clears the shared row, marks curated rows and records existing prices."""
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
                {
                    "symbol": "ZZQX",
                    "name": "[phish](https://evil.example)",
                    "instrument_type": "etf",
                    "current_price": None,
                    "price_as_of": None,
                    "classification_source": "user",
                    **classification,
                    **stamps,
                },
            ],
        )
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
            conn.execute(
                tables["positions"]
                .insert()
                .values(
                    id=uuid.uuid4(),
                    account_id=account_id,
                    symbol="ZZQX",
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
        for holder in ("alice", "bob"):
            view = repo.effective_instruments(session, holder, ["ZZQX"])["ZZQX"]
            assert view.classification_source == "user" and view.allocation_sectors == {"cash": 100}
        carol = repo.effective_instruments(session, "carol", ["ZZQX"])["ZZQX"]
        assert not carol.is_classified
