"""Tiingo end of day (`GET /tiingo/daily/{ticker}/prices`): the latest daily bar, mutual-fund
NAVs included on the free tier.

The answer is a list of bars `[{"date": "2026-11-27T00:00:00+00:00", "close": …, "adjClose":
…, …}]`; `close` is the traded price (a fund's NAV). An unknown ticker is 404 `{"detail":
"Error: Ticker 'X' not found"}`; a bad key is 401/403 `{"detail": "Invalid token."}`. Over its
hourly or monthly allowance Tiingo has answered 200 with a plain-text sentence instead of
JSON, so that is read as a rate limit too. Tiingo writes share classes with a dash (BRK-B)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from pydantic import AllowInfNan, BaseModel, Strict, TypeAdapter, ValidationError

from alex.core.config import Settings
from alex.prices.base import Quote, QuoteError, QuoteResult, Sleep
from alex.prices.http import HttpPriceProvider, RequestPacer

StrictNumber = Annotated[float, Strict(), AllowInfNan(False)]
_QUOTA_TEXT = re.compile(r"run over|limit|upgrade", re.IGNORECASE)


class _Bar(BaseModel):
    date: datetime
    close: StrictNumber


_BARS = TypeAdapter(list[_Bar])


class TiingoProvider(HttpPriceProvider):
    name = "tiingo"
    default_base_url = "https://api.tiingo.com"
    key_setting = "ALEX_TIINGO_API_KEY"

    def __init__(
        self, settings: Settings, *, sleep: Sleep | None = None, pacer: RequestPacer | None = None
    ) -> None:
        super().__init__(settings, settings.tiingo_api_key, sleep=sleep, pacer=pacer)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self._key}"}

    def _path(self, symbol: str) -> tuple[str, dict[str, str]]:
        ticker = symbol.replace(".", "-")
        return f"/tiingo/daily/{quote(ticker, safe='')}/prices", {}

    def _parse(self, symbol: str, status: int, body: bytes, content_type: str) -> QuoteResult:
        if status == 404:
            return self.not_found(symbol)
        if status != 200:
            return self.unusable_body(symbol, status, body, content_type)
        try:
            bars = _BARS.validate_json(body)
        except ValidationError as exc:
            if body.lstrip()[:1] not in (b"{", b"["):
                return self._not_json(symbol, status, body, content_type)
            return self.validation_failure(symbol, exc)
        if not bars:
            return self.not_found(symbol)
        latest = max(bars, key=lambda bar: bar.date)
        try:
            return Quote(
                symbol=symbol,
                price=Decimal(repr(latest.close)),
                # Tiingo stamps a trading day at its midnight UTC.
                as_of=latest.date.date(),
                source=self.name,
            )
        except ValidationError as exc:
            return self.validation_failure(symbol, exc)

    def _not_json(self, symbol: str, status: int, body: bytes, content_type: str) -> QuoteError:
        message = self.provider_message(body)
        if "html" not in content_type.lower() and message and _QUOTA_TEXT.search(message):
            self._stop_reason = f"{self.name} allowance used up: {message}"
            return QuoteError(symbol=symbol, kind="rate_limited", message=self._stop_reason)
        return self.unusable_body(symbol, status, body, content_type)
