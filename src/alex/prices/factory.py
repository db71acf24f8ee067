"""The one place that picks the price provider from `ALEX_PRICE_PROVIDER`. Each implementation
is imported only when chosen: the interface (`base.py`) knows none of them."""

from __future__ import annotations

from alex.core.config import Settings
from alex.prices.base import PriceProvider, Sleep


def make_provider(settings: Settings, *, sleep: Sleep | None = None) -> PriceProvider:
    """The provider `settings.price_provider` names. Raises `ProviderConfigError` when it
    needs a key that is not set. `sleep` replaces `asyncio.sleep` for backoff waits (tests)."""
    if settings.price_provider == "polygon":
        from alex.prices.polygon import PolygonProvider

        return PolygonProvider(settings, sleep=sleep)
    if settings.price_provider == "tiingo":
        from alex.prices.tiingo import TiingoProvider

        return TiingoProvider(settings, sleep=sleep)
    from alex.prices.none import NoPriceProvider

    return NoPriceProvider()
