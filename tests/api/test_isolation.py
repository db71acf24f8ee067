"""No request from one user reads or changes another user's data: user B tries every route
that names a resource against user A's account, position and job."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Headers, add_position, make_account

# (method, path template, body); {account}, {position}, {job} are user A's ids.
ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/accounts/{account}", None),
    ("PATCH", "/api/accounts/{account}", {"account_name": "pwned"}),
    ("DELETE", "/api/accounts/{account}", None),
    ("POST", "/api/accounts/{account}/positions", {"symbol": "SPY", "quantity": "1"}),
    ("POST", "/api/accounts/{account}/import", "symbol,quantity\nSPY,1\n"),
    ("POST", "/api/accounts/{account}/import?commit=true", "symbol,quantity\nSPY,1\n"),
    ("PATCH", "/api/positions/{position}", {"quantity": "999"}),
    ("DELETE", "/api/positions/{position}", None),
    ("GET", "/api/jobs/{job}", None),
    ("GET", "/api/jobs/{job}/events", None),
]


@pytest.fixture
def victim(client: TestClient, alice: Headers) -> dict[str, str]:
    account = make_account(client, alice, account_name="Alice's 401k", account_type="401k")
    position = add_position(client, alice, account["id"], "VTV", "7")
    job = client.post("/api/analyze", headers=alice).json()
    return {"account": account["id"], "position": position["id"], "job": job["job_id"]}


def test_every_route_forbids_other_users(
    client: TestClient, alice: Headers, bob: Headers, victim: dict[str, str]
) -> None:
    before = client.get("/api/user/export", headers=alice).json()
    for method, template, body in ROUTES:
        path = template.format(**victim)
        kwargs: dict[str, Any] = {"headers": bob}
        if isinstance(body, str):
            kwargs["content"] = body
            kwargs["headers"] = {**bob, "Content-Type": "text/csv"}
        elif body is not None:
            kwargs["json"] = body
        response = client.request(method, path, **kwargs)
        assert response.status_code == 403, (method, path, response.status_code, response.text)
        assert "another user" in response.json()["detail"]
    after = client.get("/api/user/export", headers=alice).json()
    before.pop("exported_at")
    after.pop("exported_at")
    assert after == before

    # Bob's own listings never show Alice's data.
    assert client.get("/api/accounts", headers=bob).json() == []
    assert client.get("/api/jobs", headers=bob).json() == []
    assert client.get("/api/user/export", headers=bob).json()["accounts"] == []


def test_routes_need_a_token(client: TestClient, victim: dict[str, str]) -> None:
    protected = [
        *ROUTES,
        ("GET", "/api/user", None),
        ("PUT", "/api/user", {}),
        ("DELETE", "/api/user", None),
        ("GET", "/api/user/export", None),
        ("POST", "/api/user/demo-data", None),
        ("GET", "/api/accounts", None),
        ("POST", "/api/accounts", {}),
        ("GET", "/api/instruments", None),
        ("GET", "/api/instruments/SPY", None),
        ("PUT", "/api/instruments/SPY/classification", {}),
        ("POST", "/api/analyze", None),
        ("GET", "/api/jobs", None),
    ]
    for method, template, _ in protected:
        response = client.request(method, template.format(**victim))
        assert response.status_code == 401, (method, template)
    # Unknown ids from another user are 404 for B too, never a leak of existence beyond 403.
    other = uuid.uuid4()
    assert client.get(f"/api/accounts/{other}").status_code == 401
