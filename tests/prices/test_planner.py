"""The planner refreshes the prices of what the user holds before an analysis, and a failing
provider never fails the job. Driven like the planner tests in tests/agents, on both databases."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from alex.agents.planner.manager import run_analysis
from alex.db import repository as repo
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.schemas import AccountCreate, PositionCreate, UserCreate
from tests.agents.conftest import load_events, load_job
from tests.prices.conftest import Reply, StandIn, json_reply, provider_settings


def prices_of(engine: Engine, user_id: str) -> dict[str, tuple[Decimal | None, object]]:
    with session_scope(engine) as session:
        symbols = repo.held_symbols(session, user_id)
        return {
            s: (i.current_price, i.price_as_of)
            for s in symbols
            if (i := repo.require_instrument(session, s))
        }


@pytest.fixture
def ana_job(engine: Engine) -> uuid.UUID:
    """Ana holds VTI and BND (from the curated set) beside cash; one pending analysis."""
    seed(engine)
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="ana", display_name="Ana"))
        account = repo.create_account(
            session,
            "ana",
            AccountCreate(account_name="Roth", account_type="roth_ira", cash_balance=Decimal(500)),
        )
        for symbol in ("VTI", "BND"):
            repo.add_position(
                session, account, PositionCreate(symbol=symbol, quantity=Decimal("10"))
            )
        return repo.create_job(session, "ana", "portfolio_analysis", {}).id


async def test_the_planner_refreshes_this_users_holdings_first(
    engine: Engine, stand_in: StandIn, ana_job: uuid.UUID
) -> None:
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    stand_in.on("/v2/aggs/ticker/BND/prev", json_reply("polygon/prev_BND.json"))

    await run_analysis(ana_job, engine=engine, settings=provider_settings("polygon", stand_in))

    job = load_job(engine, ana_job)
    assert job.status == "completed", job.error_message
    # Only Ana's symbols were asked for, not the demo user's.
    assert sorted(r.path for r in stand_in.requests) == [
        "/v2/aggs/ticker/BND/prev",
        "/v2/aggs/ticker/VTI/prev",
    ]
    # The analysis values the refreshed prices.
    assert job.summary_payload is not None
    assert job.summary_payload.headline is not None
    assert job.summary_payload.headline.total_value == pytest.approx(10 * 332.47 + 10 * 74.23 + 500)
    messages = [e.message for e in load_events(engine, ana_job) if e.agent == "planner"]
    refreshing = messages.index("Refreshing 2 prices from polygon")
    assert messages[refreshing + 1] == "Prices from polygon: 2 updated"
    assert any(m.startswith("Loaded 1 accounts") for m in messages[refreshing + 2 :])


async def test_a_failing_provider_never_fails_the_job(
    engine: Engine, stand_in: StandIn, ana_job: uuid.UUID
) -> None:
    stand_in.default = Reply(500, b'{"status":"ERROR","error":"Internal server error"}')
    before = prices_of(engine, "ana")

    await run_analysis(
        ana_job,
        engine=engine,
        settings=provider_settings("polygon", stand_in, price_max_retries=0),
    )

    job = load_job(engine, ana_job)
    assert job.status == "completed", job.error_message
    assert prices_of(engine, "ana") == before  # the old prices stay
    assert job.summary_payload is not None
    notes = job.summary_payload.data_quality.notes
    for symbol in ("VTI", "BND"):
        assert any(
            f"The price of {symbol} is stale: the last refresh failed (polygon server error "
            "(HTTP 500); gave up after 1 attempt)" in note
            for note in notes
        ), notes
    assert job.report_payload is not None
    assert "the last refresh failed" in job.report_payload.markdown


async def test_a_misconfigured_provider_is_a_note_not_a_failure(
    engine: Engine, stand_in: StandIn, ana_job: uuid.UUID
) -> None:
    stand_in.default = json_reply("polygon/error_401.json", 401)

    await run_analysis(ana_job, engine=engine, settings=provider_settings("polygon", stand_in))

    job = load_job(engine, ana_job)
    assert job.status == "completed", job.error_message
    assert job.summary_payload is not None
    assert (
        "Prices were not refreshed from polygon: polygon rejected the API key (HTTP 401: "
        "Unknown API Key); check ALEX_POLYGON_API_KEY. The last known prices are used."
    ) in job.summary_payload.data_quality.notes
    assert len(stand_in.requests) == 1


async def test_no_provider_means_no_refresh_step(
    engine: Engine, stand_in: StandIn, ana_job: uuid.UUID
) -> None:
    await run_analysis(ana_job, engine=engine, settings=provider_settings("none", stand_in))

    assert load_job(engine, ana_job).status == "completed"
    assert stand_in.requests == []
    assert not any("prices" in e.message for e in load_events(engine, ana_job))
