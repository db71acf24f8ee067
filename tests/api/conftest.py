"""An app on the test database (SQLite and PostgreSQL), with tokens minted directly by its
local authenticator so tests need not pay for argon2 on every user."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.api.app import create_app
from alex.auth.local import LocalAuthenticator
from alex.core.config import Settings
from alex.db.seed import seed_instruments
from alex.db.session import session_scope

Headers = dict[str, str]


@pytest.fixture
def settings(engine: Engine, tmp_path: Path) -> Settings:
    return Settings(
        database_url=engine.url.render_as_string(hide_password=False),
        var_dir=tmp_path / "var",
        local_workers=0,
        frontend_dir=tmp_path / "no-frontend",
    )


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with session_scope(engine) as session:
        seed_instruments(session)
    return engine


@pytest.fixture
def app(settings: Settings, seeded: Engine) -> FastAPI:
    return create_app(settings, engine=seeded, start_workers=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@pytest.fixture
def token_for(app: FastAPI) -> Callable[[str], Headers]:
    auth: LocalAuthenticator = app.state.auth

    def make(user_id: str) -> Headers:
        return {"Authorization": f"Bearer {auth.issue(user_id)}"}

    return make


@pytest.fixture
def alice(client: TestClient, token_for: Callable[[str], Headers]) -> Headers:
    headers = token_for("user_alice")
    assert client.get("/api/user", headers=headers).status_code == 200
    return headers


@pytest.fixture
def bob(client: TestClient, token_for: Callable[[str], Headers]) -> Headers:
    headers = token_for("user_bob")
    assert client.get("/api/user", headers=headers).status_code == 200
    return headers


# The figures the first-run profile step asks for: saving them all completes the profile, which
# an analysis needs (POST /api/analyze refuses placeholders).
PROFILE = {
    "current_age": 40,
    "years_until_retirement": 25,
    "target_retirement_income": "60000",
    "annual_contribution": "10000",
    "asset_class_targets": {"equity": 70, "fixed_income": 25, "cash": 5},
    "region_targets": {
        "north_america": 65,
        "europe": 15,
        "asia_pacific": 10,
        "emerging_markets": 10,
    },
}


def complete_profile(client: TestClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    response = client.put("/api/user", json={**PROFILE, **overrides}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["profile_completed_at"] is not None
    return dict(response.json())


def make_account(client: TestClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    body = {
        "account_name": "Brokerage",
        "account_type": "taxable",
        "cash_balance": "1000.50",
        **overrides,
    }
    response = client.post("/api/accounts", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def add_position(
    client: TestClient, headers: Headers, account_id: str, symbol: str, quantity: str = "10"
) -> dict[str, Any]:
    response = client.post(
        f"/api/accounts/{account_id}/positions",
        json={"symbol": symbol, "quantity": quantity},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def dec(value: Any) -> Decimal:
    return Decimal(str(value))
