"""GET /api/jobs/{id}/changes: an analysis against the owner's previous completed one, with the
reasons when both kept what they were computed from; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.agents.planner.manager import run_analysis
from alex.api.routes.changes import JobChanges
from alex.db import repository as repo
from alex.db.session import session_scope
from alex.finance.changes import compare
from tests.api.conftest import Headers, add_position, complete_profile
from tests.api.test_exports import RECORDED, SECTIONS
from tests.finance.factories import demo_snapshot
from tests.finance.test_changes import _changed_demo, figures

# What the web app's tests read: the API's answer for the demo after a month of changes.
WEB_FIXTURE = Path(__file__).resolve().parents[2] / "frontend/tests/fixtures/changes.json"


async def _analyse(client: TestClient, app: FastAPI, headers: Headers) -> dict[str, Any]:
    job_id = client.post("/api/analyze", headers=headers).json()["job_id"]
    await run_analysis(uuid.UUID(job_id), engine=app.state.engine)
    job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
    assert job["status"] == "completed", job["error_message"]
    return dict(job)


def _changes(client: TestClient, headers: Headers, job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/jobs/{job_id}/changes", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _account(client: TestClient, headers: Headers, name: str) -> dict[str, Any]:
    accounts = client.get("/api/accounts", headers=headers).json()
    account_id = next(a["id"] for a in accounts if a["account_name"] == name)
    return dict(client.get(f"/api/accounts/{account_id}", headers=headers).json())


def _dec(value: Any) -> Decimal:
    return Decimal(str(value))


async def test_a_second_analysis_says_what_moved_and_why(
    client: TestClient, app: FastAPI, alice: Headers
) -> None:
    complete_profile(client, alice)
    assert client.post("/api/user/demo-data", headers=alice).status_code == 201
    first = await _analyse(client, app, alice)
    assert _changes(client, alice, first["id"]) == {
        "job_id": first["id"],
        "status": "first_analysis",
        "previous_job_id": None,
        "previous_completed_at": None,
        "comparison": None,
    }
    # The planner kept what the analysis was computed from.
    inputs = first["summary_payload"]["inputs"]
    assert len(inputs["accounts"]) == 3 and inputs["profile"]["retirement_age"] == 65

    # A month later: 10 VTI bought and 20 more SPY, GLD priced by hand, $500 more cash, saving
    # more and aiming for more equity.
    brokerage = _account(client, alice, "Taxable brokerage")
    add_position(client, alice, brokerage["id"], "VTI", "10")
    k401 = _account(client, alice, "Acme Corp 401(k)")
    spy = next(p for p in k401["positions"] if p["symbol"] == "SPY")
    client.patch(f"/api/positions/{spy['id']}", json={"quantity": "200"}, headers=alice)
    gld = next(p for p in brokerage["positions"] if p["symbol"] == "GLD")
    new_gld = _dec(gld["price"]) + 10
    client.put("/api/instruments/GLD/price", json={"price": str(new_gld)}, headers=alice)
    cash = _dec(brokerage["cash_balance"]) + 500
    client.patch(
        f"/api/accounts/{brokerage['id']}", json={"cash_balance": str(cash)}, headers=alice
    )
    complete_profile(
        client,
        alice,
        annual_contribution="15000",
        asset_class_targets={"equity": 80, "fixed_income": 15, "cash": 5},
    )
    second = await _analyse(client, app, alice)

    body = _changes(client, alice, second["id"])
    assert (body["status"], body["previous_job_id"]) == ("compared", first["id"])
    c = body["comparison"]
    assert c["reasons_available"] is True
    h0, h1 = first["summary_payload"]["headline"], second["summary_payload"]["headline"]
    # The value is each analysis's own total, and its parts add up to the change.
    assert (_dec(c["value"]["before"]), _dec(c["value"]["after"])) == (
        _dec(h0["total_value"]),
        _dec(h1["total_value"]),
    )
    a = c["attribution"]
    parts = ("new_positions", "removed_positions", "quantity_changes", "price_changes", "cash")
    assert sum(_dec(a[p]) for p in parts) == _dec(c["value"]["change"])
    assert [(p["change"], p["symbol"], _dec(p["quantity_change"])) for p in c["positions"]] == [
        ("resized", "SPY", 20),
        ("added", "VTI", 10),
    ]
    assert _dec(c["positions"][0]["value_change"]) == 20 * _dec(spy["price"])
    assert _dec(a["removed_positions"]) == 0
    [gld_move] = c["prices"]
    assert (gld_move["symbol"], _dec(gld_move["price_after"])) == ("GLD", new_gld)
    assert _dec(gld_move["value_change"]) == 10 * _dec(gld["quantity"])
    assert [(x["account_name"], _dec(x["change"])) for x in c["cash"]] == [
        ("Taxable brokerage", 500)
    ]
    assert c["profile"] == [
        {"field": "annual_contribution", "before": 10000.0, "after": 15000.0, "change": 5000.0}
    ]
    assert {(t["key"], t["change_pp"]) for t in c["targets"]} == {
        ("equity", 10.0),
        ("fixed_income", -10.0),
    }
    # Odds and drift are the analyses' own figures.
    assert (c["success"]["before"], c["success"]["after"]) == (h0["success_pct"], h1["success_pct"])
    assert c["success"]["change"] == round(h1["success_pct"] - h0["success_pct"], 2)
    assert (c["max_drift"]["before"], c["max_drift"]["after"]) == (
        h0["max_drift_pp"],
        h1["max_drift_pp"],
    )
    equity = next(s for s in c["asset_class"] if s["key"] == "equity")
    assert (equity["before_pct"], equity["after_pct"]) == (
        h0["asset_class_pct"]["equity"],
        h1["asset_class_pct"]["equity"],
    )

    # The first analysis still has nothing before it.
    assert _changes(client, alice, first["id"])["status"] == "first_analysis"


async def test_an_older_analysis_without_its_inputs_is_compared_on_its_figures(
    client: TestClient, app: FastAPI, alice: Headers, seeded: Engine
) -> None:
    recorded = json.loads(RECORDED.read_text())
    assert recorded["summary_payload"]["inputs"] is None
    with session_scope(seeded) as session:
        old = repo.create_job(session, "user_alice", "portfolio_analysis")
        for section in SECTIONS:
            setattr(old, section, recorded[section])
        old.status = "completed"
        old.completed_at = datetime.now(UTC) - timedelta(days=30)
        old_id = str(old.id)
    complete_profile(client, alice)
    client.post("/api/user/demo-data", headers=alice)
    job = await _analyse(client, app, alice)

    body = _changes(client, alice, job["id"])
    assert (body["status"], body["previous_job_id"]) == ("compared", old_id)
    c = body["comparison"]
    assert c["reasons_available"] is False and c["attribution"] is None
    assert (c["positions"], c["prices"], c["cash"], c["targets"]) == ([], [], [], [])
    old_headline = recorded["summary_payload"]["headline"]
    total = job["summary_payload"]["headline"]["total_value"]
    assert _dec(c["value"]["before"]) == _dec(old_headline["total_value"])
    assert _dec(c["value"]["change"]) == _dec(total) - _dec(old_headline["total_value"])
    assert c["success"]["before"] == old_headline["success_pct"] == 56.69
    # What the old analysis did store of the profile is still compared (it aimed for $85,000).
    income = next(p for p in c["profile"] if p["field"] == "target_retirement_income")
    assert (income["before"], income["after"]) == (85000.0, 60000.0)


def test_only_the_owner_sees_the_changes_and_an_unfinished_analysis_has_none(
    client: TestClient, alice: Headers, bob: Headers, seeded: Engine
) -> None:
    with session_scope(seeded) as session:
        pending = str(repo.create_job(session, "user_alice", "portfolio_analysis").id)
    assert _changes(client, alice, pending)["status"] == "not_completed"
    refused = client.get(f"/api/jobs/{pending}/changes", headers=bob)
    assert refused.status_code == 403  # as every job route answers for another user's job
    assert client.get(f"/api/jobs/{pending}/changes").status_code == 401
    missing = client.get(f"/api/jobs/{uuid.uuid4()}/changes", headers=alice)
    assert missing.status_code == 404


async def test_another_users_analyses_are_never_the_previous_one(
    client: TestClient, app: FastAPI, alice: Headers, bob: Headers
) -> None:
    for headers in (bob, alice):
        complete_profile(client, headers)
        client.post("/api/user/demo-data", headers=headers)
    await _analyse(client, app, bob)
    mine = await _analyse(client, app, alice)
    assert _changes(client, alice, mine["id"])["status"] == "first_analysis"


# --------------------------------------------------------------------------- the web app's fixture


def demo_changes() -> JobChanges:
    """The demo after a month of changes (tests/finance/test_changes.py), as the API sends it."""
    before = figures(demo_snapshot(), success_pct=61.2)
    after = figures(_changed_demo(), success_pct=66.0)
    before.sustainable_income, after.sustainable_income = 41200.0, 45870.5
    return JobChanges(
        job_id=uuid.UUID(int=2),
        status="compared",
        previous_job_id=uuid.UUID(int=1),
        previous_completed_at=datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
        comparison=compare(before, after),
    )


def test_the_web_apps_fixture_is_what_the_api_sends() -> None:
    sent = json.loads(demo_changes().model_dump_json())
    assert json.loads(WEB_FIXTURE.read_text()) == sent, (
        "regenerate frontend/tests/fixtures/changes.json: uv run python -m tests.api.test_changes"
    )


if __name__ == "__main__":
    WEB_FIXTURE.write_text(
        json.dumps(json.loads(demo_changes().model_dump_json()), indent=2) + "\n"
    )
