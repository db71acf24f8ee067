"""Accounts CRUD, with values computed from the owner's view of each instrument by the valuation
engine's rules (cents per position, so these totals equal the dashboard's and the report's; a
missing price is reported as missing, never guessed; an old one is counted as stale)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from alex.api.deps import CallerId, CurrentUser, OwnedAccount, SessionDep, WriteLimited
from alex.api.models import AccountDetail, AccountSummary, PositionDetail
from alex.core.config import get_settings
from alex.db import repository as repo
from alex.db.models import Account, Position
from alex.finance.valuation import cash_value, position_value, price_staleness
from alex.schemas import AccountCreate, AccountRead, AccountUpdate, InstrumentRead, PositionRead

router = APIRouter(prefix="/api/accounts", tags=["accounts"], dependencies=[WriteLimited])


class AccountTotals(NamedTuple):
    positions_count: int
    positions_value: Decimal
    total_value: Decimal
    unpriced_positions: int
    stale_positions: int
    unclassified_positions: int


def account_totals(
    cash_balance: Decimal,
    holdings: Iterable[tuple[Decimal, InstrumentRead]],
    *,
    valued_on: date,
    max_age_days: int,
) -> AccountTotals:
    """Totals from (quantity, the user's view of the instrument) pairs; a missing price is
    counted, never guessed, and an old one is counted as stale."""
    count = unpriced = stale = unclassified = 0
    positions_value = Decimal(0)
    for quantity, instrument in holdings:
        count += 1
        if instrument.current_price is None:
            unpriced += 1
        else:
            positions_value += position_value(quantity, instrument.current_price)
            if price_staleness(instrument, valued_on, max_age_days) is not None:
                stale += 1
        if not instrument.is_classified:
            unclassified += 1
    return AccountTotals(
        count,
        positions_value,
        cash_value(cash_balance) + positions_value,
        unpriced,
        stale,
        unclassified,
    )


def load_account_detail(session: Session, account: Account) -> AccountDetail:
    """The account with each position's instrument (as its owner sees it: their own
    classification and prices laid over the shared data), price, value and weight. Every
    position has its instrument: the foreign key refuses a dangling symbol."""
    positions = repo.list_positions(session, account.id)
    views = repo.effective_instruments(session, account.user_id, {p.symbol for p in positions})
    max_age, today = get_settings().price_max_age_days, date.today()
    totals = account_totals(
        account.cash_balance,
        ((p.quantity, views[p.symbol]) for p in positions),
        valued_on=today,
        max_age_days=max_age,
    )
    details = []
    for position in positions:
        view = views[position.symbol]
        price = view.current_price
        value = position_value(position.quantity, price) if price is not None else None
        weight = (
            float(round(value / totals.total_value * 100, 4))
            if value is not None and totals.total_value > 0
            else None
        )
        stale = price_staleness(view, today, max_age)
        details.append(
            PositionDetail(
                **PositionRead.model_validate(position).model_dump(),
                instrument_name=view.name,
                instrument_type=view.instrument_type,
                price=price,
                price_as_of=view.price_as_of,
                price_source=view.price_source,
                price_stale=stale is not None,
                price_note=stale.detail if stale is not None else None,
                value=value,
                weight_pct=weight,
                classified=view.is_classified,
                classification_source=view.classification_source,
            )
        )
    return AccountDetail(
        **AccountRead.model_validate(account).model_dump(),
        **totals._asdict(),
        positions=details,
    )


@router.get("", response_model=list[AccountSummary])
def list_accounts(caller_id: CallerId, session: SessionDep) -> list[AccountSummary]:
    """The caller's accounts with position counts and values, and what those leave out."""
    accounts = session.scalars(
        select(Account).where(Account.user_id == caller_id).order_by(Account.created_at, Account.id)
    ).all()
    rows = session.execute(
        select(Position.account_id, Position.symbol, Position.quantity)
        .join(Account, Account.id == Position.account_id)
        .where(Account.user_id == caller_id)
    ).all()
    views = repo.effective_instruments(session, caller_id, {r.symbol for r in rows})
    holdings: dict[uuid.UUID, list[tuple[Decimal, InstrumentRead]]] = defaultdict(list)
    for account_id, symbol, quantity in rows:
        holdings[account_id].append((quantity, views[symbol]))
    max_age, today = get_settings().price_max_age_days, date.today()
    return [
        AccountSummary(
            **AccountRead.model_validate(a).model_dump(),
            **account_totals(
                a.cash_balance, holdings[a.id], valued_on=today, max_age_days=max_age
            )._asdict(),
        )
        for a in accounts
    ]


@router.post("", response_model=AccountRead, status_code=status.HTTP_201_CREATED)
def create_account(body: AccountCreate, user: CurrentUser, session: SessionDep) -> AccountRead:
    account = repo.create_account(session, user.id, body)
    session.commit()
    return AccountRead.model_validate(account)


@router.get("/{account_id}", response_model=AccountDetail)
def get_account(account: OwnedAccount, session: SessionDep) -> AccountDetail:
    """One account with its positions, each with instrument, price, value and weight."""
    return load_account_detail(session, account)


@router.patch("/{account_id}", response_model=AccountRead)
def update_account(body: AccountUpdate, account: OwnedAccount, session: SessionDep) -> AccountRead:
    repo.update_account(session, account, body)
    session.commit()
    return AccountRead.model_validate(account)


@router.delete("/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_account(account: OwnedAccount, session: SessionDep) -> Response:
    """Delete the account and its positions in one transaction."""
    repo.delete_account(session, account)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
