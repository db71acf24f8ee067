"""The providers against a local stand-in serving recorded answers: success, not found,
rate limits, server errors, answers that must not become prices, rejected keys."""

from __future__ import annotations

import logging
import socket
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from alex.prices import (
    PriceProvider,
    ProviderConfigError,
    Quote,
    QuoteError,
    QuoteResult,
    make_provider,
    normalise_symbol,
)
from alex.prices.http import MAX_BODY_BYTES, RequestPacer, retry_after_seconds
from alex.prices.none import NoPriceProvider
from alex.prices.polygon import PolygonProvider
from alex.prices.tiingo import TiingoProvider
from tests.prices.conftest import (
    POLYGON_KEY,
    TIINGO_KEY,
    Reply,
    Sleeps,
    StandIn,
    html_reply,
    json_reply,
    provider_settings,
    recorded,
)

VTI = "/v2/aggs/ticker/VTI/prev"
BND = "/v2/aggs/ticker/BND/prev"
AAPL = "/v2/aggs/ticker/AAPL/prev"


async def collect(provider: PriceProvider, symbols: Sequence[str]) -> list[QuoteResult]:
    return [result async for result in provider.quotes(symbols)]


def polygon(stand_in: StandIn, sleeps: Sleeps, **overrides: object) -> PriceProvider:
    return make_provider(provider_settings("polygon", stand_in, **overrides), sleep=sleeps)


def error_of(result: QuoteResult) -> QuoteError:
    assert isinstance(result, QuoteError), result
    return result


# --------------------------------------------------------------------------- polygon


async def test_polygon_previous_close_becomes_a_quote(stand_in: StandIn, sleeps: Sleeps) -> None:
    stand_in.on(VTI, json_reply("polygon/prev_VTI.json"))
    stand_in.on(AAPL, json_reply("polygon/prev_midnight_AAPL.json"))

    results = await collect(polygon(stand_in, sleeps), ["VTI", "AAPL"])

    assert results == [
        Quote(symbol="VTI", price=Decimal("332.47"), as_of=date(2026, 12, 1), source="polygon"),
        # The same trading day, whether `t` is the bar's start or its close.
        Quote(symbol="AAPL", price=Decimal("281.64"), as_of=date(2026, 12, 1), source="polygon"),
    ]
    first = stand_in.requests[0]
    assert first.query == {"adjusted": ["true"]}
    assert first.headers["Authorization"] == f"Bearer {POLYGON_KEY}"
    # The key travels in a header only, never in a URL that could be logged.
    assert all(
        POLYGON_KEY not in str(r.query) and POLYGON_KEY not in r.path for r in stand_in.requests
    )
    assert sleeps.waits == []


async def test_polygon_unknown_ticker_is_not_found_and_the_run_goes_on(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on("/v2/aggs/ticker/VTSAX/prev", json_reply("polygon/prev_not_found.json"))
    stand_in.on(VTI, json_reply("polygon/prev_VTI.json"))

    missing, found = await collect(polygon(stand_in, sleeps), ["VTSAX", "VTI"])

    assert error_of(missing).kind == "not_found"
    assert error_of(missing).message == "polygon has no price for VTSAX"
    assert isinstance(found, Quote) and found.price == Decimal("332.47")


async def test_429_waits_what_retry_after_asks_then_succeeds(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on(
        VTI,
        json_reply("polygon/error_429.json", 429, **{"Retry-After": "7"}),
        json_reply("polygon/prev_VTI.json"),
    )

    [result] = await collect(polygon(stand_in, sleeps, price_max_retries=3), ["VTI"])

    assert isinstance(result, Quote) and result.price == Decimal("332.47")
    assert sleeps.waits == [7.0]
    assert stand_in.hits(VTI) == 2


async def test_persistent_429_backs_off_exponentially_then_gives_up(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on(VTI, json_reply("polygon/error_429.json", 429))

    [result] = await collect(polygon(stand_in, sleeps, price_max_retries=3), ["VTI"])

    error = error_of(result)
    assert error.kind == "rate_limited"
    assert error.message == "polygon rate limit (HTTP 429); gave up after 4 attempts"
    assert stand_in.hits(VTI) == 4
    assert sleeps.waits == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, b'{"status":"ERROR","error":"Internal server error"}'),
        Reply(503, b"", headers={"Retry-After": "3"}),
        html_reply("gateway_502.html", 502),
    ],
    ids=["500", "503-retry-after", "502-html"],
)
async def test_server_errors_are_retried_then_reported(
    stand_in: StandIn, sleeps: Sleeps, reply: Reply
) -> None:
    stand_in.on(VTI, reply)

    [result] = await collect(polygon(stand_in, sleeps, price_max_retries=2), ["VTI"])

    error = error_of(result)
    assert error.kind == "server_error"
    assert f"server error (HTTP {reply.status}); gave up after 3 attempts" in error.message
    assert stand_in.hits(VTI) == 3
    assert len(sleeps.waits) == 2


async def test_a_server_error_that_passes_is_only_a_delay(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on(VTI, html_reply("gateway_502.html", 502), json_reply("polygon/prev_VTI.json"))

    [result] = await collect(polygon(stand_in, sleeps), ["VTI"])

    assert isinstance(result, Quote)
    assert sleeps.waits == [1.0]


async def test_a_long_retry_after_stops_asking_for_the_rest_of_the_run(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on(VTI, json_reply("polygon/error_429.json", 429, **{"Retry-After": "3600"}))
    stand_in.on(BND, json_reply("polygon/prev_BND.json"))

    first, second = await collect(polygon(stand_in, sleeps, price_max_retries=3), ["VTI", "BND"])

    assert error_of(first).message == "polygon asked to wait 3600 s (HTTP 429)"
    assert error_of(second).message == "not tried: polygon asked to wait 3600 s (HTTP 429)"
    assert stand_in.hits(VTI) == 1 and stand_in.hits(BND) == 0
    assert sleeps.waits == []


async def test_two_symbols_failing_in_a_row_stop_the_run(stand_in: StandIn, sleeps: Sleeps) -> None:
    stand_in.default = Reply(500, b"{}")

    results = await collect(polygon(stand_in, sleeps, price_max_retries=0), ["A", "B", "C", "D"])

    assert [error_of(r).kind for r in results] == ["server_error"] * 2 + ["rate_limited"] * 2
    assert error_of(results[2]).message.startswith("not tried: polygon failed for 2 symbols")
    assert len(stand_in.requests) == 2


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (json_reply("polygon/prev_negative_close.json"), "price: Input should be greater than 0"),
        (json_reply("polygon/prev_nan_close.json"), "results.0.c: Input should be a finite number"),
        (
            json_reply("polygon/prev_close_as_string.json"),
            "results.0.c: Input should be a valid number",
        ),
        (json_reply("polygon/prev_missing_close.json"), "results.0.c: Field required"),
        (
            json_reply("polygon/prev_future_date.json"),
            "as_of: Value error, the date 2100-01-01 is in the future",
        ),
        (json_reply("polygon/prev_BND.json"), "the answer is for BND, not VTI"),
        (html_reply("captive_portal.html"), "an HTML page instead of JSON (HTTP 200)"),
        (Reply(200, b"<html><body>maintenance</body></html>", "text/plain"), "an HTML page"),
        (Reply(200, b""), "an empty answer"),
        (Reply(200, b"upstream connect error", "text/plain"), "not JSON: upstream connect error"),
        (Reply(200, b'[{"c": 1}]'), "the answer: Input should be an object"),
        (Reply(200, b'{"status":"OK","results":[{"c":1e400,"t":1796158800000}]}'), "finite number"),
        (
            Reply(200, b'{"status":"OK","results":[{"c":0.0000001,"t":1796158800000}]}'),
            "rounds to zero",
        ),
        (Reply(200, b'{"status":"OK","results":[{"c":5,"t":99999999999999999}]}'), "out of range"),
        (Reply(200, b'{"status":"OK","results":[{"c":5e15,"t":1796158800000}]}'), "less than"),
        (Reply(200, b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"), "too large"),
        (Reply(400, b'{"status":"ERROR","error":"Bad request"}'), "HTTP 400: Bad request"),
        (
            Reply(200, b'{"status":"OK"}', headers={"Content-Encoding": "gzip"}),
            "could not be decoded",
        ),
    ],
    ids=[
        "negative",
        "nan",
        "string",
        "missing",
        "future",
        "other-ticker",
        "html",
        "html-as-text",
        "empty",
        "text",
        "list",
        "infinite",
        "rounds-to-zero",
        "bad-timestamp",
        "absurd",
        "huge",
        "400",
        "bad-gzip",
    ],
)
async def test_answers_that_are_not_prices_never_become_one(
    stand_in: StandIn, sleeps: Sleeps, reply: Reply, why: str
) -> None:
    stand_in.on(VTI, reply)

    [result] = await collect(polygon(stand_in, sleeps), ["VTI"])

    error = error_of(result)
    assert error.kind == "invalid"
    assert error.message.startswith("polygon sent an unusable answer: ")
    assert why in error.message
    assert stand_in.hits(VTI) == 1  # a wrong answer is not retried


@pytest.mark.parametrize(
    ("name", "status", "said"),
    [
        ("polygon/error_401.json", 401, "Unknown API Key"),
        ("polygon/error_403.json", 403, "not entitled"),
    ],
)
async def test_a_rejected_key_stops_the_run_with_a_clear_error(
    stand_in: StandIn, sleeps: Sleeps, name: str, status: int, said: str
) -> None:
    stand_in.on(VTI, json_reply("polygon/prev_VTI.json"))
    stand_in.on(BND, json_reply(name, status))
    seen: list[QuoteResult] = []

    with pytest.raises(ProviderConfigError) as raised:
        async for result in polygon(stand_in, sleeps).quotes(["VTI", "BND", "AAPL"]):
            seen.append(result)

    assert [r.symbol for r in seen] == ["VTI"]  # what came before stands
    message = raised.value.message
    assert f"polygon rejected the API key (HTTP {status}: " in message
    assert said in message and "ALEX_POLYGON_API_KEY" in message
    assert POLYGON_KEY not in message
    assert stand_in.hits(AAPL) == 0


async def test_a_provider_echoing_the_key_never_repeats_it(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on(VTI, Reply(400, b'{"error":"bad key ' + POLYGON_KEY.encode() + b'"}'))

    [result] = await collect(polygon(stand_in, sleeps), ["VTI"])

    assert POLYGON_KEY not in error_of(result).message
    assert "bad key [key]" in error_of(result).message


async def test_unreachable_and_slow_providers_are_network_errors(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on(VTI, Reply(200, recorded("polygon/prev_VTI.json"), delay=1.0))
    slow = polygon(stand_in, sleeps, price_timeout_seconds=0.2, price_max_retries=0)
    [timed_out] = await collect(slow, ["VTI"])
    assert error_of(timed_out).kind == "network"
    assert (
        error_of(timed_out).message
        == "polygon did not answer within 0.2 s; gave up after 1 attempt"
    )

    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    gone = polygon(
        stand_in, sleeps, price_max_retries=1, price_base_url=f"http://127.0.0.1:{closed_port}"
    )
    [unreachable] = await collect(gone, ["BND"])
    assert error_of(unreachable).kind == "network"
    assert "could not be reached (ConnectError)" in error_of(unreachable).message


async def test_the_key_never_reaches_the_logs(
    stand_in: StandIn, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stand_in.on(VTI, json_reply("polygon/error_429.json", 429), json_reply("polygon/prev_VTI.json"))
    stand_in.on(BND, json_reply("polygon/error_401.json", 401))

    with pytest.raises(ProviderConfigError):
        await collect(polygon(stand_in, sleeps), ["VTI", "BND"])

    assert "price request failed" in caplog.text
    assert POLYGON_KEY not in caplog.text


def test_a_provider_without_its_key_is_a_configuration_error(stand_in: StandIn) -> None:
    for provider, setting in (
        ("polygon", "ALEX_POLYGON_API_KEY"),
        ("tiingo", "ALEX_TIINGO_API_KEY"),
    ):
        settings = provider_settings(provider, stand_in, polygon_api_key=None, tiingo_api_key=" ")
        with pytest.raises(ProviderConfigError) as raised:
            make_provider(settings)
        assert (
            raised.value.message == f"the {provider} price provider needs an API key: set {setting}"
        )


def test_the_provider_is_chosen_in_one_place(stand_in: StandIn) -> None:
    assert isinstance(make_provider(provider_settings("polygon", stand_in)), PolygonProvider)
    assert isinstance(make_provider(provider_settings("tiingo", stand_in)), TiingoProvider)
    none = make_provider(provider_settings("none", stand_in))
    assert isinstance(none, NoPriceProvider) and not none.configured


async def test_the_none_provider_never_calls_anyone(stand_in: StandIn) -> None:
    assert await collect(NoPriceProvider(), ["VTI"]) == []
    assert stand_in.requests == []


def test_symbols_are_checked_before_they_reach_a_url() -> None:
    assert normalise_symbol(" brk.b ") == "BRK.B"
    for bad in ("../admin", "VTI?x=1", "", "A B", "X" * 21):
        with pytest.raises(ValueError, match="is not a valid symbol"):
            normalise_symbol(bad)


# --------------------------------------------------------------------------- tiingo


def tiingo(stand_in: StandIn, sleeps: Sleeps, **overrides: object) -> PriceProvider:
    return make_provider(provider_settings("tiingo", stand_in, **overrides), sleep=sleeps)


async def test_tiingo_end_of_day_covers_mutual_funds_and_share_classes(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on("/tiingo/daily/VTSAX/prices", json_reply("tiingo/prices_VTSAX.json"))
    stand_in.on("/tiingo/daily/BRK-B/prices", json_reply("tiingo/prices_BRK-B.json"))

    results = await collect(tiingo(stand_in, sleeps), ["VTSAX", "BRK.B"])

    assert results == [
        Quote(symbol="VTSAX", price=Decimal("152.87"), as_of=date(2026, 12, 1), source="tiingo"),
        Quote(symbol="BRK.B", price=Decimal("497.31"), as_of=date(2026, 12, 1), source="tiingo"),
    ]
    assert stand_in.requests[0].headers["Authorization"] == f"Token {TIINGO_KEY}"


async def test_tiingo_unknown_ticker_and_empty_history_are_not_found(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on("/tiingo/daily/ZZZQX/prices", json_reply("tiingo/not_found_404.json", 404))
    stand_in.on("/tiingo/daily/NEWCO/prices", json_reply("tiingo/prices_empty.json"))

    results = await collect(tiingo(stand_in, sleeps), ["ZZZQX", "NEWCO"])

    assert [error_of(r).kind for r in results] == ["not_found", "not_found"]


async def test_tiingo_invalid_token_is_a_configuration_error(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    stand_in.on("/tiingo/daily/VTI/prices", json_reply("tiingo/invalid_token_401.json", 401))

    with pytest.raises(
        ProviderConfigError, match=r"tiingo rejected the API key \(HTTP 401: Invalid token\.\)"
    ):
        await collect(tiingo(stand_in, sleeps), ["VTI"])


async def test_tiingo_used_up_allowance_in_plain_text_stops_the_run(
    stand_in: StandIn, sleeps: Sleeps
) -> None:
    text = Reply(200, recorded("tiingo/allowance_used.txt"), "text/html")
    text.content_type = "text/plain"
    stand_in.on("/tiingo/daily/VTI/prices", text)

    first, second = await collect(tiingo(stand_in, sleeps), ["VTI", "BND"])

    assert error_of(first).kind == "rate_limited"
    assert "allowance used up: You have run over your 500 symbol look up" in error_of(first).message
    assert error_of(second).message.startswith("not tried: tiingo allowance used up")
    assert stand_in.hits("/tiingo/daily/BND/prices") == 0


# --------------------------------------------------------------------------- pacing


def test_the_pacer_allows_per_minute_requests_in_any_minute() -> None:
    now = [0.0]
    pacer = RequestPacer(2, clock=lambda: now[0])

    assert [pacer.reserve(), pacer.reserve(), pacer.reserve()] == [0.0, 0.0, 60.0]
    now[0] = 30.0
    assert pacer.reserve() == 30.0  # the second slot at 60
    assert pacer.reserve() == 90.0  # a minute after the third
    now[0] = 500.0
    assert pacer.reserve() == 0.0
    assert RequestPacer(0).reserve() == 0.0


async def test_the_provider_waits_for_the_pacer(stand_in: StandIn, sleeps: Sleeps) -> None:
    stand_in.on(VTI, json_reply("polygon/prev_VTI.json"))
    stand_in.on(BND, json_reply("polygon/prev_BND.json"))
    now = [100.0]
    settings = provider_settings("polygon", stand_in, price_requests_per_minute=1)
    provider = PolygonProvider(settings, sleep=sleeps, pacer=RequestPacer(1, clock=lambda: now[0]))

    results = await collect(provider, ["VTI", "BND"])

    assert all(isinstance(r, Quote) for r in results)
    assert sleeps.waits == [60.0]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 12, 2, 13, 45, tzinfo=UTC)
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("Wed, 02 Dec 2026 13:45:30 GMT", now=now) == 30.0
    assert retry_after_seconds("Wed, 02 Dec 2026 13:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
