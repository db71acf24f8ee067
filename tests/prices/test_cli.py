"""`alex prices refresh` through typer's runner, against the stand-in, on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.cli import app
from alex.core.config import get_settings
from tests.prices.conftest import (
    POLYGON_KEY,
    Reply,
    StandIn,
    add_instrument,
    hold,
    instrument_state,
    json_reply,
)

runner = CliRunner()
SEEDED = date(2026, 11, 20)


@pytest.fixture
def polygon_env(engine: Engine, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    for name, value in {
        "ALEX_PRICE_PROVIDER": "polygon",
        "ALEX_POLYGON_API_KEY": POLYGON_KEY,
        "ALEX_PRICE_BASE_URL": stand_in.url,
        "ALEX_PRICE_REQUESTS_PER_MINUTE": "0",
        "ALEX_PRICE_MAX_RETRIES": "0",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    add_instrument(engine, "VTI", "310.00", SEEDED)
    add_instrument(engine, "BND", "73.50", SEEDED)
    add_instrument(engine, "VTSAX", "150.00", SEEDED)
    hold(engine, "ana", "VTI", "BND", "VTSAX")
    return stand_in


def test_refresh_prints_what_happened_to_each_held_symbol(
    engine: Engine, polygon_env: StandIn
) -> None:
    polygon_env.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))
    polygon_env.on("/v2/aggs/ticker/BND/prev", Reply(500, b"{}"))
    polygon_env.on("/v2/aggs/ticker/VTSAX/prev", json_reply("polygon/prev_not_found.json"))

    result = runner.invoke(app, ["prices", "refresh"])

    # Symbols failing is what a refresh reports, not a failure of the command.
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["SYMBOL", "STATUS", "PRICE", "AS", "OF", "WAS", "NOTE"]
    assert lines[1].split()[:3] == ["BND", "failed", "-"]
    assert "polygon server error (HTTP 500); gave up after 1 attempt" in lines[1]
    assert lines[2].split() == ["VTI", "updated", "332.47", "2026-12-01", "310.00", "(2026-11-20)"]
    assert lines[3].split()[:3] == ["VTSAX", "not", "found"]
    assert lines[-1] == "polygon: 1 failed, 1 updated, 1 not found"
    assert instrument_state(engine, "VTI").current_price == Decimal("332.47")
    assert instrument_state(engine, "BND").current_price == Decimal("73.50")
    assert POLYGON_KEY not in result.output


def test_refresh_of_named_symbols_only(engine: Engine, polygon_env: StandIn) -> None:
    polygon_env.on("/v2/aggs/ticker/VTI/prev", json_reply("polygon/prev_VTI.json"))

    result = runner.invoke(app, ["prices", "refresh", "--symbols", " vti ,NOPE"])

    assert result.exit_code == 0, result.output
    assert [line.split()[:2] for line in result.stdout.splitlines()[1:3]] == [
        ["VTI", "updated"],
        ["NOPE", "unknown"],
    ]
    assert [r.path for r in polygon_env.requests] == ["/v2/aggs/ticker/VTI/prev"]


@pytest.mark.parametrize("symbols", ["VTI,../etc", ",", "VTI;DROP"])
def test_bad_symbols_are_refused_naming_the_option(
    engine: Engine, polygon_env: StandIn, symbols: str
) -> None:
    result = runner.invoke(app, ["prices", "refresh", "--symbols", symbols])

    assert result.exit_code == 2
    assert "--symbols" in result.output
    assert polygon_env.requests == []


def test_a_rejected_key_exits_non_zero_with_the_reason(
    engine: Engine, polygon_env: StandIn
) -> None:
    polygon_env.default = json_reply("polygon/error_401.json", 401)

    result = runner.invoke(app, ["prices", "refresh"])

    assert result.exit_code == 2
    assert (
        "error: polygon rejected the API key (HTTP 401: Unknown API Key); "
        "check ALEX_POLYGON_API_KEY" in result.stderr
    )
    assert instrument_state(engine, "VTI").current_price == Decimal("310.00")


def test_a_missing_key_exits_non_zero_before_any_request(
    engine: Engine, polygon_env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALEX_POLYGON_API_KEY")
    get_settings.cache_clear()

    result = runner.invoke(app, ["prices", "refresh"])

    assert result.exit_code == 2
    assert "the polygon price provider needs an API key: set ALEX_POLYGON_API_KEY" in result.stderr
    assert polygon_env.requests == []


def test_without_a_provider_it_says_so_and_changes_nothing(
    engine: Engine, polygon_env: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALEX_PRICE_PROVIDER", "none")
    get_settings.cache_clear()

    result = runner.invoke(app, ["prices", "refresh"])

    assert result.exit_code == 0
    assert "No price provider is configured (ALEX_PRICE_PROVIDER=none)" in result.stdout
    assert polygon_env.requests == []
