"""Schemathesis over the OpenAPI schema with a valid token: no input makes the API answer 5xx,
on SQLite and on PostgreSQL. Bounded (a few examples per operation) so each finishes well under
a minute."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.core.config import Settings
from alex.db.seed import ensure_demo_user, seed_instruments
from alex.db.session import session_scope


@schemathesis.serializer("text/csv")
def _csv(ctx: Any, value: Any) -> bytes:
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else str(value).encode()


@pytest.fixture
def fuzz_engine(engine: Engine) -> Engine:
    """The test database, SQLite and then PostgreSQL: each rejects different bytes and sizes."""
    with session_scope(engine) as session:
        seed_instruments(session)
        ensure_demo_user(session)
    return engine


@pytest.fixture
def fuzz_app(fuzz_engine: Engine, tmp_path: Path) -> Any:
    app_settings = Settings(
        database_url=fuzz_engine.url.render_as_string(hide_password=False),
        var_dir=tmp_path / "var",
        local_workers=0,
        analysis_rate_per_hour=1000,
        write_rate_per_minute=100_000,
        frontend_dir=tmp_path / "none",
    )
    return create_app(app_settings, engine=fuzz_engine, start_workers=False)


def test_no_server_errors(fuzz_app: Any) -> None:
    """Every operation, a few generated cases each (positive and negative data)."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    token = fuzz_app.state.auth.issue("demo")
    headers = {"Authorization": f"Bearer {token}"}
    tested = []
    statuses: Counter[int] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @given(case=strategy)
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] += 1
            case.validate_response(response, checks=[not_a_server_error])

        check()
        tested.append(operation.label)
    assert len(tested) >= 30
    assert sum(statuses.values()) >= 100
    assert statuses[422] > 0 and sum(n for s, n in statuses.items() if s < 300) > 0
