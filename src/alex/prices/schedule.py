"""`alex serve`'s periodic refresh (`ALEX_PRICE_REFRESH_MINUTES` > 0 with a provider set).

A background task refreshes every held symbol each interval. It never takes the server down:
a failed round is logged and the next one comes; cancelling the task (server shutdown) stops
it between two symbols at worst, every price already fetched being stored.

With several server processes, one refreshes at a time: on PostgreSQL a round runs only while
holding a session advisory lock (a process that cannot take it skips the round); everywhere,
symbols checked within the last 90 % of an interval are not asked again, so rounds that
overlap anyway (SQLite, several processes started together) do not repeat each other's
requests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from sqlalchemy import Connection, Engine, func, select

from alex.core.config import Settings
from alex.prices.base import PriceProvider, ProviderConfigError
from alex.prices.factory import make_provider
from alex.prices.refresh import RefreshReport, refresh_prices

log = logging.getLogger(__name__)

# Any fixed 64-bit number: this application's name for "the price refresh" among advisory locks.
ADVISORY_LOCK_KEY = 0x616C_6578_7072_6963  # "alexpric"
# Let the server finish starting (and migrations settle) before the first round.
FIRST_ROUND_DELAY_SECONDS = 10.0


def start_periodic_refresh(
    settings: Settings,
    engine: Engine,
    *,
    provider: PriceProvider | None = None,
    first_delay: float | None = None,
) -> asyncio.Task[None] | None:
    """Start the refresh task on the running loop, or return None when it is off."""
    if settings.price_refresh_minutes <= 0 or settings.price_provider == "none":
        return None
    try:
        provider = provider or make_provider(settings)
    except ProviderConfigError as exc:
        log.error("periodic price refresh disabled", extra={"reason": exc.message})
        return None
    interval = settings.price_refresh_minutes * 60
    log.info(
        "periodic price refresh on",
        extra={"provider": provider.name, "interval_seconds": interval},
    )
    return asyncio.create_task(
        refresh_periodically(
            engine,
            provider,
            interval,
            first_delay=FIRST_ROUND_DELAY_SECONDS if first_delay is None else first_delay,
        ),
        name="alex-price-refresh",
    )


async def stop_periodic_refresh(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def refresh_periodically(
    engine: Engine, provider: PriceProvider, interval: float, *, first_delay: float
) -> None:
    delay = first_delay
    while True:
        await asyncio.sleep(delay)
        delay = interval
        try:
            await refresh_round(engine, provider, interval)
        except Exception:  # the next round may well work; the server must keep serving
            log.exception("periodic price refresh failed; will retry next interval")


async def refresh_round(
    engine: Engine, provider: PriceProvider, interval: float
) -> RefreshReport | None:
    """One round, unless another process is running one (then None)."""
    async with _exclusive(engine) as ours:
        if not ours:
            log.info("price refresh skipped: another process is running one")
            return None
        report = await refresh_prices(
            engine, provider, recheck_after=timedelta(seconds=interval * 0.9)
        )
    if report.error:
        log.error(
            "periodic price refresh stopped",
            extra={"provider": provider.name, "reason": report.error},
        )
    return report


@contextlib.asynccontextmanager
async def _exclusive(engine: Engine) -> AsyncIterator[bool]:
    if engine.dialect.name != "postgresql":
        yield True
        return
    conn = await asyncio.to_thread(engine.connect)
    try:
        ours = await asyncio.to_thread(_advisory, conn, acquire=True)
        try:
            yield ours
        finally:
            if ours:
                await asyncio.to_thread(_advisory, conn, acquire=False)
    finally:
        await asyncio.to_thread(conn.close)


def _advisory(conn: Connection, *, acquire: bool) -> bool:
    call = (
        func.pg_try_advisory_lock(ADVISORY_LOCK_KEY)
        if acquire
        else func.pg_advisory_unlock(ADVISORY_LOCK_KEY)
    )
    result = conn.scalar(select(call))
    # A session-level lock outlives the transaction; committing avoids idling in one.
    conn.commit()
    return bool(result)
