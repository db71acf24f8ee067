"""`/ready` says what is wrong with the database, and `alex serve` refuses to start on one
that cannot serve requests (the embedded SQLite default it migrates itself). SQLite and
PostgreSQL: the schema version is moved by hand in `alembic_version` and put back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from alex.api.app import create_app
from alex.api.routes.health import _scripts, database_status, migration_heads
from alex.api.server import StartupError, check_database
from alex.cli import app as cli
from alex.core.config import Settings, get_settings
from alex.db.session import make_engine


def _ready(engine: Engine, tmp_path: Path) -> tuple[int, dict[str, object]]:
    settings = Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        var_dir=tmp_path / "var",
        local_workers=0,
        frontend_dir=tmp_path / "none",
    )
    with TestClient(create_app(settings, engine=engine, start_workers=False)) as client:
        response = client.get("/ready")
    return response.status_code, response.json()


@contextmanager
def _schema_version(engine: Engine, *versions: str) -> Iterator[None]:
    (head,) = migration_heads()
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        for version in versions:
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": version})
    try:
        yield
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


def test_ready_at_head(engine: Engine, tmp_path: Path) -> None:
    assert _ready(engine, tmp_path) == (
        200,
        {"status": "ready", "database": True, "migrations_at_head": True, "detail": None},
    )


def test_behind_names_both_revisions(engine: Engine, tmp_path: Path) -> None:
    (head,) = migration_heads()
    previous = _scripts().get_revision(head).down_revision
    assert isinstance(previous, str)
    with _schema_version(engine, previous):
        status, body = _ready(engine, tmp_path)
    assert status == 503
    assert body["database"] is True and body["migrations_at_head"] is False
    assert body["detail"] == (
        f"the database is at revision {previous} and this version needs {head}: "
        "run `alex db upgrade`"
    )


def test_never_migrated_and_unknown_revisions(engine: Engine, tmp_path: Path) -> None:
    with _schema_version(engine):
        status, body = _ready(engine, tmp_path)
    assert status == 503
    assert "not been migrated" in str(body["detail"]) and "alex db upgrade" in str(body["detail"])
    with _schema_version(engine, "9999_from_the_future"):
        status, body = _ready(engine, tmp_path)
    assert status == 503
    assert "9999_from_the_future" in str(body["detail"])
    assert "does not know" in str(body["detail"])


def test_unreachable_database(tmp_path: Path) -> None:
    # Port 1 on this machine: refused at once, no network involved.
    engine = make_engine("postgresql+psycopg://alex:pw@127.0.0.1:1/alex")
    status, body = _ready(engine, tmp_path)
    assert status == 503
    assert body == {
        "status": "not_ready",
        "database": False,
        "migrations_at_head": False,
        "detail": "cannot connect to the database",
    }
    engine.dispose()


def test_missing_sqlite_file_is_reported_not_created(tmp_path: Path) -> None:
    path = tmp_path / "db" / "absent.db"
    engine = make_engine(f"sqlite:///{path}")
    status = database_status(engine)
    assert (status.state, status.detail) == (
        "missing",
        "there is no database file: run `alex db upgrade`",
    )
    assert not status.reachable
    assert not path.exists()
    # The app's start-up opens (so creates) the file; /ready then says it is not migrated.
    code, body = _ready(engine, tmp_path)
    assert code == 503
    assert "not been migrated" in str(body["detail"])
    engine.dispose()


def test_serve_refuses_an_unmigrated_database_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "configured.db"
    monkeypatch.setenv("ALEX_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: cannot serve: sqlite:///{path}: there is no database file: "
        f"run `alex db upgrade` (looked for {path})"
    ]
    assert not path.exists()  # a configured database is the operator's to create


def test_serve_refuses_a_database_behind_and_hides_its_password(engine: Engine) -> None:
    (head,) = migration_heads()
    previous = _scripts().get_revision(head).down_revision
    assert isinstance(previous, str)
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    with _schema_version(engine, previous), pytest.raises(StartupError) as caught:
        check_database(settings)
    message = str(caught.value)
    assert f"is at revision {previous} and this version needs {head}" in message
    if engine.url.password:
        assert engine.url.password not in message


def test_serve_migrates_the_embedded_default(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path / "var")  # no ALEX_DATABASE_URL: Alex's own file
    engine = make_engine(settings.resolved_database_url)
    assert database_status(engine).state == "missing"
    check_database(settings)
    assert database_status(engine).ready
    check_database(settings)  # at head: nothing to do, still fine
    engine.dispose()
