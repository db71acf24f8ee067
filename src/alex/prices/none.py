"""The default provider: no network, no prices. A refresh with it changes nothing and says so;
prices then come only from the seed, the user and their broker files."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

from alex.prices.base import PriceProvider, QuoteResult


class NoPriceProvider(PriceProvider):
    name = "none"

    @property
    def configured(self) -> bool:
        return False

    async def quotes(self, symbols: Sequence[str]) -> AsyncGenerator[QuoteResult, None]:
        return
        yield  # unreachable: makes this an async generator that yields nothing
