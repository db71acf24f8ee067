"""The database suites run a third time through the RDS Data API: `db_url` gains a `dataapi`
param, a `postgresql+dataapi://` URL whose requests go to the Data API stand-in
(tests/standins/rds_data.py), which runs them on the PostgreSQL at 127.0.0.1:5432.

Each test session (each xdist worker) starts one stand-in and one throwaway database for it,
migrated through the Data API itself; every test gets it empty. Like the PostgreSQL param, the
`dataapi` param needs that server: it skips loudly without it, or fails under
ALEX_REQUIRE_POSTGRES=1. boto3 signs with dummy credentials and never leaves 127.0.0.1."""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy.exc
from alembic.script import ScriptDirectory
from sqlalchemy import URL, Engine, make_url, text

from alex.db.migrate import alembic_config, upgrade
from alex.db.session import make_engine
from tests.conftest import POSTGRES_ADMIN_URL, _truncate_all, throwaway_database
from tests.standins.rds_data import CLUSTER_ARN, SECRET_ARN, DataApiStandIn

DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDSTANDIN",
    "AWS_SECRET_ACCESS_KEY": "stand-in-secret",
    "AWS_SESSION_TOKEN": "",
    # Nothing from the developer's ~/.aws, and no instance-metadata lookups.
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def data_api_url(database: str, endpoint: str, **extra: str) -> str:
    query = {"resource_arn": CLUSTER_ARN, "secret_arn": SECRET_ARN, "endpoint_url": endpoint}
    query.update(extra)
    return f"postgresql+dataapi:///{database}?" + "&".join(
        f"{key}={quote(value, safe='')}" for key, value in query.items()
    )


@pytest.fixture
def aws_dummy_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in DUMMY_AWS_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="session")
def data_api_database() -> Iterator[str]:
    """A fresh PostgreSQL database for the Data API param, dropped afterwards."""
    with throwaway_database("_dataapi") as name:
        yield name


def start_data_api(database: str) -> DataApiStandIn:
    """The stand-in, serving the PostgreSQL server the admin URL names, `database` by
    default."""
    admin = make_url(POSTGRES_ADMIN_URL)
    server = URL.create(
        "postgresql", admin.username, admin.password, admin.host, admin.port
    ).render_as_string(hide_password=False)
    return DataApiStandIn(server, default_database=database)


@pytest.fixture(scope="session")
def data_api(data_api_database: str) -> Iterator[DataApiStandIn]:
    stand_in = start_data_api(data_api_database)
    yield stand_in
    stand_in.close()


@pytest.fixture(scope="session")
def _migrated_data_api(data_api: DataApiStandIn, data_api_database: str) -> Iterator[Engine]:
    """The Data API database at head, migrated through the Data API; the engine is a direct
    psycopg one, for emptying it between tests."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in DUMMY_AWS_ENV.items():
            patch.setenv(key, value)
        upgrade(data_api_url(data_api_database, data_api.url))
    direct = make_engine(
        make_url(POSTGRES_ADMIN_URL)
        .set(database=data_api_database)
        .render_as_string(hide_password=False)
    )
    yield direct
    direct.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("dataapi", marks=[pytest.mark.postgres, pytest.mark.dataapi]),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """tests/conftest.py's `db_url` (SQLite, PostgreSQL) plus the Data API."""
    if request.param == "sqlite":
        path = tmp_path / "alex.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    if request.param == "postgres":
        engine: Engine = request.getfixturevalue("_migrated_postgres")
        _truncate_all(engine)
        return engine.url.render_as_string(hide_password=False)
    request.getfixturevalue("aws_dummy_credentials")
    stand_in: DataApiStandIn = request.getfixturevalue("data_api")
    direct: Engine = request.getfixturevalue("_migrated_data_api")
    # A transaction the last test left open would hold locks that TRUNCATE waits on.
    stand_in.reset()
    _at_head(direct)
    _truncate_all(direct)
    return data_api_url(str(direct.url.database), stand_in.url)


@functools.cache
def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def _at_head(direct: Engine) -> None:
    """A migration test that failed half-way leaves the schema at an older revision."""
    with direct.connect() as conn:
        current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if current != _head():
        upgrade(direct.url.render_as_string(hide_password=False))


# SQLAlchemy's reflection reads pg_catalog columns whose types the Data API refuses to return
# (the internal "char", oid, regclass): these tests reflect the schema through their engine, so
# through the Data API they must fail that way, and only that way.
REFLECTING_TESTS = {
    "test_head_matches_models",
    "test_0003_moves_private_classifications_to_a_sole_holder_and_drops_contested_ones",
    "test_0004_counts_existing_users_as_having_completed_their_profile",
}


# Through the Data API run the repository and migration suites, and one full reference load
# (the PostgreSQL path of the bulk upsert differs there). The rest of the seed and reference
# suites load the 33k-row universe again and again, ~15 s a time through the stand-in, and
# share their code with the SQLite and PostgreSQL params.
DATA_API_SUITES = {"test_repository.py", "test_migrations.py"}
DATA_API_EXTRA_TESTS = {"test_seed_loads_the_whole_universe_by_origin"}


def _through_data_api(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("db_url") == "dataapi"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselected = [
        item
        for item in items
        if _through_data_api(item)
        and item.path.name not in DATA_API_SUITES
        and getattr(item, "originalname", "") not in DATA_API_EXTRA_TESTS
    ]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        dropped = {id(item) for item in deselected}
        items[:] = [item for item in items if id(item) not in dropped]
    for item in items:
        if _through_data_api(item) and getattr(item, "originalname", "") in REFLECTING_TESTS:
            item.add_marker(
                pytest.mark.xfail(
                    strict=True,
                    raises=sqlalchemy.exc.NotSupportedError,
                    reason="SQLAlchemy reflection reads types the Data API does not return",
                )
            )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly how many tests ran through the Data API stand-in."""
    outcomes: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when not in ("call", "setup") or "dataapi" not in getattr(
                report, "keywords", {}
            ):
                continue
            if outcome in ("passed", "xfailed", "xpassed") and report.when != "call":
                continue
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        summary = ", ".join(f"{n} {k}" for k, n in sorted(outcomes.items()))
        terminalreporter.write_line(f"Data API stand-in tests: {summary}")
