"""Schemathesis over the OpenAPI schema with a valid token: no input makes the API answer 5xx,
on SQLite and on PostgreSQL. Bounded (a few examples per operation) so each finishes well under
a minute. Lone surrogates (`"x\\ud800y"`, legal JSON that no UTF-8 encoder accepts) are sent
to every route, signed in and not: a 422 naming the field, never a 500."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine, func, select

from alex.api.app import create_app
from alex.api.errors import validation_error
from alex.core.config import Settings
from alex.db.models import Account, Job, LocalCredential, Position, User
from alex.db.seed import ensure_demo_user, seed_instruments
from alex.db.session import session_scope

LONE = "x\ud800y"


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


def _row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (User, LocalCredential, Account, Position, Job)
        }


def _surrogate_body(operation: dict[str, Any], schemas: dict[str, Any]) -> tuple[Any, list[Any]]:
    """A body shaped like the operation's (every top-level field a lone-surrogate string) and
    the `loc` the 422 must name; operations without a JSON body get a one-field object."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "array":
        return [LONE], ["body", 0]
    fields = list(schema.get("properties", {})) or ["note"]
    return {name: LONE for name in fields}, ["body", fields[0]]


def test_lone_surrogates_are_422_on_every_route(fuzz_app: Any, fuzz_engine: Engine) -> None:
    """Every operation in the app's schema and every method, signed in and not, with and
    without a JSON content type: 422 naming the first field, and nothing stored."""
    spec = fuzz_app.openapi()
    schemas = spec["components"]["schemas"]
    token = fuzz_app.state.auth.issue("demo")
    before = _row_counts(fuzz_engine)
    sent = 0
    with TestClient(fuzz_app, raise_server_exceptions=False) as client:
        for path, item in spec["paths"].items():
            url = re.sub(r"\{[^}]+\}", "x", path)
            for method, operation in item.items():
                body, loc = _surrogate_body(operation, schemas)
                raw = json.dumps(body).encode()  # ASCII: the surrogate travels as `\ud800`
                assert b"\\ud800" in raw
                for headers in (
                    {"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
                    {"Content-Type": "application/json; charset=utf-8"},
                    {"Authorization": f"Bearer {token}"},
                ):
                    response = client.request(method, url, content=raw, headers=headers)
                    sent += 1
                    label = f"{method.upper()} {path} {sorted(headers)}"
                    assert response.status_code == 422, (label, response.text)
                    assert response.json()["detail"][0]["loc"] == loc, label
    assert sent >= 3 * 25
    assert _row_counts(fuzz_engine) == before


def test_surrogate_pairs_and_escaped_backslashes_are_ordinary_text(fuzz_app: Any) -> None:
    """Only a *lone* surrogate is refused: a pair is one character (an emoji) and `\\\\ud800`
    is six characters of text."""
    token = fuzz_app.state.auth.issue("demo")
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    with TestClient(fuzz_app) as client:
        for name in ("Rainy day \U0001f600", "literally \\ud800"):
            raw = json.dumps({"account_name": name, "account_type": "taxable"}).encode()
            response = client.post("/api/accounts", content=raw, headers=headers)
            assert response.status_code == 201, response.text
            assert response.json()["account_name"] == name


def test_surrogate_deep_in_a_body_is_located(fuzz_app: Any) -> None:
    raw = json.dumps({"email": "a@example.com", "nested": [{"ok": "fine"}, {LONE: 1}]}).encode()
    with TestClient(fuzz_app) as client:
        response = client.post(
            "/api/auth/signup", content=raw, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "nested", 1, "x\ufffdy"]


async def test_validation_errors_echo_lone_surrogates_safely() -> None:
    """The handler itself copes, whatever reached it (the echoed `input` is what broke)."""
    exc = RequestValidationError(
        [{"type": "string_too_short", "loc": ("body", LONE), "msg": "short", "input": LONE}]
    )
    response = await validation_error(None, exc)  # type: ignore[arg-type]
    assert response.status_code == 422
    detail = json.loads(response.body)["detail"][0]
    assert detail["input"] == "x\ufffdy"
    assert detail["loc"] == ["body", "x\ufffdy"]
