"""What the HTTP providers share: a process-wide request pacer, retries with backoff, and
reading a provider's answer as untrusted input.

Policy, per symbol: a 429 or a 5xx (or no answer) is retried up to `price_max_retries` times,
waiting what `Retry-After` asks (up to a minute) or 1, 2, 4… s; then that symbol gets a
`QuoteError` and the run goes on. A provider that asks for a longer pause, or fails two symbols
in a row that way, is not asked again this run: the remaining symbols are reported without a
request. 401/403 stops the run (`ProviderConfigError`): every other symbol would fail the same
way. Requests go one at a time; free tiers allow a handful a minute, so concurrency would only
queue on the pacer."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from abc import abstractmethod
from collections import deque
from collections.abc import AsyncGenerator, Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from pydantic import SecretStr, ValidationError

from alex.core.config import Settings
from alex.prices.base import (
    PriceProvider,
    ProviderConfigError,
    QuoteError,
    QuoteErrorKind,
    QuoteResult,
    Sleep,
)

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 60.0
MAX_BACKOFF_SECONDS = 30.0
# Two symbols in a row that exhausted their retries: the provider is down or out of quota.
FAILING_STREAK_LIMIT = 2
# An end-of-day quote is well under a kilobyte; anything this big is not one.
MAX_BODY_BYTES = 256 * 1024
_RETRYABLE_KINDS: frozenset[QuoteErrorKind] = frozenset({"rate_limited", "server_error", "network"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


class RequestPacer:
    """At most `per_minute` requests in any 60 s window, for every caller in this process.

    Thread-safe on purpose: the local queue runs each job in its own thread and event loop,
    and the server's periodic refresh runs in another; they share one provider quota."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: deque[float] = deque()

    def reserve(self) -> float:
        """Book the next free slot and return how many seconds to wait for it."""
        if self.per_minute <= 0:
            return 0.0
        with self._lock:
            now = self._clock()
            while self._slots and self._slots[0] <= now - 60.0:
                self._slots.popleft()
            start = now
            if len(self._slots) >= self.per_minute:
                start = max(now, self._slots[-self.per_minute] + 60.0)
            self._slots.append(start)
            return start - now


_pacers: dict[tuple[str, int], RequestPacer] = {}
_pacers_lock = threading.Lock()


def shared_pacer(provider: str, per_minute: int) -> RequestPacer:
    with _pacers_lock:
        return _pacers.setdefault((provider, per_minute), RequestPacer(per_minute))


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date. None if absent or
    unreadable (the caller then backs off exponentially)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpPriceProvider(PriceProvider):
    """A provider reached over HTTP. Subclasses say how to ask for one symbol (`_request`)
    and how to read the answer (`_parse`, given any status but 401/403/429/5xx)."""

    default_base_url: str
    key_setting: str

    def __init__(
        self,
        settings: Settings,
        api_key: SecretStr | None,
        *,
        sleep: Sleep | None = None,
        pacer: RequestPacer | None = None,
    ) -> None:
        if api_key is None or not api_key.get_secret_value().strip():
            raise ProviderConfigError(
                f"the {self.name} price provider needs an API key: set {self.key_setting}",
                field=self.key_setting,
            )
        self._key = api_key.get_secret_value().strip()
        self.base_url = (settings.price_base_url.strip() or self.default_base_url).rstrip("/")
        self.timeout = settings.price_timeout_seconds
        self.max_retries = settings.price_max_retries
        self.requests_per_minute = settings.price_requests_per_minute
        self._pacer = pacer or shared_pacer(self.name, settings.price_requests_per_minute)
        self._sleep: Sleep = sleep or asyncio.sleep
        self._stop_reason: str | None = None

    # ----------------------------------------------------------------- per provider

    @abstractmethod
    def _auth_headers(self) -> dict[str, str]:
        """Headers that carry the key (never the URL: URLs end up in logs and errors)."""

    @abstractmethod
    def _path(self, symbol: str) -> tuple[str, dict[str, str]]:
        """Path (relative to the base URL) and query parameters for `symbol`."""

    @abstractmethod
    def _parse(self, symbol: str, status: int, body: bytes, content_type: str) -> QuoteResult:
        """Read an answer that is neither an auth failure nor retryable."""

    # ----------------------------------------------------------------- the run

    async def quotes(self, symbols: Sequence[str]) -> AsyncGenerator[QuoteResult, None]:
        self._stop_reason = None
        streak = 0
        async with httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self.timeout,
            headers={"User-Agent": "alex-prices/1", **self._auth_headers()},
            follow_redirects=False,
        ) as client:
            for symbol in symbols:
                if self._stop_reason is not None:
                    yield QuoteError(
                        symbol=symbol,
                        kind="rate_limited",
                        message=f"not tried: {self._stop_reason}",
                    )
                    continue
                result = await self._fetch(client, symbol)
                if isinstance(result, QuoteError) and result.kind in _RETRYABLE_KINDS:
                    streak += 1
                    if streak >= FAILING_STREAK_LIMIT and self._stop_reason is None:
                        self._stop_reason = (
                            f"{self.name} failed for {streak} symbols in a row "
                            f"(last: {result.message})"
                        )[:400]
                else:
                    streak = 0
                yield result

    async def _fetch(self, client: httpx.AsyncClient, symbol: str) -> QuoteResult:
        path, params = self._path(symbol)
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            wait = self._pacer.reserve()
            if wait > 0:
                await self._sleep(wait)
            retry: tuple[QuoteErrorKind, str, float | None]
            try:
                status, headers, body = await self._get(client, path, params)
            except httpx.TimeoutException:
                retry = ("network", f"{self.name} did not answer within {self.timeout:g} s", None)
            except httpx.TransportError as exc:
                # The exception text can carry the URL; its type says enough.
                retry = (
                    "network",
                    f"{self.name} could not be reached ({type(exc).__name__})",
                    None,
                )
            except _BodyTooLargeError:
                return self.invalid(symbol, "the answer is too large to be a quote")
            except httpx.DecodingError:
                # E.g. `Content-Encoding: gzip` over a body that is not: an answer, but garbage.
                return self.invalid(symbol, "the answer could not be decoded")
            except httpx.TooManyRedirects:
                return self.invalid(symbol, "the answer redirected too many times")
            else:
                if status in (401, 403):
                    raise ProviderConfigError(
                        f"{self.name} rejected the API key (HTTP {status}"
                        + (f": {msg}" if (msg := self.provider_message(body)) else "")
                        + f"); check {self.key_setting}",
                        field=self.key_setting,
                    )
                if status != 429 and status < 500:
                    return self._parse(symbol, status, body, headers.get("content-type", ""))
                asked = retry_after_seconds(headers.get("retry-after"))
                kind: QuoteErrorKind = "rate_limited" if status == 429 else "server_error"
                what = "rate limit" if status == 429 else "server error"
                retry = (kind, f"{self.name} {what} (HTTP {status})", asked)
                if asked is not None and asked > MAX_RETRY_AFTER_SECONDS:
                    self._stop_reason = f"{self.name} asked to wait {asked:.0f} s (HTTP {status})"
                    return QuoteError(symbol=symbol, kind=kind, message=self._stop_reason)
            kind, message, asked = retry
            log.warning(
                "price request failed",
                extra={
                    "provider": self.name,
                    "symbol": symbol,
                    "attempt": attempt + 1,
                    "reason": message,
                },
            )
            if attempt + 1 < attempts:
                await self._sleep(
                    asked if asked is not None else min(MAX_BACKOFF_SECONDS, 2.0**attempt)
                )
        return QuoteError(
            symbol=symbol,
            kind=kind,
            message=f"{message}; gave up after {attempts} attempt{'s' if attempts > 1 else ''}",
        )

    async def _get(
        self, client: httpx.AsyncClient, path: str, params: dict[str, str]
    ) -> tuple[int, httpx.Headers, bytes]:
        async with client.stream("GET", path, params=params) as response:
            if int(response.headers.get("content-length") or 0) > MAX_BODY_BYTES:
                raise _BodyTooLargeError
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise _BodyTooLargeError
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)

    # ----------------------------------------------------------------- helpers for _parse

    def invalid(self, symbol: str, why: str) -> QuoteError:
        return QuoteError(
            symbol=symbol, kind="invalid", message=f"{self.name} sent an unusable answer: {why}"
        )

    def not_found(self, symbol: str) -> QuoteError:
        return QuoteError(
            symbol=symbol, kind="not_found", message=f"{self.name} has no price for {symbol}"
        )

    def unusable_body(self, symbol: str, status: int, body: bytes, content_type: str) -> QuoteError:
        """An answer that is not the expected JSON: say what it was, briefly."""
        text = body.lstrip()[:1].decode("ascii", "replace")
        if "html" in content_type.lower() or text == "<":
            return self.invalid(symbol, f"an HTML page instead of JSON (HTTP {status})")
        message = self.provider_message(body)
        if status != 200:
            return self.invalid(symbol, f"HTTP {status}" + (f": {message}" if message else ""))
        return self.invalid(symbol, f"not JSON: {message}" if message else "an empty answer")

    def validation_failure(self, symbol: str, exc: ValidationError) -> QuoteError:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        return self.invalid(symbol, f"{where}: {first['msg']}")

    def provider_message(self, body: bytes) -> str | None:
        """The provider's own error text (JSON `error`/`message`/`detail`, or plain text),
        cleaned up for people: no control characters, no key, at most 200 characters."""
        text: Any
        try:
            parsed = json.loads(body)
        except ValueError:
            text = body.decode("utf-8", "replace")
        else:
            text = None
            if isinstance(parsed, dict):
                text = next(
                    (
                        parsed[k]
                        for k in ("error", "message", "detail")
                        if isinstance(parsed.get(k), str)
                    ),
                    None,
                )
        if not isinstance(text, str):
            return None
        cleaned = " ".join(_CONTROL.sub(" ", text).split()).replace(self._key, "[key]")
        return cleaned[:200] or None


class _BodyTooLargeError(Exception):
    pass
