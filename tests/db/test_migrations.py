"""Alembic history applies and reverts cleanly on both databases and matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from alex.db.migrate import downgrade, upgrade
from alex.db.models import Base

EXPECTED_TABLES = {
    "users",
    "local_credentials",
    "instruments",
    "accounts",
    "positions",
    "jobs",
    "job_events",
}


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
