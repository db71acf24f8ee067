"""Tenancy of reference data: what one user sets about an instrument (classification, name,
price) or creates (a symbol) never changes another user's numbers, report or autocomplete.
The issue's attack, replayed: Bob buys a sliver of the fund Alice holds and 'reclassifies' it as
cash under a phishing name; then prices it, sells it, and squats symbols."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from alex.agents.planner.manager import run_analysis
from tests.api.conftest import Headers, add_position, complete_profile, make_account

PHISHING = "[Action needed: re-verify your brokerage login](https://evil.example/login)"
AS_CASH = {
    "name": PHISHING,
    "instrument_type": "etf",
    "allocation_asset_class": {"cash": 100},
    "allocation_regions": {"other": 100},
    "allocation_sectors": {"cash": 100},
}
ETF = {
    "name": "My fund",
    "instrument_type": "etf",
    "allocation_asset_class": {"equity": 100},
    "allocation_regions": {"north_america": 100},
    "allocation_sectors": {"technology": 100},
}


def _views(client: TestClient, headers: Headers, account_id: str) -> dict[str, Any]:
    """Everything Alice's numbers show: dashboard analysis, account page, accounts list."""
    portfolio = client.get("/api/portfolio", headers=headers).json()
    return {
        "analysis": portfolio["analysis"],
        "account": client.get(f"/api/accounts/{account_id}", headers=headers).json(),
        "accounts": client.get("/api/accounts", headers=headers).json(),
        "search": client.get("/api/instruments", params={"q": "ARKK"}, headers=headers).json(),
    }


async def _report(client: TestClient, app: FastAPI, headers: Headers) -> dict[str, Any]:
    complete_profile(client, headers)
    job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
    await run_analysis(uuid.UUID(job_id), engine=app.state.engine)
    job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "completed", job["error_message"]
    return dict(job)


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _without_times(v)
            for k, v in value.items()
            if k not in {"created_at", "updated_at", "elapsed_seconds"}
        }
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


async def test_another_users_classification_price_and_name_change_nothing_for_me(
    client: TestClient, app: FastAPI, alice: Headers, bob: Headers
) -> None:
    alice_account = make_account(client, alice)
    add_position(client, alice, alice_account["id"], "ARKK", "2000")
    add_position(client, alice, alice_account["id"], "SPY", "10")
    before = _views(client, alice, alice_account["id"])
    report_before = await _report(client, app, alice)

    bob_account = make_account(client, bob)
    sliver = add_position(client, bob, bob_account["id"], "ARKK", "0.0001")
    classified = client.put("/api/instruments/ARKK/classification", json=AS_CASH, headers=bob)
    assert classified.status_code == 200, classified.text
    assert classified.json()["name"] == PHISHING  # Bob sees his own overlay, verbatim
    priced = client.put(
        "/api/instruments/ARKK/price",
        json={"price": "0.01", "as_of": date.today().isoformat()},
        headers=bob,
    )
    assert priced.status_code == 200, priced.text
    assert (
        client.put("/api/instruments/SPY/price", json={"price": "1"}, headers=bob).status_code
        == 403
    )

    after = _views(client, alice, alice_account["id"])
    assert _without_times(after) == _without_times(before)
    report_after = await _report(client, app, alice)
    for section in ("report_payload", "charts_payload", "retirement_payload"):
        assert _without_times(report_after[section]) == _without_times(report_before[section])
    assert "evil.example" not in str(report_after)

    # Selling does not leave anything behind either.
    assert client.delete(f"/api/positions/{sliver['id']}", headers=bob).status_code == 204
    assert _without_times(_views(client, alice, alice_account["id"])) == _without_times(before)


def test_a_symbol_one_user_creates_is_invisible_to_others(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    bob_account = make_account(client, bob)
    add_position(client, bob, bob_account["id"], "ZZQX", "5")
    assert (
        client.put("/api/instruments/ZZQX/classification", json=ETF, headers=bob).status_code == 200
    )
    assert (
        client.put("/api/instruments/ZZQX/price", json={"price": "99"}, headers=bob).status_code
        == 200
    )
    assert client.get("/api/instruments", params={"q": "ZZQ"}, headers=alice).json() == []
    assert client.get("/api/instruments/ZZQX", headers=alice).status_code == 404

    # When Alice adds the same symbol she gets a bare, unpriced, unclassified holding.
    alice_account = make_account(client, alice)
    position = add_position(client, alice, alice_account["id"], "ZZQX", "5")
    assert position["price"] is None and position["value"] is None
    assert position["classified"] is False and position["instrument_name"] == "ZZQX"
    accounts = client.get("/api/accounts", headers=alice).json()
    assert accounts[0]["unpriced_positions"] == 1 and accounts[0]["unclassified_positions"] == 1

    # Her own price counts for her only, and only until she removes it.
    mine = client.put(
        "/api/instruments/ZZQX/price",
        json={"price": "12.50", "as_of": (date.today() - timedelta(days=1)).isoformat()},
        headers=alice,
    )
    assert mine.status_code == 200 and mine.json()["price_source"] == "user"
    detail = client.get(f"/api/accounts/{alice_account['id']}", headers=alice).json()
    assert Decimal(detail["positions"][0]["value"]) == Decimal("62.50")
    assert detail["unpriced_positions"] == 0
    assert Decimal(detail["total_value"]) == Decimal("1063.00")
    bob_view = client.get("/api/instruments/ZZQX", headers=bob).json()
    assert Decimal(bob_view["current_price"]) == 99 and bob_view["name"] == "My fund"
    history = client.get("/api/instruments/ZZQX/prices", headers=alice).json()
    assert [(Decimal(h["price"]), h["yours"]) for h in history] == [(Decimal("12.5"), True)]
    assert client.delete("/api/instruments/ZZQX/price", headers=alice).status_code == 204
    detail = client.get(f"/api/accounts/{alice_account['id']}", headers=alice).json()
    assert detail["positions"][0]["value"] is None and detail["unpriced_positions"] == 1


def test_user_prices_are_validated_and_change_nothing_when_bad(
    client: TestClient, alice: Headers
) -> None:
    account = make_account(client, alice)
    add_position(client, alice, account["id"], "ZZQX", "5")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    for body, field in (
        ({"price": "0"}, "price"),
        ({"price": "-3"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "1", "as_of": "yesterday"}, "as_of"),
        ({"price": "1", "as_of": tomorrow}, "as_of"),
        ({"price": "1", "extra": 1}, "extra"),
    ):
        response = client.put("/api/instruments/ZZQX/price", json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
        assert field in str(response.json()["detail"]), (body, response.json())
    assert client.get("/api/instruments/ZZQX/prices", headers=alice).json() == []
    assert (
        client.put("/api/instruments/NOPE/price", json={"price": "1"}, headers=alice).status_code
        == 404
    )


async def test_names_are_plain_text_in_my_own_report(
    client: TestClient, app: FastAPI, alice: Headers
) -> None:
    account = make_account(client, alice, account_name="[click](https://evil.example) *401k*")
    add_position(client, alice, account["id"], "ZZQX", "5")
    client.put(
        "/api/instruments/ZZQX/classification", json={**ETF, "name": PHISHING}, headers=alice
    )
    client.put("/api/instruments/ZZQX/price", json={"price": "20"}, headers=alice)
    job = await _report(client, app, alice)
    markdown = job["report_payload"]["markdown"]
    assert "](https://evil.example" not in markdown
    assert r"\[Action needed\: re\-verify your brokerage login\]\(https\:" in markdown
    assert r"\[click\]\(https\:" in markdown


def test_my_own_prices_and_classifications_are_in_my_export_and_gone_with_me(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    account = make_account(client, alice)
    add_position(client, alice, account["id"], "ZZQX", "5")
    client.put("/api/instruments/ZZQX/classification", json=ETF, headers=alice)
    client.put(
        "/api/instruments/ZZQX/price", json={"price": "7", "as_of": "2026-11-30"}, headers=alice
    )
    export = client.get("/api/user/export", headers=alice).json()
    assert [(c["symbol"], c["name"]) for c in export["classifications"]] == [("ZZQX", "My fund")]
    assert [(p["symbol"], Decimal(p["price"]), p["as_of"]) for p in export["prices"]] == [
        ("ZZQX", Decimal(7), "2026-11-30")
    ]
    assert client.get("/api/user/export", headers=bob).json()["prices"] == []

    assert client.delete("/api/user", headers=alice).status_code == 204
    # The symbol only Alice held is gone with her: Bob can add it and finds it bare.
    bob_account = make_account(client, bob)
    position = add_position(client, bob, bob_account["id"], "ZZQX", "1")
    assert position["instrument_name"] == "ZZQX" and position["price"] is None
