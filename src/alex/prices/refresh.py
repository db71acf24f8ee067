"""Refreshing shared prices from the configured provider: the one service the CLI, the planner
and the server's periodic task all call.

Each result is stored the moment it arrives, in its own transaction, so a run that is cut
short (a time budget, a shutdown, a rejected key) keeps what it got. A quote goes through
`repo.record_price` as a shared price with the provider's name as source: it joins the history
and becomes the current price unless a newer one is already there. A failure goes through
`repo.mark_price_error`: the old price stays, with the reason beside it, and is reported stale
once old enough. Nothing here ever writes a price the provider did not send."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import Engine, select

from alex.core.errors import NotFoundError
from alex.db import repository as repo
from alex.db.models import Instrument
from alex.db.session import session_scope
from alex.db.types import utcnow
from alex.prices.base import (
    SYMBOL_PATTERN,
    PriceProvider,
    ProviderConfigError,
    Quote,
    QuoteResult,
)

log = logging.getLogger(__name__)

RefreshStatus = Literal[
    "updated",  # the provider's price is now the current one
    "unchanged",  # the provider's price is not newer than the current one
    "not_found",  # the provider does not know the symbol; old price kept
    "failed",  # the provider could not be asked or answered nonsense; old price kept
    "recent",  # checked within `recheck_after`: not asked again
    "unknown",  # not an instrument Alex knows (or not a symbol a provider could be asked for)
    "not_reached",  # the run stopped first (time budget, rejected key)
]
PROBLEMS: frozenset[RefreshStatus] = frozenset({"not_found", "failed", "not_reached"})


class SymbolRefresh(BaseModel):
    symbol: str
    status: RefreshStatus
    price: Decimal | None = None
    as_of: date | None = None
    previous_price: Decimal | None = None
    previous_as_of: date | None = None
    message: str | None = None


class RefreshReport(BaseModel):
    provider: str
    outcomes: list[SymbolRefresh]
    error: str | None = None
    """A configuration problem that stopped the run (no key, a rejected key)."""
    budget_exhausted: bool = False

    def with_status(self, *statuses: RefreshStatus) -> list[SymbolRefresh]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def summary(self) -> str:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        parts = [f"{n} {status.replace('_', ' ')}" for status, n in counts.items()]
        return ", ".join(parts) if parts else "no symbols"

    def table(self) -> list[str]:
        """The outcomes as aligned text lines, then a summary (what the CLI prints)."""
        rows = [("SYMBOL", "STATUS", "PRICE", "AS OF", "WAS", "NOTE")]
        for o in self.outcomes:
            was = (
                f"{_amount(o.previous_price)} ({o.previous_as_of.isoformat()})"
                if o.previous_price is not None and o.previous_as_of is not None
                else "-"
            )
            rows.append(
                (
                    o.symbol,
                    o.status.replace("_", " "),
                    _amount(o.price) if o.price is not None else "-",
                    o.as_of.isoformat() if o.as_of else "-",
                    was,
                    o.message or "",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [
            "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:5])) + "  " + row[5]
            for row in rows
        ]
        return [line.rstrip() for line in lines] + [f"{self.provider}: {self.summary}"]


@dataclass(frozen=True)
class _Current:
    price: Decimal | None
    as_of: date | None
    source: str | None
    checked_at: datetime | None
    error: str | None

    def checked_by(self, provider: str, *, since: datetime) -> bool:
        """Whether `provider` priced this symbol, or failed to, since then. (Recording a seed
        price also stamps `checked_at`; that is no reason to skip the provider.)"""
        return (
            self.checked_at is not None
            and self.checked_at > since
            and (self.error is not None or self.source == provider)
        )


async def refresh_prices(
    engine: Engine,
    provider: PriceProvider,
    symbols: Sequence[str] | None = None,
    *,
    recheck_after: timedelta | None = None,
    budget_seconds: float | None = None,
) -> RefreshReport:
    """Ask `provider` for `symbols` (default: every symbol anyone holds) and store what comes
    back. Symbols checked less than `recheck_after` ago are left alone; after `budget_seconds`
    no further symbol is asked for. Raises only on database errors."""
    if not provider.configured:
        return RefreshReport(provider=provider.name, outcomes=[])
    wanted, current = await asyncio.to_thread(_load_current, engine, symbols)
    outcomes: dict[str, SymbolRefresh] = {}
    to_fetch: list[str] = []
    cutoff = utcnow() - recheck_after if recheck_after is not None else None
    for symbol in wanted:
        state = current.get(symbol)
        if state is None or not SYMBOL_PATTERN.fullmatch(symbol):
            outcomes[symbol] = SymbolRefresh(
                symbol=symbol, status="unknown", message="not an instrument Alex knows"
            )
        elif cutoff is not None and state.checked_by(provider.name, since=cutoff):
            outcomes[symbol] = _outcome(symbol, "recent", state, message=state.error)
        else:
            to_fetch.append(symbol)

    report = RefreshReport(provider=provider.name, outcomes=[])
    deadline = (
        asyncio.get_running_loop().time() + budget_seconds if budget_seconds is not None else None
    )
    async with aclosing(provider.quotes(to_fetch)) as results:
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    result = await anext(results)
            except StopAsyncIteration:
                break
            except TimeoutError:
                report.budget_exhausted = True
                break
            except ProviderConfigError as exc:
                report.error = exc.message
                break
            if result.symbol in current and result.symbol not in outcomes:
                outcomes[result.symbol] = await asyncio.to_thread(
                    _store, engine, result, current[result.symbol]
                )
    for symbol in to_fetch:
        if symbol not in outcomes:
            why = report.error or (
                f"not reached within {budget_seconds:g} s"
                + (
                    f" ({provider.name} allows {provider.requests_per_minute} requests a minute)"
                    if provider.requests_per_minute
                    else ""
                )
            )
            outcomes[symbol] = _outcome(symbol, "not_reached", current[symbol], message=why)
    report.outcomes = [outcomes[s] for s in wanted]
    log.info(
        "price refresh finished",
        extra={
            "provider": provider.name,
            "symbols": len(wanted),
            "summary": report.summary,
            "error": report.error or "",
        },
    )
    return report


def _load_current(
    engine: Engine, symbols: Sequence[str] | None
) -> tuple[list[str], dict[str, _Current]]:
    with session_scope(engine) as session:
        if symbols is None:
            wanted = repo.held_symbols(session)
        else:
            wanted = list(dict.fromkeys(s.strip().upper() for s in symbols if s.strip()))
        rows = session.execute(
            select(
                Instrument.symbol,
                Instrument.current_price,
                Instrument.price_as_of,
                Instrument.price_source,
                Instrument.price_checked_at,
                Instrument.price_error,
            ).where(Instrument.symbol.in_(wanted))
        ).all()
    return wanted, {row[0]: _Current(*row[1:]) for row in rows}


def _store(engine: Engine, result: QuoteResult, state: _Current) -> SymbolRefresh:
    symbol = result.symbol
    try:
        with session_scope(engine) as session:
            if not isinstance(result, Quote):
                repo.mark_price_error(session, symbol, result.message)
                status: RefreshStatus = "not_found" if result.kind == "not_found" else "failed"
                return _outcome(symbol, status, state, message=result.message)
            repo.record_price(session, symbol, result.price, result.as_of, source=result.source)
    except NotFoundError:  # the instrument went away while the provider was asked
        return SymbolRefresh(symbol=symbol, status="unknown", message="no longer an instrument")
    # The repository's rule decided what became current (a real price replaces the seed's
    # approximation whatever its date); report what it did.
    replaced = repo.replaces_current_price(state.as_of, state.source, result.as_of, result.source)
    updated = replaced and (result.as_of, result.price, result.source) != (
        state.as_of,
        state.price,
        state.source,
    )
    message = None
    if not replaced and state.as_of is not None:
        message = (
            f"{result.source}'s price of {result.as_of.isoformat()} is older than the current "
            f"one of {state.as_of.isoformat()}"
        )
    return _outcome(
        symbol,
        "updated" if updated else "unchanged",
        state,
        price=result.price,
        as_of=result.as_of,
        message=message,
    )


def _outcome(
    symbol: str,
    status: RefreshStatus,
    state: _Current,
    *,
    price: Decimal | None = None,
    as_of: date | None = None,
    message: str | None = None,
) -> SymbolRefresh:
    return SymbolRefresh(
        symbol=symbol,
        status=status,
        price=price,
        as_of=as_of,
        previous_price=state.price,
        previous_as_of=state.as_of,
        message=message,
    )


def price_notes(report: RefreshReport) -> list[str]:
    """Plain-language data-quality notes on what a refresh could not do (the planner's).

    A failed symbol that still has a price is not noted here: its `price_error` makes the
    valuation report that price stale, with the reason, in the same notes."""
    notes: list[str] = []
    if report.error:
        notes.append(
            f"Prices were not refreshed from {report.provider}: {report.error}. "
            "The last known prices are used."
        )
    for o in report.with_status("not_found", "failed"):
        if o.previous_price is None:
            notes.append(f"{o.symbol} has no price: {report.provider} gave none ({o.message}).")
    late = [o.symbol for o in report.with_status("not_reached")]
    if late and not report.error:
        notes.append(
            f"Not refreshed in time from {report.provider}: {', '.join(late)}; "
            "their last known prices are used."
        )
    return notes


def _amount(value: Decimal) -> str:
    """Cents at least, more places only where the price has them (fund NAVs, sub-dollar)."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents:f}" if cents == value else f"{value.normalize():f}"
