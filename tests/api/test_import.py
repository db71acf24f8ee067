"""CSV import through the API, on SQLite and PostgreSQL: each broker sample lands as the right
positions, cash, prices and cost basis; the preview writes nothing; a bad line or a refused
write keeps everything as it was; imported prices are the importer's own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from alex.core.errors import ValidationFailedError
from alex.db import repository as repo
from alex.db.models import Instrument, Price
from alex.db.session import session_scope
from tests.api.conftest import Headers, add_position, dec, make_account

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "brokers"
SHARED_PRICE = (Decimal("300.00"), date(2026, 11, 1), "seed")
SYMBOLS = ("VTI", "FXAIX", "AAPL", "BND", "SCHB", "SCHD", "VXUS", "BRK.B", "SWVXX", "VTSAX", "SPY")


@pytest.fixture
def shared(seeded: Engine) -> Engine:
    """The symbols the samples hold, known to every user; VTI with a shared price older than
    the files' dates, so a file's price is the newer one."""
    with session_scope(seeded) as session:
        for symbol in SYMBOLS:
            instrument = repo.get_instrument(session, symbol)
            if instrument is None:
                session.add(Instrument(symbol=symbol, name=f"{symbol} fund", origin="curated"))
            elif instrument.origin == "user":
                instrument.origin = "curated"
        session.flush()
        vti = repo.require_instrument(session, "VTI")
        vti.current_price, vti.price_as_of, vti.price_source = SHARED_PRICE
    return seeded


def _post(
    client: TestClient,
    headers: Headers,
    account_id: str,
    text: str,
    commit: bool = False,
    extra: dict[str, str] | None = None,
    **params: str,
) -> Any:
    return client.post(
        f"/api/accounts/{account_id}/import",
        params={"commit": str(commit).lower(), **(extra or {}), **params},
        content=text.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )


def _sample(name: str) -> str:
    return (SAMPLES / name).read_text(encoding="utf-8")


def _detail(client: TestClient, headers: Headers, account_id: str) -> dict[str, Any]:
    response = client.get(f"/api/accounts/{account_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _positions(detail: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal | None, str]]:
    """symbol → (quantity, cost basis, as_of_date)."""
    return {
        p["symbol"]: (
            dec(p["quantity"]),
            None if p["cost_basis"] is None else dec(p["cost_basis"]),
            p["as_of_date"],
        )
        for p in detail["positions"]
    }


def _prices(detail: dict[str, Any]) -> dict[str, tuple[Decimal | None, str | None, str | None]]:
    return {
        p["symbol"]: (
            None if p["price"] is None else dec(p["price"]),
            p["price_as_of"],
            p["price_source"],
        )
        for p in detail["positions"]
    }


def _own_prices(engine: Engine, user_id: str) -> int:
    with session_scope(engine) as session:
        return int(
            session.scalar(select(func.count()).select_from(Price).where(Price.user_id == user_id))
            or 0
        )


# --------------------------------------------------------------------------- the samples

EXPECTED: dict[str, dict[str, Any]] = {
    "fidelity_positions.csv": {
        "format": "fidelity",
        "as_of": "2026-11-28",
        "cash": Decimal("1273.47"),
        "positions": {
            "VTI": ("85.25", "20450.75", "310.42"),
            "FXAIX": ("42.118", "7012.40", "214.87"),
            "AAPL": ("35", "5123.30", "232.10"),
            "BND": ("60", "4402.20", "72.64"),
        },
    },
    "schwab_positions.csv": {
        "format": "schwab",
        "as_of": "2026-11-28",
        "cash": Decimal("3105.66"),
        "positions": {
            "SCHB": ("1250", "24912.50", "25.84"),
            "SCHD": ("410.5", "10650.00", "28.07"),
            "VXUS": ("120", "7020.18", "66.15"),
            "BRK.B": ("12", None, "472.30"),
            "SWVXX": ("2500.12", "2500.12", "1.00"),
        },
    },
    "vanguard_positions.csv": {
        "format": "vanguard",
        "as_of": "2026-11-30",  # the file has no date: the as_of parameter
        "cash": Decimal("4210.35"),
        "positions": {
            "VTI": ("40", None, "310.42"),
            "VXUS": ("75.5", None, "66.15"),
            "VTSAX": ("105.318", None, "145.87"),
        },
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_imports_exactly(
    client: TestClient, alice: Headers, shared: Engine, name: str
) -> None:
    want = EXPECTED[name]
    account = make_account(client, alice)
    params = {"as_of": "2026-11-30"} if want["format"] == "vanguard" else {}
    text = _sample(name)

    preview = _post(client, alice, account["id"], text, extra=params)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["format"] == want["format"]
    assert body["as_of"] == want["as_of"]
    assert body["errors"] == []
    assert dec(body["cash_balance"]) == want["cash"]
    assert {r["symbol"]: (r["quantity"], r["cost_basis"], r["price"]) for r in body["rows"]} == (
        want["positions"]
    )
    assert {r["action"] for r in body["rows"]} == {"add"}
    assert all(r["known_instrument"] for r in body["rows"])
    # The preview wrote nothing.
    untouched = _detail(client, alice, account["id"])
    assert untouched["positions"] == []
    assert dec(untouched["cash_balance"]) == dec("1000.50")
    assert _own_prices(shared, "user_alice") == 0

    committed = _post(client, alice, account["id"], text, commit=True, extra=params)
    assert committed.status_code == 200, committed.text
    assert committed.json()["committed"] is True
    detail = _detail(client, alice, account["id"])
    assert dec(detail["cash_balance"]) == want["cash"]
    assert _positions(detail) == {
        symbol: (dec(q), None if c is None else dec(c), want["as_of"])
        for symbol, (q, c, _) in want["positions"].items()
    }
    assert _prices(detail) == {
        symbol: (dec(p), want["as_of"], f"import:{want['format']}")
        for symbol, (_, _, p) in want["positions"].items()
    }
    assert _own_prices(shared, "user_alice") == len(want["positions"])


def test_imported_prices_are_the_owners_own(
    client: TestClient, alice: Headers, bob: Headers, shared: Engine
) -> None:
    bobs = make_account(client, bob)
    add_position(client, bob, bobs["id"], "VTI", "10")
    before = _detail(client, bob, bobs["id"])
    assert _prices(before)["VTI"] == (SHARED_PRICE[0], "2026-11-01", "seed")

    account = make_account(client, alice)
    text = _sample("fidelity_positions.csv")
    assert _post(client, alice, account["id"], text, commit=True).status_code == 200
    assert _prices(_detail(client, alice, account["id"]))["VTI"] == (
        dec("310.42"),
        "2026-11-28",
        "import:fidelity",
    )

    after = _detail(client, bob, bobs["id"])
    assert _prices(after)["VTI"] == _prices(before)["VTI"]
    assert after["total_value"] == before["total_value"]
    shared_view = client.get("/api/instruments/VTI", headers=bob).json()
    assert (dec(shared_view["current_price"]), shared_view["price_source"]) == (
        SHARED_PRICE[0],
        "seed",
    )
    assert _own_prices(shared, "user_bob") == 0


def test_update_keeps_a_cost_basis_the_file_does_not_give(
    client: TestClient, alice: Headers, shared: Engine
) -> None:
    account = make_account(client, alice)
    response = client.post(
        f"/api/accounts/{account['id']}/positions",
        json={"symbol": "VTI", "quantity": "30", "cost_basis": "6000"},
        headers=alice,
    )
    assert response.status_code == 201, response.text
    add_position(client, alice, account["id"], "SPY", "2")
    text = _sample("vanguard_positions.csv")
    preview = _post(client, alice, account["id"], text).json()
    assert {r["symbol"]: r["action"] for r in preview["rows"]} == {
        "VTI": "update",
        "VXUS": "add",
        "VTSAX": "add",
    }
    assert preview["not_in_file"] == ["SPY"]
    assert preview["as_of_source"] == "today"

    assert _post(client, alice, account["id"], text, commit=True).status_code == 200
    positions = _positions(_detail(client, alice, account["id"]))
    today = date.today().isoformat()
    assert positions["VTI"] == (dec(40), dec(6000), today)
    # Left as it was: the file is not the whole truth about the account.
    assert positions["SPY"][0] == dec(2)


# --------------------------------------------------------------------------- bad input


def test_preview_reports_bad_rows_and_commit_is_all_or_nothing(
    client: TestClient, alice: Headers, shared: Engine
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
    preview = _post(client, alice, account["id"], text)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["format"] == "simple"
    assert [(r["line"], r["symbol"], r["action"]) for r in body["rows"]] == [
        (2, "SPY", "update"),
        (3, "BRK.B", "add"),
        (8, "VTV", "add"),
    ]
    assert [e["line"] for e in body["errors"]] == [5, 6, 7, 9, 10]
    assert "symbol" in body["errors"][0]["message"]
    assert "short position" in body["errors"][1]["message"]
    assert body["errors"][2]["message"] == "cost_basis: not a number ('abc')"
    assert "already appears on line 8" in body["errors"][3]["message"]
    assert "expected 3 values" in body["errors"][4]["message"]
    # No cash lines in this layout: the account's cash is left alone.
    assert body["cash_balance"] is None

    rejected = _post(client, alice, account["id"], text, commit=True)
    assert rejected.status_code == 422
    assert rejected.json()["detail"][0]["loc"] == ["body", "line 5"]
    assert rejected.json()["committed"] is False
    detail = _detail(client, alice, account["id"])
    assert [(p["symbol"], dec(p["quantity"])) for p in detail["positions"]] == [("SPY", dec(1))]

    good = "symbol,quantity,cost_basis\nSPY,5,2000\nbrk.b,1.5,\nMYSTERY1,3,\n"
    preview = _post(client, alice, account["id"], good).json()
    assert {r["symbol"]: r["known_instrument"] for r in preview["rows"]} == {
        "SPY": True,
        "BRK.B": True,
        "MYSTERY1": False,
    }
    committed = _post(client, alice, account["id"], good, commit=True)
    assert committed.status_code == 200, committed.text
    detail = _detail(client, alice, account["id"])
    held = {p["symbol"]: (dec(p["quantity"]), p["classified"]) for p in detail["positions"]}
    assert held["SPY"] == (dec(5), True)
    assert held["BRK.B"][0] == dec("1.5")
    assert held["MYSTERY1"] == (dec(3), False)
    assert dec(detail["cash_balance"]) == dec("1000.50")


def test_a_bad_broker_line_blocks_the_whole_file(
    client: TestClient, alice: Headers, shared: Engine
) -> None:
    account = make_account(client, alice)
    text = _sample("schwab_positions.csv").replace('"410.5"', '"-410.5"')
    rejected = _post(client, alice, account["id"], text, commit=True)
    assert rejected.status_code == 422
    body = rejected.json()
    assert [(e["line"], e["message"]) for e in body["errors"]] == [
        (5, "quantity: -410.5 is a short position; only long positions can be imported")
    ]
    detail = _detail(client, alice, account["id"])
    assert detail["positions"] == []
    assert dec(detail["cash_balance"]) == dec("1000.50")
    assert _own_prices(shared, "user_alice") == 0


def test_a_refused_write_keeps_nothing(
    client: TestClient, alice: Headers, shared: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal part-way through the writes (here a price the store rejects) rolls back the
    positions already added and the cash."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise ValidationFailedError("prices refused", field="price")

    # The prices are written last: by then the positions have been added.
    monkeypatch.setattr(repo, "record_user_prices", refuse)
    account = make_account(client, alice)
    text = _sample("fidelity_positions.csv")
    first_line = _post(client, alice, account["id"], text).json()["rows"][0]["line"]
    response = _post(client, alice, account["id"], text, commit=True)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"line": first_line, "message": "prices refused"}]
    detail = _detail(client, alice, account["id"])
    assert detail["positions"] == []
    assert dec(detail["cash_balance"]) == dec("1000.50")
    assert _own_prices(shared, "user_alice") == 0


def test_private_symbol_limit(
    client: TestClient, alice: Headers, shared: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alex.core.config import get_settings

    monkeypatch.setenv("ALEX_MAX_PRIVATE_SYMBOLS", "2")
    get_settings.cache_clear()
    account = make_account(client, alice)
    add_position(client, alice, account["id"], "ZZMINE1", "1")
    text = "symbol,quantity\nVTI,1\nZZNEW1,1\nZZNEW2,2\n"
    preview = _post(client, alice, account["id"], text).json()
    assert [(e["line"], e["message"]) for e in preview["errors"]] == [
        (
            3,
            "the file adds 2 symbol(s) Alex does not know (ZZNEW1, ZZNEW2); with the 1 you "
            "hold already that is over the limit of 2 per user",
        )
    ]
    rejected = _post(client, alice, account["id"], text, commit=True)
    assert rejected.status_code == 422
    assert [p["symbol"] for p in _detail(client, alice, account["id"])["positions"]] == ["ZZMINE1"]
    # One more fits.
    fits = _post(client, alice, account["id"], "symbol,quantity\nZZNEW1,1\n", commit=True)
    assert fits.status_code == 200, fits.text


def test_bad_files(client: TestClient, alice: Headers) -> None:
    account = make_account(client, alice)
    header = _post(client, alice, account["id"], "ticker,shares\nSPY,1\n").json()
    assert header["rows"] == []
    assert header["format"] is None
    assert header["needs_mapping"] is True
    assert header["columns"] == ["ticker", "shares"]
    assert "missing column(s): symbol, quantity" in header["errors"][0]["message"]
    empty = _post(client, alice, account["id"], "").json()
    assert empty["errors"] == [{"line": 1, "message": "the file is empty"}]
    binary = client.post(
        f"/api/accounts/{account['id']}/import",
        content=b"\xff\xfe\x00bad",
        headers={**alice, "Content-Type": "text/csv"},
    )
    assert binary.status_code == 422

    # A field over the csv module's limit is reported as a bad file, not a 500.
    huge = _post(client, alice, account["id"], 'symbol,quantity\n"' + "A" * 200_000 + '",1\n')
    assert huge.status_code == 200, huge.text
    assert "unreadable CSV" in huge.json()["errors"][0]["message"]
    # A repeated column would silently keep the last value.
    twice = _post(client, alice, account["id"], "symbol,quantity,quantity\nSPY,1,2\n")
    assert twice.json()["rows"] == []
    assert "repeated column(s): quantity" in twice.json()["errors"][0]["message"]

    future = _post(client, alice, account["id"], "symbol,quantity\nSPY,1\n", as_of="2999-01-01")
    assert future.status_code == 422
    assert future.json()["detail"][0]["loc"] == ["body", "as_of"]


# --------------------------------------------------------------------------- choices


def test_column_mapping(client: TestClient, alice: Headers, shared: Engine) -> None:
    account = make_account(client, alice)
    text = _sample("other_broker.csv")
    unrecognised = _post(client, alice, account["id"], text).json()
    assert unrecognised["needs_mapping"] is True
    assert unrecognised["columns"] == [
        "Ticker",
        "Name",
        "Shares Held",
        "Last",
        "Market Value",
        "Total Cost",
    ]
    half = _post(client, alice, account["id"], text, symbol_column="Ticker")
    assert half.status_code == 422
    assert half.json()["detail"][0]["loc"] == ["body", "quantity_column"]

    mapping = {
        "symbol_column": "Ticker",
        "quantity_column": "Shares Held",
        "price_column": "Last",
        "cost_basis_column": "Total Cost",
        "as_of": "2026-11-27",
    }
    preview = _post(client, alice, account["id"], text, extra=mapping).json()
    assert preview["format"] == "mapped"
    assert [(i["line"], i["message"]) for i in preview["ignored"]] == [
        (5, "no quantity: not read as a holding"),
        (6, "no quantity: not read as a holding"),
    ]
    committed = _post(client, alice, account["id"], text, commit=True, extra=mapping)
    assert committed.status_code == 200, committed.text
    detail = _detail(client, alice, account["id"])
    assert _positions(detail) == {
        "VOO": (dec(10), dec("4100.00"), "2026-11-27"),
        "IWM": (dec("8.5"), None, "2026-11-27"),
    }
    assert _prices(detail)["IWM"] == (dec("221.40"), "2026-11-27", "import:mapped")
    assert dec(detail["cash_balance"]) == dec("1000.50")


def test_choosing_one_of_several_broker_accounts(
    client: TestClient, alice: Headers, shared: Engine
) -> None:
    account = make_account(client, alice)
    text = _sample("fidelity_positions.csv").replace(
        "X99990001,Individual - TOD,BND,", "X99990002,ROTH IRA,BND,"
    )
    both = _post(client, alice, account["id"], text).json()
    assert both["rows"] == []
    assert both["source_accounts"] == [
        {"number": "X99990001", "name": "Individual - TOD"},
        {"number": "X99990002", "name": "ROTH IRA"},
    ]
    roth = _post(client, alice, account["id"], text, commit=True, source_account="X99990002")
    assert roth.status_code == 200, roth.text
    detail = _detail(client, alice, account["id"])
    assert _positions(detail) == {"BND": (dec(60), dec("4402.20"), "2026-11-28")}
    # The cash lines belong to the other account: this one's cash is left alone.
    assert dec(detail["cash_balance"]) == dec("1000.50")
