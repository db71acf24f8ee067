"""CSV import: preview with line numbers, all-or-nothing commit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import Headers, add_position, dec, make_account


def _post(client: TestClient, headers: Headers, account_id: str, text: str, commit: bool) -> object:
    return client.post(
        f"/api/accounts/{account_id}/import",
        params={"commit": str(commit).lower()},
        content=text.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )


def test_preview_reports_bad_rows_and_commit_is_all_or_nothing(
    client: TestClient, alice: Headers
) -> None:
    account = make_account(client, alice)
    add_position(client, alice, account["id"], "SPY", "1")
    text = (
        "symbol,quantity,cost_basis\n"
        "SPY,5,2000\n"
        "brk.b,1.5,\n"
        "\n"
        "bad symbol!,3,\n"
        "AGG,-2,\n"
        "AGG,2,abc\n"
        "VTV,1,10\n"
        "VTV,2,10\n"
        "GLD,1\n"
    )
    preview = _post(client, alice, account["id"], text, commit=False)
    assert preview.status_code == 200, preview.text  # type: ignore[attr-defined]
    body = preview.json()  # type: ignore[attr-defined]
    assert [(r["line"], r["symbol"], r["action"]) for r in body["rows"]] == [
        (2, "SPY", "update"),
        (3, "BRK.B", "add"),
        (8, "VTV", "add"),
    ]
    assert [e["line"] for e in body["errors"]] == [5, 6, 7, 9, 10]
    assert "symbol" in body["errors"][0]["message"]
    assert "quantity" in body["errors"][1]["message"]
    assert "already appears on line 8" in body["errors"][3]["message"]
    assert "expected 3 values" in body["errors"][4]["message"]

    rejected = _post(client, alice, account["id"], text, commit=True)
    assert rejected.status_code == 422  # type: ignore[attr-defined]
    assert rejected.json()["detail"][0]["loc"] == ["body", "line 5"]  # type: ignore[attr-defined]
    detail = client.get(f"/api/accounts/{account['id']}", headers=alice).json()
    assert [(p["symbol"], dec(p["quantity"])) for p in detail["positions"]] == [("SPY", 1)]

    good = "symbol,quantity,cost_basis\nSPY,5,2000\nbrk.b,1.5,\nMYSTERY1,3,\n"
    committed = _post(client, alice, account["id"], good, commit=True)
    assert committed.status_code == 200, committed.text  # type: ignore[attr-defined]
    assert committed.json()["committed"] is True  # type: ignore[attr-defined]
    detail = client.get(f"/api/accounts/{account['id']}", headers=alice).json()
    held = {p["symbol"]: (dec(p["quantity"]), p["classified"]) for p in detail["positions"]}
    assert held == {
        "SPY": (dec(5), True),
        "BRK.B": (dec("1.5"), True),  # seeded
        "MYSTERY1": (dec(3), False),
    }


def test_bad_files(client: TestClient, alice: Headers) -> None:
    account = make_account(client, alice)
    header = _post(client, alice, account["id"], "ticker,shares\nSPY,1\n", commit=False).json()  # type: ignore[attr-defined]
    assert header["rows"] == []
    assert "missing column(s): symbol, quantity" in header["errors"][0]["message"]
    empty = _post(client, alice, account["id"], "", commit=False).json()  # type: ignore[attr-defined]
    assert empty["errors"] == [{"line": 1, "message": "the file is empty"}]
    binary = client.post(
        f"/api/accounts/{account['id']}/import",
        content=b"\xff\xfe\x00bad",
        headers={**alice, "Content-Type": "text/csv"},
    )
    assert binary.status_code == 422

    # A field over the csv module's limit is reported as a bad file, not a 500.
    huge = _post(
        client, alice, account["id"], 'symbol,quantity\n"' + "A" * 200_000 + '",1\n', False
    )
    assert huge.status_code == 200, huge.text  # type: ignore[attr-defined]
    assert "unreadable CSV" in huge.json()["errors"][0]["message"]  # type: ignore[attr-defined]
    # A repeated column would silently keep the last value.
    twice = _post(client, alice, account["id"], "symbol,quantity,quantity\nSPY,1,2\n", False)
    assert twice.json()["rows"] == []  # type: ignore[attr-defined]
    assert "repeated column(s): quantity" in twice.json()["errors"][0]["message"]  # type: ignore[attr-defined]
