"""SQL-injection and XSS strings in every text field are stored and returned verbatim."""

from __future__ import annotations

from fastapi.testclient import TestClient

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
