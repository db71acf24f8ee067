"""Valuation of positions, accounts and the whole portfolio.

Values are `quantity × current_price` computed exactly in `Decimal` and rounded to cents per
position; account and portfolio totals are sums of those rounded figures, so the numbers a
report shows always add up. A position without a price is listed in `missing_price` and left
out of every total: it is never valued at a guessed figure. A price older than the snapshot's
`price_max_age_days` (counted from the price's own date), or whose last refresh failed, is
used but reported in `stale_prices`, so every total can say what it rests on."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel

from alex.finance.money import CENT, cents, pct
from alex.schemas import (
    TAX_ADVANTAGED_ACCOUNT_TYPES,
    AccountType,
    AccountWithPositions,
    InstrumentRead,
    InstrumentType,
    PortfolioSnapshot,
)


class PositionValuation(BaseModel):
    account_id: uuid.UUID
    account_name: str
    symbol: str
    name: str
    instrument_type: InstrumentType | None
    quantity: float
    price: float
    price_as_of: date | None = None
    price_source: str | None = None
    value: float
    pct_of_account: float
    pct_of_portfolio: float


class StalePrice(BaseModel):
    """A held instrument whose price is used but old, or whose last refresh failed."""

    symbol: str
    price: float
    as_of: date
    age_days: int
    source: str | None
    reason: Literal["old", "refresh_failed"]
    detail: str


def price_staleness(
    instrument: InstrumentRead, valued_on: date, max_age_days: int
) -> StalePrice | None:
    """Whether the price `instrument` carries is stale on `valued_on`, and why."""
    if instrument.current_price is None or instrument.price_as_of is None:
        return None
    age = (valued_on - instrument.price_as_of).days
    if instrument.price_error:
        reason: Literal["old", "refresh_failed"] = "refresh_failed"
        detail = f"the last refresh failed ({instrument.price_error}); price of {age} day(s) ago"
    elif age > max_age_days:
        reason = "old"
        detail = f"{age} days old (older than {max_age_days})"
    else:
        return None
    return StalePrice(
        symbol=instrument.symbol,
        price=float(instrument.current_price),
        as_of=instrument.price_as_of,
        age_days=age,
        source=instrument.price_source,
        reason=reason,
        detail=detail,
    )


class MissingPrice(BaseModel):
    """A position that could not be valued, and why."""

    account_id: uuid.UUID
    account_name: str
    symbol: str
    quantity: float
    reason: Literal["no_price", "unknown_instrument"]


class AccountValuation(BaseModel):
    account_id: uuid.UUID
    account_name: str
    account_type: AccountType
    tax_advantaged: bool
    cash: float
    positions_value: float
    total: float
    pct_of_portfolio: float
    positions: list[PositionValuation]
    missing_price: list[MissingPrice]


class PortfolioValuation(BaseModel):
    total: float
    cash: float
    invested: float
    accounts: list[AccountValuation]
    missing_price: list[MissingPrice]
    stale_prices: list[StalePrice] = []
    """Held instruments valued at an old price or one whose refresh failed (one per symbol)."""

    @property
    def unvalued_count(self) -> int:
        """Holdings (positions) left out of every total for want of a price."""
        return len(self.missing_price)

    def values_by_symbol(self) -> dict[str, float]:
        """Priced position value per symbol, summed over accounts."""
        out: dict[str, float] = {}
        for account in self.accounts:
            for position in account.positions:
                out[position.symbol] = out.get(position.symbol, 0.0) + position.value
        return out


def position_value(quantity: Decimal, price: Decimal) -> Decimal:
    """A position's value in cents: the one rounding every page, report and total uses."""
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)


def cash_value(cash_balance: Decimal) -> Decimal:
    """An account's cash in cents, as counted in its total."""
    return cash_balance.quantize(CENT, rounding=ROUND_HALF_UP)


def _value_account(
    account: AccountWithPositions, instruments: Mapping[str, InstrumentRead]
) -> tuple[Decimal, list[tuple[str, InstrumentRead, Decimal, Decimal]], list[MissingPrice]]:
    priced: list[tuple[str, InstrumentRead, Decimal, Decimal]] = []
    missing: list[MissingPrice] = []
    for position in account.positions:
        instrument = instruments.get(position.symbol)
        if instrument is None or instrument.current_price is None:
            missing.append(
                MissingPrice(
                    account_id=account.id,
                    account_name=account.account_name,
                    symbol=position.symbol,
                    quantity=float(position.quantity),
                    reason="unknown_instrument" if instrument is None else "no_price",
                )
            )
            continue
        value = position_value(position.quantity, instrument.current_price)
        priced.append((position.symbol, instrument, position.quantity, value))
    positions_value = sum((value for *_, value in priced), Decimal(0))
    return positions_value, priced, missing


def value_portfolio(snapshot: PortfolioSnapshot) -> PortfolioValuation:
    """Value every position, account (cash included) and the portfolio."""
    staged = []
    for account in snapshot.accounts:
        positions_value, priced, missing = _value_account(account, snapshot.instruments)
        cash = cash_value(account.cash_balance)
        staged.append((account, cash, positions_value, priced, missing))
    total = sum((cash + pv for _, cash, pv, _, _ in staged), Decimal(0))
    total_cash = sum((cash for _, cash, *_ in staged), Decimal(0))

    accounts: list[AccountValuation] = []
    for account, cash, positions_value, priced, missing in staged:
        account_total = cash + positions_value
        positions = [
            PositionValuation(
                account_id=account.id,
                account_name=account.account_name,
                symbol=symbol,
                name=instrument.name,
                instrument_type=instrument.instrument_type,
                quantity=float(quantity),
                price=float(instrument.current_price or 0),
                price_as_of=instrument.price_as_of,
                price_source=instrument.price_source,
                value=cents(value),
                pct_of_account=pct(float(value), float(account_total)),
                pct_of_portfolio=pct(float(value), float(total)),
            )
            for symbol, instrument, quantity, value in priced
        ]
        positions.sort(key=lambda p: (-p.value, p.symbol))
        accounts.append(
            AccountValuation(
                account_id=account.id,
                account_name=account.account_name,
                account_type=account.account_type,
                tax_advantaged=account.account_type in TAX_ADVANTAGED_ACCOUNT_TYPES,
                cash=cents(cash),
                positions_value=cents(positions_value),
                total=cents(account_total),
                pct_of_portfolio=pct(float(account_total), float(total)),
                positions=positions,
                missing_price=missing,
            )
        )
    held = sorted({p.symbol for a in accounts for p in a.positions})
    stale = [
        s
        for s in (
            price_staleness(
                snapshot.instruments[symbol], snapshot.valued_on, snapshot.price_max_age_days
            )
            for symbol in held
        )
        if s is not None
    ]
    return PortfolioValuation(
        total=cents(total),
        cash=cents(total_cash),
        invested=cents(total - total_cash),
        accounts=accounts,
        missing_price=[m for a in accounts for m in a.missing_price],
        stale_prices=stale,
    )
