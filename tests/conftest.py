"""Shared fixtures: a migrated database on SQLite and on the PostgreSQL at 127.0.0.1:5432.

Each test session (each xdist worker) gets its own throwaway PostgreSQL database, migrated
once and truncated between tests. If PostgreSQL is unreachable the Postgres-backed tests skip
with a loud reason, unless ALEX_REQUIRE_POSTGRES=1 (set by CI), in which case they fail."""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.pop("OPENAI_API_KEY", None)

from alex.core.config import get_settings
from alex.db.migrate import upgrade
from alex.db.models import Base
from alex.db.session import make_engine, session_factory

POSTGRES_ADMIN_URL = os.environ.get(
    "ALEX_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("ALEX_REQUIRE_POSTGRES") == "1"
_KEPT_ENV = {"ALEX_REQUIRE_POSTGRES", "ALEX_TEST_POSTGRES_URL"}


@pytest.fixture(autouse=True)
def _isolated_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads the developer's .env or var/ directory."""
    for key in list(os.environ):
        if key.startswith("ALEX_") and key not in {
            "ALEX_REQUIRE_POSTGRES",
            "ALEX_TEST_POSTGRES_URL",
        }:
            monkeypatch.delenv(key)
    monkeypatch.setenv("ALEX_VAR_DIR", str(tmp_path_factory.mktemp("var")))
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    """A CLI test configures logging onto the runner's stream, which closes when it returns;
    later tests in the same process would then log into a closed file. Put the root logger
    back as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL at {POSTGRES_ADMIN_URL} unavailable: {reason}"
    if REQUIRE_POSTGRES:
        pytest.fail(message + " (ALEX_REQUIRE_POSTGRES=1, so this is an error)")
    pytest.skip("!!! SKIPPING POSTGRES TESTS !!! " + message)


@contextmanager
def throwaway_database(suffix: str = "") -> Iterator[str]:
    """A new, empty database on the PostgreSQL server, dropped after the block; yields its
    name. Skips (or fails, under ALEX_REQUIRE_POSTGRES=1) when the server is unreachable."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"alex_test_{uuid.uuid4().hex[:12]}{suffix}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _postgres_unavailable(str(exc).splitlines()[0])
    try:
        yield name
    finally:
        _drop_database(admin, name)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test session, dropped afterwards."""
    with throwaway_database() as name:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def _migrated_postgres(postgres_url: str) -> Iterator[Engine]:
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "alex.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("_migrated_postgres")
    _truncate_all(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An engine on the test database, also installed as the app-wide default."""
    monkeypatch.setenv("ALEX_DATABASE_URL", db_url)
    get_settings.cache_clear()
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """State plainly whether the PostgreSQL-backed tests ran: CI must show they did."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when in ("call", "setup") and "postgres" in getattr(report, "keywords", {}):
                if outcome == "passed" and report.when != "call":
                    continue
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items())) or "none collected"
    terminalreporter.write_line(f"PostgreSQL-backed tests: {summary}")
