"""Every route's happy path, 404s and 422s with field names."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import jwt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from alex.auth.local import LocalAuthenticator
from tests.api.conftest import Headers, add_position, complete_profile, dec, make_account


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["migrations_at_head"] is True


def test_root_without_frontend_links_docs(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "/docs" in response.text
    assert client.get("/docs").status_code == 200
    assert "paths" in client.get("/openapi.json").json()


def test_user_get_or_create_update_and_validation(client: TestClient, alice: Headers) -> None:
    user = client.get("/api/user", headers=alice).json()
    assert user["id"] == "user_alice"
    assert user["display_name"] == "Investor"

    updated = client.put(
        "/api/user",
        json={
            "display_name": "Alice",
            "current_age": 35,
            "asset_class_targets": {"equity": 80, "fixed_income": 20},
        },
        headers=alice,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["display_name"] == "Alice"
    assert updated.json()["asset_class_targets"] == {"equity": 80.0, "fixed_income": 20.0}

    bad = client.put(
        "/api/user",
        json={"asset_class_targets": {"equity": 50}, "current_age": 3},
        headers=alice,
    )
    assert bad.status_code == 422
    fields = {tuple(e["loc"])[:2] for e in bad.json()["detail"]}
    assert ("body", "asset_class_targets") in fields
    assert ("body", "current_age") in fields
    assert "sum to 100" in bad.text
    unknown = client.put("/api/user", json={"nickname": "x"}, headers=alice)
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "nickname"]


def test_accounts_crud_with_values(client: TestClient, alice: Headers) -> None:
    account = make_account(client, alice)
    assert account["account_name"] == "Brokerage"
    assert dec(account["cash_balance"]) == dec("1000.50")

    spy = add_position(client, alice, account["id"], "spy", "2.5")
    assert spy["symbol"] == "SPY"
    assert spy["classified"] is True
    assert spy["instrument_type"] == "etf"
    assert dec(spy["value"]) == dec(spy["price"]) * dec("2.5")

    mystery = add_position(client, alice, account["id"], "ZZZQ", "3")
    assert mystery["classified"] is False
    assert mystery["price"] is None and mystery["value"] is None
    instrument = client.get("/api/instruments/ZZZQ", headers=alice).json()
    assert instrument["allocation_asset_class"] is None
    assert instrument["instrument_type"] is None

    listing = client.get("/api/accounts", headers=alice).json()
    assert len(listing) == 1
    summary = listing[0]
    assert summary["positions_count"] == 2
    assert summary["unpriced_positions"] == 1
    assert dec(summary["total_value"]) == dec("1000.50") + dec(spy["value"])
    assert "positions" not in summary

    detail = client.get(f"/api/accounts/{account['id']}", headers=alice).json()
    assert [p["symbol"] for p in detail["positions"]] == ["SPY", "ZZZQ"]
    weight = detail["positions"][0]["weight_pct"]
    assert abs(weight - float(dec(spy["value"]) / dec(summary["total_value"]) * 100)) < 0.01

    patched = client.patch(
        f"/api/accounts/{account['id']}", json={"account_name": "Renamed"}, headers=alice
    )
    assert patched.status_code == 200
    assert patched.json()["account_name"] == "Renamed"
    assert patched.json()["account_type"] == "taxable"

    position = client.patch(
        f"/api/positions/{spy['id']}", json={"quantity": "4", "cost_basis": "100"}, headers=alice
    )
    assert position.status_code == 200, position.text
    assert dec(position.json()["quantity"]) == 4
    assert client.delete(f"/api/positions/{mystery['id']}", headers=alice).status_code == 204
    assert client.delete(f"/api/positions/{mystery['id']}", headers=alice).status_code == 404

    assert client.delete(f"/api/accounts/{account['id']}", headers=alice).status_code == 204
    assert client.get(f"/api/accounts/{account['id']}", headers=alice).status_code == 404
    assert client.patch(f"/api/positions/{spy['id']}", json={}, headers=alice).status_code == 404


def test_duplicate_position_is_409_and_validation_names_fields(
    client: TestClient, alice: Headers
) -> None:
    account = make_account(client, alice)
    add_position(client, alice, account["id"], "AGG")
    dup = client.post(
        f"/api/accounts/{account['id']}/positions",
        json={"symbol": "agg", "quantity": "1"},
        headers=alice,
    )
    assert dup.status_code == 409
    assert dup.json()["field"] == "symbol"

    bad = client.post(
        f"/api/accounts/{account['id']}/positions",
        json={"symbol": "not a symbol!", "quantity": "-1"},
        headers=alice,
    )
    assert bad.status_code == 422
    locs = {e["loc"][-1] for e in bad.json()["detail"]}
    assert locs == {"symbol", "quantity"}

    bad_account = client.post(
        "/api/accounts", json={"account_name": "", "account_type": "piggybank"}, headers=alice
    )
    assert bad_account.status_code == 422
    assert {e["loc"][-1] for e in bad_account.json()["detail"]} == {"account_name", "account_type"}


def test_not_found_routes(client: TestClient, alice: Headers) -> None:
    missing = uuid.uuid4()
    for method, path in [
        ("GET", f"/api/accounts/{missing}"),
        ("PATCH", f"/api/accounts/{missing}"),
        ("DELETE", f"/api/accounts/{missing}"),
        ("POST", f"/api/accounts/{missing}/positions"),
        ("PATCH", f"/api/positions/{missing}"),
        ("DELETE", f"/api/positions/{missing}"),
        ("GET", f"/api/jobs/{missing}"),
        ("GET", f"/api/jobs/{missing}/events"),
        ("GET", "/api/instruments/NOPE"),
        ("GET", "/api/no-such-route"),
    ]:
        body = {"symbol": "SPY", "quantity": "1"} if "positions" in path else {}
        response = client.request(method, path, json=body, headers=alice)
        assert response.status_code == 404, (method, path, response.text)
        assert "detail" in response.json()
    assert client.get("/api/accounts/not-a-uuid", headers=alice).status_code == 422


def test_instruments_search_and_classification(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    found = client.get("/api/instruments", params={"q": "sp"}, headers=alice).json()
    assert found[0]["symbol"] == "SPY"
    assert client.get("/api/instruments", params={"limit": 0}, headers=alice).status_code == 422

    account = make_account(client, alice)
    add_position(client, alice, account["id"], "NEWCO")
    unclassified = client.get(
        "/api/instruments", params={"unclassified": True, "limit": 200}, headers=alice
    ).json()
    assert "NEWCO" in {i["symbol"] for i in unclassified}

    classification = {
        "name": "NewCo Inc.",
        "instrument_type": "stock",
        "allocation_asset_class": {"equity": 100},
        "allocation_regions": {"north_america": 100},
        "allocation_sectors": {"technology": 100},
    }
    ok = client.put("/api/instruments/newco/classification", json=classification, headers=alice)
    assert ok.status_code == 200, ok.text
    assert ok.json()["classification_source"] == "user"
    again = client.put("/api/instruments/NEWCO/classification", json=classification, headers=alice)
    assert again.status_code == 200

    seeded = client.put("/api/instruments/SPY/classification", json=classification, headers=alice)
    assert seeded.status_code == 403
    bad = client.put(
        "/api/instruments/NEWCO/classification",
        json={**classification, "allocation_regions": {"europe": 40}},
        headers=alice,
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][:2] == ["body", "allocation_regions"]
    missing = client.put("/api/instruments/NOPE/classification", json=classification, headers=alice)
    assert missing.status_code == 404

    # A symbol only Alice holds is private to her: Bob can neither see nor classify it.
    other = client.put("/api/instruments/NEWCO/classification", json=classification, headers=bob)
    assert other.status_code == 404
    assert client.get("/api/instruments/NEWCO", headers=bob).status_code == 404
    assert client.get("/api/instruments/NEWCO", headers=alice).json()["name"] == "NewCo Inc."


def test_analyze_and_jobs(client: TestClient, alice: Headers) -> None:
    complete_profile(client, alice)
    none_yet = client.post("/api/analyze", headers=alice)
    assert none_yet.status_code == 422
    assert none_yet.json()["detail"][0]["loc"] == ["body", "accounts"]

    make_account(client, alice)
    started = client.post("/api/analyze", headers=alice)
    assert started.status_code == 202
    job_id = started.json()["job_id"]
    assert started.json()["status"] == "pending"

    jobs = client.get("/api/jobs", headers=alice).json()
    assert [j["id"] for j in jobs] == [job_id]
    assert jobs[0]["headline"] is None
    job = client.get(f"/api/jobs/{job_id}", headers=alice).json()
    assert job["status"] == "pending"
    assert job["job_type"] == "portfolio_analysis"
    assert client.get(f"/api/jobs/{job_id}/events", headers=alice).json() == []
    events = f"/api/jobs/{job_id}/events"
    assert client.get(events, params={"after": -1}, headers=alice).status_code == 422
    for after in (2**31, 10**30):  # past the INTEGER seq column: no events, not an overflow 500
        response = client.get(events, params={"after": after}, headers=alice)
        assert (response.status_code, response.json()) == (200, []), after


def test_events_after(client: TestClient, alice: Headers, app: object) -> None:
    from alex.db import repository as repo
    from alex.db.session import session_scope
    from alex.schemas import JobEventCreate

    complete_profile(client, alice)
    make_account(client, alice)
    job_id = uuid.UUID(client.post("/api/analyze", headers=alice).json()["job_id"])
    with session_scope(app.state.engine) as session:  # type: ignore[attr-defined]
        for i in range(3):
            repo.append_event(
                session, job_id, JobEventCreate(agent="planner", kind="progress", message=f"m{i}")
            )
    events = client.get(f"/api/jobs/{job_id}/events", params={"after": 1}, headers=alice).json()
    assert [e["seq"] for e in events] == [2, 3]
    assert events[0]["message"] == "m1"


def issued_later(app: FastAPI, subject: str, *, seconds: int) -> Headers:
    """A token as if issued `seconds` from now (token times have one-second resolution)."""
    auth: LocalAuthenticator = app.state.auth
    iat = int(time.time()) + seconds
    claims = {"iss": auth.issuer, "sub": subject, "iat": iat, "exp": iat + 600}
    return {"Authorization": "Bearer " + jwt.encode(claims, auth._key, "RS256", {"kid": auth.kid})}


def test_export_demo_data_and_delete(
    client: TestClient, token_for: Callable[[str], Headers], app: FastAPI
) -> None:
    carol = token_for("user_carol")
    loaded = client.post("/api/user/demo-data", headers=carol)
    assert loaded.status_code == 201, loaded.text
    accounts = client.get("/api/accounts", headers=carol).json()
    assert len(accounts) == 3
    assert client.post("/api/user/demo-data", headers=carol).status_code == 409

    complete_profile(client, carol)
    client.post("/api/analyze", headers=carol)
    export = client.get("/api/user/export", headers=carol).json()
    assert export["user"]["id"] == "user_carol"
    assert len(export["accounts"]) == 3
    assert sum(len(a["positions"]) for a in export["accounts"]) >= 10
    assert len(export["jobs"]) == 1

    assert client.delete("/api/user", headers=carol).status_code == 204
    # Tokens issued before the deletion are refused, so nothing recreates the profile...
    for method, path in (("GET", "/api/accounts"), ("GET", "/api/user"), ("POST", "/api/analyze")):
        refused = client.request(method, path, headers=carol)
        assert refused.status_code == 401, path
        assert refused.json() == {"detail": "this profile was deleted; sign in again"}
    # ...and a token issued afterwards (a new Clerk session) starts a fresh, empty one.
    fresh = issued_later(app, "user_carol", seconds=2)
    assert client.get("/api/accounts", headers=fresh).json() == []
    assert client.get("/api/jobs", headers=fresh).json() == []
    assert client.get("/api/user", headers=fresh).json()["id"] == "user_carol"


def test_portfolio_dashboard(client: TestClient, token_for: Callable[[str], Headers]) -> None:
    dave = token_for("user_dave")
    empty = client.get("/api/portfolio", headers=dave)
    assert empty.status_code == 200, empty.text
    client.post("/api/user/demo-data", headers=dave)
    body = client.get("/api/portfolio", headers=dave).json()
    assert body["analysis"]["user_id"] == "user_dave"
    assert body["analysis"]["valuation"]["total"] > 0
    assert "asset_class_donut" in body["charts"]
    assert "asset_class_drift" in body["charts"]
    assert body["charts"]["asset_class_donut"]["data"]


def test_account_values_are_the_valuation_engines(client: TestClient, alice: Headers) -> None:
    """The accounts pages and the dashboard/report show the same figures: one valuation."""
    account = make_account(client, alice, cash_balance="10.125")
    add_position(client, alice, account["id"], "SPY", "0.12345678")  # 83.9506104 → $83.95
    add_position(client, alice, account["id"], "AGG", "1.005")
    detail = client.get(f"/api/accounts/{account['id']}", headers=alice).json()
    engine = client.get("/api/portfolio", headers=alice).json()["analysis"]["valuation"]
    valued = engine["accounts"][0]
    assert dec(detail["total_value"]) == dec(str(valued["total"]))
    assert dec(detail["positions_value"]) == dec(str(valued["positions_value"]))
    by_symbol = {p["symbol"]: dec(str(p["value"])) for p in valued["positions"]}
    assert {p["symbol"]: dec(p["value"]) for p in detail["positions"]} == by_symbol
    listed = client.get("/api/accounts", headers=alice).json()
    assert dec(listed[0]["total_value"]) == dec(str(engine["total"]))


def test_non_finite_numbers_are_422_not_500(client: TestClient, alice: Headers) -> None:
    """Python's JSON parser reads NaN, Infinity and 1e999; the 422 that echoes them back must
    still be valid JSON."""
    for raw in ('{"asset_class_targets": {"equity": 1e999}}', '{"current_age": NaN}'):
        response = client.put(
            "/api/user", content=raw, headers={**alice, "Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        error = response.json()["detail"][0]
        assert error["loc"][:2] == ["body", raw.split('"')[1]]
        assert "inf" in str(error["input"]).lower() or "nan" in str(error["input"]).lower()


def test_reads_need_no_profile_and_writes_create_it(
    client: TestClient, token_for: Callable[[str], Headers], app: object
) -> None:
    """Reads check the token only: a new user's first read owns nothing and writes nothing.
    The first write creates the profile its rows reference."""
    from sqlalchemy import select

    from alex.db.models import User

    carol = token_for("user_carol")
    engine = app.state.engine  # type: ignore[attr-defined]

    def profiles() -> list[str]:
        with engine.connect() as conn:
            return list(conn.scalars(select(User.id).where(User.id == "user_carol")))

    assert client.get("/api/accounts", headers=carol).json() == []
    assert client.get("/api/jobs", headers=carol).json() == []
    assert client.get("/api/instruments?q=SP", headers=carol).status_code == 200
    assert profiles() == []

    account = make_account(client, carol)
    assert account["user_id"] == "user_carol"
    assert profiles() == ["user_carol"]
    assert [a["id"] for a in client.get("/api/accounts", headers=carol).json()] == [account["id"]]


def test_account_list_and_detail_agree(client: TestClient, alice: Headers) -> None:
    """The list (one aggregate query) and the detail (one joined query) value alike, per
    account, with unpriced positions counted and never valued."""
    first = make_account(client, alice, cash_balance="5.55")
    second = make_account(
        client, alice, account_name="IRA", account_type="traditional_ira", cash_balance="0"
    )
    add_position(client, alice, first["id"], "SPY", "3.3333")
    add_position(client, alice, first["id"], "NOPRICE1", "7")
    add_position(client, alice, second["id"], "AGG", "12")
    listed = {a["id"]: a for a in client.get("/api/accounts", headers=alice).json()}
    for account in (first, second):
        detail = client.get(f"/api/accounts/{account['id']}", headers=alice).json()
        summary = listed[account["id"]]
        for key in ("positions_count", "positions_value", "total_value", "unpriced_positions"):
            assert summary[key] == detail[key], key
        priced = [dec(p["value"]) for p in detail["positions"] if p["value"] is not None]
        assert dec(detail["positions_value"]) == sum(priced)
    assert listed[first["id"]]["unpriced_positions"] == 1
    assert listed[second["id"]]["positions_count"] == 1
