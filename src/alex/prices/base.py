"""The price-provider interface: what every implementation returns. `factory.py` picks the
implementation from `ALEX_PRICE_PROVIDER`.

A provider answers a list of symbols with one result per symbol, as each arrives: a `Quote`
(validated like user input: a positive, finite price and a real date) or a `QuoteError` saying
why there is none. A failure for one symbol is a value, never an exception; only a problem
that dooms the whole run (no key, a key the provider rejects) raises `ProviderConfigError`."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from alex.core.errors import AlexError

ProviderName = Literal["none", "polygon", "tiingo"]
Sleep = Callable[[float], Awaitable[None]]

# Letters, digits and the share-class/series punctuation tickers use (BRK.B, BF-B, ^VIX is
# not a holding); anything else never reaches a provider's URL.
SYMBOL_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{0,19}$")
# The prices column holds 14 integer digits; no listed US security is priced near this.
MAX_PRICE = Decimal("1e12")
PRICE_STEP = Decimal("0.000001")


class ProviderConfigError(AlexError):
    """The provider cannot be used at all (missing or rejected API key): the run stops and
    says so. Individual symbols failing never raise this."""


class Quote(BaseModel):
    """One validated end-of-day price."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    price: Decimal = Field(gt=0, lt=MAX_PRICE, allow_inf_nan=False)
    as_of: date
    source: str

    @field_validator("price")
    @classmethod
    def _six_places(cls, value: Decimal) -> Decimal:
        # What the prices column keeps; a price that rounds to nothing is not a price.
        rounded = value.quantize(PRICE_STEP)
        if rounded <= 0:
            raise ValueError("the price rounds to zero")
        return rounded

    @field_validator("as_of")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        # A day of slack: the provider's trading date may be ahead of UTC midnight.
        if value > datetime.now(UTC).date() + timedelta(days=1):
            raise ValueError(f"the date {value.isoformat()} is in the future")
        return value


QuoteErrorKind = Literal["not_found", "rate_limited", "server_error", "network", "invalid"]


class QuoteError(BaseModel):
    """Why a symbol has no new price. `message` is plain text for people (CLI, data-quality
    notes, the instrument's `price_error`); it never contains a key."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    kind: QuoteErrorKind
    message: str = Field(max_length=500)


QuoteResult = Quote | QuoteError


def normalise_symbol(raw: str) -> str:
    """Upper-cased symbol, or ValueError naming it when no provider could be asked for it."""
    symbol = raw.strip().upper()
    if not SYMBOL_PATTERN.fullmatch(symbol):
        raise ValueError(f"'{raw.strip()[:40]}' is not a valid symbol")
    return symbol


class PriceProvider(ABC):
    """A source of end-of-day prices. `name` is recorded as each price's `source`."""

    name: str
    # Requests per minute this provider is held to (0: no limit); the refresh service uses it
    # to explain symbols it could not reach in time.
    requests_per_minute: int = 0

    @property
    def configured(self) -> bool:
        """False for the `none` provider: nothing is ever fetched."""
        return True

    @abstractmethod
    def quotes(self, symbols: Sequence[str]) -> AsyncGenerator[QuoteResult, None]:
        """One result per symbol, yielded as each arrives (callers store them as they come,
        so a run cut short keeps what it got). Raises `ProviderConfigError` when the provider
        rejects the key; results yielded before that stand."""
