"""Prices from a provider behind one interface: `none` (the default: no network), `polygon`
or `tiingo`, chosen by `ALEX_PRICE_PROVIDER` in `make_provider`; `refresh_prices` stores what
a provider returns as shared prices."""

from alex.prices.base import (
    PriceProvider,
    ProviderConfigError,
    Quote,
    QuoteError,
    QuoteResult,
    normalise_symbol,
)
from alex.prices.factory import make_provider
from alex.prices.refresh import RefreshReport, SymbolRefresh, refresh_prices

__all__ = [
    "PriceProvider",
    "ProviderConfigError",
    "Quote",
    "QuoteError",
    "QuoteResult",
    "RefreshReport",
    "SymbolRefresh",
    "make_provider",
    "normalise_symbol",
    "refresh_prices",
]
