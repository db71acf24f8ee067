"""The refresh service on SQLite and PostgreSQL: what it stores, what it keeps, what it says."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine, select

from alex.db import repository as repo
from alex.db.models import Price
from alex.db.session import session_scope
from alex.finance.valuation import price_staleness
from alex.prices import make_provider, refresh_prices
from alex.prices.http import RequestPacer
from alex.prices.none import NoPriceProvider
from alex.prices.polygon import PolygonProvider
from alex.prices.refresh import price_notes
from tests.prices.conftest import (
    Reply,
    Sleeps,
    StandIn,
    add_instrument,
    hold,
    instrument_state,
    json_reply,
    provider_settings,
)

SEEDED = date(2026, 11, 20)
QUOTED = date(2026, 12, 1)


def history(engine: Engine, symbol: str) -> list[tuple[Decimal, date, str, str | None]]:
    with session_scope(engine) as session:
        rows = session.execute(
            select(Price.price, Price.as_of, Price.source, Price.user_id)
            .where(Price.symbol == symbol)
            .order_by(Price.as_of, Price.id)
        ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def test_a_refresh_updates_held_symbols_and_keeps_history(
    engine: Engine, stand_in: StandIn, sleeps: Sleeps
) -> None:
    add_instrument(engine, "VTI", "310.00", SEEDED)
    add_instrument(engine, "BND", "73.50", SEEDED)
    add_instrument(engine, "VXUS", "68.00", SEEDED)  # nobody holds it: not asked for
    hold(engine, "ana", "VTI")
    hold(engine, "ben", "BND", "VTI")
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    stand_in.on("/v2/aggs/ticker/BND/prev", json_reply("polygon/prev_BND.json"))
    provider = make_provider(provider_settings("polygon", stand_in), sleep=sleeps)

    report = await refresh_prices(engine, provider)

    assert [(o.symbol, o.status, o.price, o.previous_price) for o in report.outcomes] == [
        ("BND", "updated", Decimal("74.23"), Decimal("73.50")),
        ("VTI", "updated", Decimal("332.47"), Decimal("310.00")),
    ]
    assert report.error is None and report.summary == "2 updated"
    assert {r.path for r in stand_in.requests} == {
        "/v2/aggs/ticker/VTI/prev",
        "/v2/aggs/ticker/BND/prev",
    }
    vti = instrument_state(engine, "VTI")
    assert (vti.current_price, vti.price_as_of, vti.price_source) == (
        Decimal("332.47"),
        QUOTED,
        "polygon",
    )
    assert vti.price_error is None and vti.price_checked_at is not None
    assert history(engine, "VTI") == [
        (Decimal("310.00"), SEEDED, "seed", None),
        (Decimal("332.47"), QUOTED, "polygon", None),
    ]
    assert instrument_state(engine, "VXUS").current_price == Decimal("68.00")

    # A second run on the same day changes nothing and adds no duplicate history.
    again = await refresh_prices(engine, provider, ["VTI"])
    assert [o.status for o in again.outcomes] == ["unchanged"]
    assert len(history(engine, "VTI")) == 2


async def test_an_older_quote_never_replaces_a_newer_price(
    engine: Engine, stand_in: StandIn, sleeps: Sleeps
) -> None:
    add_instrument(engine, "VTI")
    with session_scope(engine) as session:
        repo.record_price(session, "VTI", Decimal("340.00"), date(2026, 12, 2), "tiingo")
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    provider = make_provider(provider_settings("polygon", stand_in), sleep=sleeps)

    report = await refresh_prices(engine, provider, ["VTI"])

    [outcome] = report.outcomes
    assert outcome.status == "unchanged"
    assert outcome.message == (
        "polygon's price of 2026-12-01 is older than the current one of 2026-12-02"
    )
    vti = instrument_state(engine, "VTI")
    assert (vti.current_price, vti.price_as_of, vti.price_source) == (
        Decimal("340.00"),
        date(2026, 12, 2),
        "tiingo",
    )


async def test_a_real_quote_replaces_a_newer_dated_seed_approximation(
    engine: Engine, stand_in: StandIn, sleeps: Sleeps
) -> None:
    add_instrument(engine, "VTI", "340.00", date(2026, 12, 2))
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    provider = make_provider(provider_settings("polygon", stand_in), sleep=sleeps)

    [outcome] = (await refresh_prices(engine, provider, ["VTI"])).outcomes

    assert outcome.status == "updated" and outcome.message is None
    vti = instrument_state(engine, "VTI")
    assert (vti.price_as_of, vti.price_source) == (date(2026, 12, 1), "polygon")


async def test_a_failing_provider_keeps_the_price_and_marks_it_stale(
    engine: Engine, stand_in: StandIn, sleeps: Sleeps
) -> None:
    add_instrument(engine, "VTI", "310.00", SEEDED)
    add_instrument(engine, "BND", "73.50", SEEDED)
    add_instrument(engine, "VTSAX", "150.00", SEEDED)
    add_instrument(engine, "NEWCO", origin="user")  # never had a price
    stand_in.on("/v2/aggs/ticker/VTI/prev", Reply(500, b'{"status":"ERROR"}'))
    stand_in.on("/v2/aggs/ticker/BND/prev", Reply(200, b"<html>oops</html>", "text/html"))
    stand_in.on("/v2/aggs/ticker/VTSAX/prev", json_reply("polygon/prev_not_found.json"))
    stand_in.on("/v2/aggs/ticker/NEWCO/prev", json_reply("polygon/prev_not_found.json"))
    provider = make_provider(provider_settings("polygon", stand_in), sleep=sleeps)

    report = await refresh_prices(engine, provider, ["VTI", "BND", "VTSAX", "NEWCO"])

    assert [(o.symbol, o.status) for o in report.outcomes] == [
        ("VTI", "failed"),
        ("BND", "failed"),
        ("VTSAX", "not_found"),
        ("NEWCO", "not_found"),
    ]
    for symbol, price in (("VTI", "310.00"), ("BND", "73.50"), ("VTSAX", "150.00")):
        state = instrument_state(engine, symbol)
        assert (state.current_price, state.price_as_of) == (Decimal(price), SEEDED)
        assert state.price_error is not None and state.price_checked_at is not None
        assert history(engine, symbol) == [(Decimal(price), SEEDED, "seed", None)]
    assert instrument_state(engine, "VTI").price_error == (
        "polygon server error (HTTP 500); gave up after 2 attempts"
    )
    assert instrument_state(engine, "NEWCO").current_price is None

    # The kept price is reported stale, with the reason, however recent it is.
    hold(engine, "ana", "VTI")
    with session_scope(engine) as session:
        vti = repo.load_portfolio(session, "ana").instruments["VTI"]
    stale = price_staleness(vti, SEEDED + timedelta(days=1), max_age_days=7)
    assert stale is not None and stale.reason == "refresh_failed"
    assert "polygon server error (HTTP 500)" in stale.detail
    # And the one with no price at all gets its own note.
    assert price_notes(report) == [
        "NEWCO has no price: polygon gave none (polygon has no price for NEWCO)."
    ]

    # The next good answer clears the error.
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    await refresh_prices(engine, provider, ["VTI"])
    assert instrument_state(engine, "VTI").price_error is None


async def test_a_rejected_key_stops_the_run_and_keeps_what_came_before(
    engine: Engine, stand_in: StandIn, sleeps: Sleeps
) -> None:
    for symbol in ("BND", "VTI", "VXUS"):
        add_instrument(engine, symbol, "50.00", SEEDED)
    stand_in.on("/v2/aggs/ticker/BND/prev", json_reply("polygon/prev_BND.json"))
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/error_401.json", 401))
    provider = make_provider(provider_settings("polygon", stand_in), sleep=sleeps)

    report = await refresh_prices(engine, provider, ["BND", "VTI", "VXUS"])

    assert report.error is not None and "rejected the API key (HTTP 401" in report.error
    assert [(o.symbol, o.status) for o in report.outcomes] == [
        ("BND", "updated"),
        ("VTI", "not_reached"),
        ("VXUS", "not_reached"),
    ]
    assert instrument_state(engine, "BND").current_price == Decimal("74.23")
    # A configuration problem is not the symbol's fault: no error is pinned on it.
    assert instrument_state(engine, "VTI").price_error is None
    assert price_notes(report)[0].startswith("Prices were not refreshed from polygon: polygon")


async def test_unknown_recent_and_unreached_symbols_are_not_asked_for(
    engine: Engine, stand_in: StandIn, sleeps: Sleeps
) -> None:
    add_instrument(engine, "VTI", "310.00", SEEDED)
    add_instrument(engine, "BND", "73.50", SEEDED)
    add_instrument(engine, "AAPL", "250.00", SEEDED)
    stand_in.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    stand_in.on("/v2/aggs/ticker/BND/prev", json_reply("polygon/prev_BND.json"))
    provider = make_provider(provider_settings("polygon", stand_in), sleep=sleeps)
    await refresh_prices(engine, provider, ["VTI"])
    stand_in.requests.clear()

    # One request a minute: BND goes first, AAPL would wait a minute, past the budget.
    paced = PolygonProvider(
        provider_settings("polygon", stand_in, price_requests_per_minute=1),
        pacer=RequestPacer(1),
    )
    report = await refresh_prices(
        engine,
        paced,
        ["NOPE", "VTI", "BND", "AAPL"],
        recheck_after=timedelta(hours=1),
        budget_seconds=1.5,
    )

    assert [(o.symbol, o.status) for o in report.outcomes] == [
        ("NOPE", "unknown"),
        ("VTI", "recent"),
        ("BND", "updated"),
        ("AAPL", "not_reached"),
    ]
    assert report.budget_exhausted
    assert report.outcomes[3].message == (
        "not reached within 1.5 s (polygon allows 1 requests a minute)"
    )
    assert [r.path for r in stand_in.requests] == ["/v2/aggs/ticker/BND/prev"]
    assert instrument_state(engine, "AAPL").current_price == Decimal("250.00")
    assert price_notes(report) == [
        "Not refreshed in time from polygon: AAPL; their last known prices are used."
    ]


async def test_the_none_provider_changes_nothing(engine: Engine) -> None:
    add_instrument(engine, "VTI", "310.00", SEEDED)
    hold(engine, "ana", "VTI")

    before = instrument_state(engine, "VTI").price_checked_at

    report = await refresh_prices(engine, NoPriceProvider())

    assert report.outcomes == [] and report.error is None
    assert instrument_state(engine, "VTI").price_checked_at == before
    assert history(engine, "VTI") == [(Decimal("310.00"), SEEDED, "seed", None)]


def test_the_report_reads_as_a_table() -> None:
    from alex.prices.refresh import RefreshReport, SymbolRefresh

    report = RefreshReport(
        provider="polygon",
        outcomes=[
            SymbolRefresh(
                symbol="VTI",
                status="updated",
                price=Decimal("332.47"),
                as_of=QUOTED,
                previous_price=Decimal("310"),
                previous_as_of=SEEDED,
            ),
            SymbolRefresh(symbol="VTSAX", status="not_found", message="polygon has no price"),
        ],
    )

    assert report.table() == [
        "SYMBOL  STATUS     PRICE   AS OF       WAS                  NOTE",
        "VTI     updated    332.47  2026-12-01  310.00 (2026-11-20)",
        "VTSAX   not found  -       -           -                    polygon has no price",
        "polygon: 1 updated, 1 not found",
    ]
