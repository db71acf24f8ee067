"""Polygon.io: the previous trading day's close (`GET /v2/aggs/ticker/{ticker}/prev`).

The answer is `{"status": "OK", "resultsCount": 1, "results": [{"T", "c", "t", …}], …}` with
`c` the close and `t` the bar's Unix time in milliseconds. An unknown ticker (many mutual funds
on the stocks plans) is `"resultsCount": 0` with no `results`: that symbol is not found, the
run goes on. Errors are `{"status": "ERROR", "error": "…"}` (401 unknown key, 429 too many
requests) or `{"status": "NOT_AUTHORIZED", "message": "…"}` (403, plan does not cover it).

The key travels as `Authorization: Bearer …`, which Polygon accepts in place of the `apiKey`
query parameter, so it never appears in a URL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from pydantic import AllowInfNan, BaseModel, Field, Strict, ValidationError

from alex.core.config import Settings
from alex.prices.base import Quote, QuoteResult, Sleep
from alex.prices.http import HttpPriceProvider, RequestPacer

StrictNumber = Annotated[float, Strict(), AllowInfNan(False)]
StrictInt = Annotated[int, Strict()]


class _Bar(BaseModel):
    T: str | None = None
    c: StrictNumber
    t: StrictInt = Field(gt=0)


class _PrevClose(BaseModel):
    status: str
    ticker: str | None = None
    resultsCount: StrictInt = 0  # noqa: N815 (the provider's field name)
    results: list[_Bar] | None = None


class PolygonProvider(HttpPriceProvider):
    name = "polygon"
    default_base_url = "https://api.polygon.io"
    key_setting = "ALEX_POLYGON_API_KEY"

    def __init__(
        self, settings: Settings, *, sleep: Sleep | None = None, pacer: RequestPacer | None = None
    ) -> None:
        super().__init__(settings, settings.polygon_api_key, sleep=sleep, pacer=pacer)

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"}

    def _path(self, symbol: str) -> tuple[str, dict[str, str]]:
        return f"/v2/aggs/ticker/{quote(symbol, safe='')}/prev", {"adjusted": "true"}

    def _parse(self, symbol: str, status: int, body: bytes, content_type: str) -> QuoteResult:
        if status != 200:
            return self.unusable_body(symbol, status, body, content_type)
        try:
            answer = _PrevClose.model_validate_json(body)
        except ValidationError as exc:
            if body.lstrip()[:1] not in (b"{", b"["):
                return self.unusable_body(symbol, status, body, content_type)
            return self.validation_failure(symbol, exc)
        if answer.status not in ("OK", "DELAYED"):
            message = self.provider_message(body)
            return self.invalid(
                symbol, f"status {answer.status}" + (f": {message}" if message else "")
            )
        if not answer.results:
            return self.not_found(symbol)
        bar = answer.results[0]
        answered_for = bar.T or answer.ticker
        if answered_for is not None and answered_for.upper() != symbol:
            return self.invalid(symbol, f"the answer is for {answered_for[:20]}, not {symbol}")
        try:
            # `t` is the bar's start (midnight New York) or its close (4 pm New York) in
            # different answers; either way its UTC date is the trading day.
            as_of = datetime.fromtimestamp(bar.t / 1000, UTC).date()
        except (OverflowError, OSError, ValueError):
            return self.invalid(symbol, "results.0.t: the timestamp is out of range")
        try:
            return Quote(symbol=symbol, price=Decimal(repr(bar.c)), as_of=as_of, source=self.name)
        except ValidationError as exc:
            return self.validation_failure(symbol, exc)
