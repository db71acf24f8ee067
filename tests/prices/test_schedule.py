"""`alex serve`'s periodic refresh: on only when asked, survives failing rounds, stops cleanly,
and (on PostgreSQL) runs in one process at a time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from alex.api.app import create_app
from alex.prices import PriceProvider, Quote, QuoteResult, schedule
from alex.prices.schedule import (
    ADVISORY_LOCK_KEY,
    refresh_round,
    start_periodic_refresh,
    stop_periodic_refresh,
)
from tests.prices.conftest import (
    Reply,
    StandIn,
    add_instrument,
    hold,
    instrument_state,
    json_reply,
    provider_settings,
)

SEEDED = date(2026, 11, 20)
EVERY_THIRD_OF_A_SECOND = 0.3 / 60  # price_refresh_minutes


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "the refresh did not happen in time"
        await asyncio.sleep(0.05)


@pytest.fixture
def vti_held(engine: Engine) -> Engine:
    add_instrument(engine, "VTI", "310.00", SEEDED)
    hold(engine, "ana", "VTI")
    return engine


def test_off_unless_minutes_and_a_usable_provider_are_set(
    engine: Engine, stand_in: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    # start_periodic_refresh needs no loop when it starts nothing.
    assert start_periodic_refresh(provider_settings("polygon", stand_in), engine) is None
    minutes = {"price_refresh_minutes": 5}
    assert start_periodic_refresh(provider_settings("none", stand_in, **minutes), engine) is None
    keyless = provider_settings("polygon", stand_in, polygon_api_key=None, **minutes)
    assert start_periodic_refresh(keyless, engine) is None
    [disabled] = [r for r in caplog.records if r.getMessage() == "periodic price refresh disabled"]
    assert "set ALEX_POLYGON_API_KEY" in disabled.reason


async def test_rounds_repeat_survive_failures_and_stop_cleanly(
    vti_held: Engine, stand_in: StandIn
) -> None:
    # The first round meets a server error; a later one gets the price.
    stand_in.on(
        "/v2/aggs/ticker/VTI/prev",
        Reply(500, b"{}"),
        json_reply("polygon/prev_VTI.json"),
    )
    settings = provider_settings(
        "polygon", stand_in, price_refresh_minutes=EVERY_THIRD_OF_A_SECOND, price_max_retries=0
    )

    task = start_periodic_refresh(settings, vti_held, first_delay=0)
    assert task is not None
    await eventually(lambda: instrument_state(vti_held, "VTI").current_price == Decimal("332.47"))
    assert not task.done()
    await stop_periodic_refresh(task)

    assert task.cancelled()
    assert stand_in.hits("/v2/aggs/ticker/VTI/prev") >= 2
    assert instrument_state(vti_held, "VTI").price_error is None


class _ExplodingOnce(PriceProvider):
    """Raises an unexpected error in its first round (a bug), then answers."""

    name = "polygon"

    def __init__(self) -> None:
        self.rounds = 0

    async def quotes(self, symbols: Sequence[str]) -> AsyncGenerator[QuoteResult, None]:
        self.rounds += 1
        if self.rounds == 1:
            raise RuntimeError("a bug in a provider")
        for symbol in symbols:
            yield Quote(
                symbol=symbol, price=Decimal("333"), as_of=date(2026, 12, 1), source="polygon"
            )


async def test_a_round_that_raises_is_logged_and_the_next_one_runs(
    vti_held: Engine, stand_in: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    provider = _ExplodingOnce()
    settings = provider_settings("polygon", stand_in, price_refresh_minutes=EVERY_THIRD_OF_A_SECOND)

    task = start_periodic_refresh(settings, vti_held, provider=provider, first_delay=0)
    await eventually(lambda: instrument_state(vti_held, "VTI").current_price == Decimal("333"))
    await stop_periodic_refresh(task)

    assert provider.rounds >= 2
    assert "periodic price refresh failed; will retry next interval" in caplog.text
    assert "a bug in a provider" in caplog.text


async def test_one_process_refreshes_at_a_time(vti_held: Engine, stand_in: StandIn) -> None:
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    provider = _ExplodingOnce()
    provider.rounds = 1  # no explosion here

    if vti_held.dialect.name == "postgresql":
        # Another server process is mid-round: it holds the lock.
        with vti_held.connect() as other:
            assert other.scalar(select(func.pg_try_advisory_lock(ADVISORY_LOCK_KEY)))
            assert await refresh_round(vti_held, provider, 60) is None
            assert instrument_state(vti_held, "VTI").current_price == Decimal("310.00")
            other.scalar(select(func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
    report = await refresh_round(vti_held, provider, 60)
    assert report is not None and report.summary == "1 updated"

    # Right after a round, another process's round does not ask again.
    again = await refresh_round(vti_held, provider, 60)
    assert again is not None and again.summary == "1 recent"
    if vti_held.dialect.name == "postgresql":
        with vti_held.connect() as other:  # the lock was released
            assert other.scalar(select(func.pg_try_advisory_lock(ADVISORY_LOCK_KEY)))
            other.scalar(select(func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))


def test_the_server_runs_the_refresh_and_stops_it_on_shutdown(
    vti_held: Engine, stand_in: StandIn, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    monkeypatch.setattr(schedule, "FIRST_ROUND_DELAY_SECONDS", 0.0)
    settings = provider_settings(
        "polygon",
        stand_in,
        price_refresh_minutes=60,
        local_workers=0,
        frontend_dir=tmp_path / "no-frontend",
    )
    app = create_app(settings, engine=vti_held, start_workers=False)

    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        deadline = time.monotonic() + 10
        while instrument_state(vti_held, "VTI").current_price != Decimal("332.47"):
            assert time.monotonic() < deadline, "the server did not refresh prices"
            time.sleep(0.05)
    # Shutdown ended the task: no further request arrives.
    seen = len(stand_in.requests)
    time.sleep(0.2)
    assert len(stand_in.requests) == seen == 1
