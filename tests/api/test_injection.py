"""SQL-injection and XSS strings in every text field are stored and returned verbatim."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Headers, add_position, make_account

NASTY = [
    "Robert'); DROP TABLE accounts;--",
    "' OR '1'='1",
    "<script>alert(document.cookie)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}} ${7*7} %s %n \\x00",
]


def test_text_fields_round_trip_verbatim(client: TestClient, alice: Headers) -> None:
    for text in NASTY:
        user = client.put("/api/user", json={"display_name": text}, headers=alice)
        assert user.status_code == 200, user.text
        assert client.get("/api/user", headers=alice).json()["display_name"] == text.strip()

        account = make_account(client, alice, account_name=text, account_purpose=text)
        read = client.get(f"/api/accounts/{account['id']}", headers=alice).json()
        assert read["account_name"] == text.strip()
        assert read["account_purpose"] == text.strip()

    listing = client.get("/api/accounts", headers=alice)
    assert listing.headers["content-type"] == "application/json"
    assert len(listing.json()) == len(NASTY)  # nothing dropped, nothing broke out of a query
    search = client.get("/api/instruments", params={"q": "' OR '1'='1"}, headers=alice)
    assert search.status_code == 200
    assert search.json() == []
    pct = client.get("/api/instruments", params={"q": "%"}, headers=alice)
    assert pct.status_code == 200


def test_instrument_name_verbatim(client: TestClient, alice: Headers) -> None:
    account = make_account(client, alice)
    add_position(client, alice, account["id"], "XSSY")
    name = "<script>alert(1)</script> '; DELETE FROM instruments;--"
    response = client.put(
        "/api/instruments/XSSY/classification",
        json={
            "name": name,
            "instrument_type": "stock",
            "allocation_asset_class": {"equity": 100},
            "allocation_regions": {"other": 100},
            "allocation_sectors": {"other": 100},
        },
        headers=alice,
    )
    assert response.status_code == 200
    assert client.get("/api/instruments/XSSY", headers=alice).json()["name"] == name
    assert client.get("/api/instruments/SPY", headers=alice).status_code == 200


def test_nul_characters_are_never_a_server_error(
    client: TestClient, alice: Headers, engine: Engine
) -> None:
    """PostgreSQL refuses NUL in text (SQLite stores it): either way the answer is not a 500,
    and nothing is half-written."""
    account = make_account(client, alice)
    attempts = [
        client.put("/api/user", json={"display_name": "a\x00b"}, headers=alice),
        client.post(
            "/api/accounts",
            json={"account_name": "a\x00b", "account_type": "taxable"},
            headers=alice,
        ),
        client.patch(
            f"/api/accounts/{account['id']}", json={"account_purpose": "\x00"}, headers=alice
        ),
        client.get("/api/instruments/%00", headers=alice),
        client.get("/api/instruments", params={"q": "\x00"}, headers=alice),
    ]
    statuses = [r.status_code for r in attempts]
    assert all(s < 500 for s in statuses), statuses
    if engine.dialect.name == "postgresql":
        assert statuses == [422, 422, 422, 422, 422], statuses
        assert "NUL" in attempts[0].json()["detail"][0]["msg"]
        accounts = client.get("/api/accounts", headers=alice).json()
        assert [a["account_name"] for a in accounts] == [account["account_name"]]
