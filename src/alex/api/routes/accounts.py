"""Accounts CRUD, with values computed from instrument prices by the valuation engine's rules
(cents per position, so these totals equal the dashboard's and the report's; a missing price is
reported as missing, never guessed)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from alex.api.deps import CallerId, CurrentUser, OwnedAccount, SessionDep, WriteLimited
from alex.api.models import AccountDetail, AccountSummary, PositionDetail
from alex.db import repository as repo
from alex.db.models import Account, Instrument, Position
from alex.finance.valuation import cash_value, position_value
from alex.schemas import AccountCreate, AccountRead, AccountUpdate, PositionRead

router = APIRouter(prefix="/api/accounts", tags=["accounts"], dependencies=[WriteLimited])


class AccountTotals(NamedTuple):
    positions_count: int
    positions_value: Decimal
    total_value: Decimal
    unpriced_positions: int


def account_totals(
    cash_balance: Decimal, holdings: Iterable[tuple[Decimal, Decimal | None]]
) -> AccountTotals:
    """Totals from (quantity, price) pairs; a missing price is counted, never guessed."""
    count = unpriced = 0
    positions_value = Decimal(0)
    for quantity, price in holdings:
        count += 1
        if price is None:
            unpriced += 1
        else:
            positions_value += position_value(quantity, price)
    return AccountTotals(
        count, positions_value, cash_value(cash_balance) + positions_value, unpriced
    )


def load_account_detail(session: Session, account: Account) -> AccountDetail:
    """The account with each position's instrument, price, value and weight, in one query
    that reads only the instrument columns the page shows (reads are the hot path)."""
    rows = session.execute(
        select(
            Position,
            Instrument.name,
            Instrument.instrument_type,
            Instrument.current_price,
            Instrument.allocation_asset_class,
            Instrument.allocation_regions,
            Instrument.allocation_sectors,
        )
        .outerjoin(Instrument, Instrument.symbol == Position.symbol)
        .where(Position.account_id == account.id)
        .order_by(Position.symbol)
    ).all()
    totals = account_totals(account.cash_balance, ((r[0].quantity, r.current_price) for r in rows))
    positions = []
    for position, name, instrument_type, price, asset_classes, regions, sectors in rows:
        value = position_value(position.quantity, price) if price is not None else None
        weight = (
            float(round(value / totals.total_value * 100, 4))
            if value is not None and totals.total_value > 0
            else None
        )
        positions.append(
            PositionDetail(
                **PositionRead.model_validate(position).model_dump(),
                instrument_name=name if name is not None else position.symbol,
                instrument_type=instrument_type,
                price=price,
                value=value,
                weight_pct=weight,
                classified=bool(asset_classes and regions and sectors),
            )
        )
    return AccountDetail(
        **AccountRead.model_validate(account).model_dump(),
        **totals._asdict(),
        positions=positions,
    )


@router.get("", response_model=list[AccountSummary])
def list_accounts(caller_id: CallerId, session: SessionDep) -> list[AccountSummary]:
    """The caller's accounts with position counts and values."""
    accounts = session.scalars(
        select(Account).where(Account.user_id == caller_id).order_by(Account.created_at, Account.id)
    ).all()
    holdings: dict[uuid.UUID, list[tuple[Decimal, Decimal | None]]] = defaultdict(list)
    for account_id, quantity, price in session.execute(
        select(Position.account_id, Position.quantity, Instrument.current_price)
        .join(Account, Account.id == Position.account_id)
        .outerjoin(Instrument, Instrument.symbol == Position.symbol)
        .where(Account.user_id == caller_id)
    ):
        holdings[account_id].append((quantity, price))
    return [
        AccountSummary(
            **AccountRead.model_validate(a).model_dump(),
            **account_totals(a.cash_balance, holdings[a.id])._asdict(),
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
