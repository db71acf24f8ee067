"""A scripted stand-in for the price providers on 127.0.0.1, serving the recorded answers in
`tests/data/prices/`, and small helpers to build instruments and settings."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine

from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.models import Instrument
from alex.db.session import session_scope

DATA = Path(__file__).resolve().parents[1] / "data" / "prices"
POLYGON_KEY = "pk-test-0123456789abcdef"
TIINGO_KEY = "tt-test-fedcba9876543210"


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def json_reply(name: str, status: int = 200, **headers: str) -> Reply:
    return Reply(status, recorded(name), "application/json", dict(headers))


def html_reply(name: str, status: int = 200) -> Reply:
    return Reply(status, recorded(name), "text/html; charset=utf-8")


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class StandIn:
    """`on(path, *replies)` scripts a path: the replies are served in order and the last one
    repeats. An unscripted path gets `default` (404 unless set). Every request is kept in
    `requests`."""

    def __init__(self) -> None:
        self.script: dict[str, list[Reply]] = {}
        self.default = Reply(404, b'{"detail":"Not found."}')
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                with stand_in._lock:
                    stand_in.requests.append(
                        Seen(url.path, parse_qs(url.query), dict(self.headers.items()))
                    )
                    replies = stand_in.script.get(url.path)
                    if replies is None:
                        reply = stand_in.default
                    else:
                        reply = replies.pop(0) if len(replies) > 1 else replies[0]
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def on(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.script[path] = list(replies)

    def hits(self, path: str) -> int:
        return sum(1 for r in self.requests if r.path == path)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    server = StandIn()
    thread = threading.Thread(
        target=server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    thread.join(5)


def provider_settings(provider: str, stand_in: StandIn, **overrides: Any) -> Settings:
    """Settings for `provider` against the stand-in: no client-side rate limit, one retry."""
    values: dict[str, Any] = {
        "price_provider": provider,
        "polygon_api_key": POLYGON_KEY,
        "tiingo_api_key": TIINGO_KEY,
        "price_base_url": stand_in.url,
        "price_requests_per_minute": 0,
        "price_max_retries": 1,
        "price_timeout_seconds": 5,
    }
    values.update(overrides)
    return Settings(**values)


class Sleeps:
    """Stands in for `asyncio.sleep`: records what the provider asked to wait, waits nothing."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def add_instrument(
    engine: Engine,
    symbol: str,
    price: str | None = None,
    as_of: date | None = None,
    *,
    origin: str = "curated",
) -> None:
    """An instrument with (optionally) a shared price recorded the way the seed records one."""
    with session_scope(engine) as session:
        session.add(Instrument(symbol=symbol, name=f"{symbol} test fund", origin=origin))
        session.flush()
        if price is not None and as_of is not None:
            repo.record_price(session, symbol, Decimal(price), as_of, "seed")


def instrument_state(engine: Engine, symbol: str) -> Instrument:
    with session_scope(engine) as session:
        instrument = session.get(Instrument, symbol)
        assert instrument is not None
        session.expunge(instrument)
        return instrument


def hold(engine: Engine, user_id: str, *symbols: str) -> None:
    """`user_id` (created if new) holds 10 of each symbol in a new 401k account."""
    from alex.schemas import AccountCreate, PositionCreate, UserCreate

    with session_scope(engine) as session:
        if repo.get_user(session, user_id) is None:
            repo.create_user(session, UserCreate(id=user_id))
        account = repo.create_account(
            session, user_id, AccountCreate(account_name="401k", account_type="401k")
        )
        for symbol in symbols:
            repo.add_position(
                session, account, PositionCreate(symbol=symbol, quantity=Decimal("10"))
            )
