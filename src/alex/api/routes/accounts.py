"""Accounts CRUD, with values computed from instrument prices by the valuation engine's rules
(cents per position, so these totals equal the dashboard's and the report's; a missing price is
reported as missing, never guessed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from alex.api.deps import CurrentUser, OwnedAccount, SessionDep, WriteLimited
from alex.api.models import AccountDetail, AccountSummary, PositionDetail
from alex.db import repository as repo
from alex.db.models import Account, Instrument, Position
from alex.finance.valuation import cash_value, position_value
from alex.schemas import AccountCreate, AccountRead, AccountUpdate, PositionRead

router = APIRouter(prefix="/api/accounts", tags=["accounts"], dependencies=[WriteLimited])


def instruments_for(session: Session, symbols: Iterable[str]) -> dict[str, Instrument]:
    wanted = set(symbols)
    if not wanted:
        return {}
    rows = session.scalars(select(Instrument).where(Instrument.symbol.in_(wanted))).all()
    return {i.symbol: i for i in rows}


def position_detail(
    position: Position, instrument: Instrument | None, account_total: Decimal
) -> PositionDetail:
    price = instrument.current_price if instrument else None
    value = position_value(position.quantity, price) if price is not None else None
    weight = (
        float(round(value / account_total * 100, 4))
        if value is not None and account_total > 0
        else None
    )
    return PositionDetail(
        **PositionRead.model_validate(position).model_dump(),
        instrument_name=instrument.name if instrument else position.symbol,
        instrument_type=instrument.instrument_type if instrument else None,
        price=price,
        value=value,
        weight_pct=weight,
        classified=bool(instrument and repo.is_classified(instrument)),
    )


def account_detail(
    account: Account, positions: Sequence[Position], instruments: dict[str, Instrument]
) -> AccountDetail:
    positions_value = Decimal(0)
    unpriced = 0
    for p in positions:
        price = instruments[p.symbol].current_price if p.symbol in instruments else None
        if price is None:
            unpriced += 1
        else:
            positions_value += position_value(p.quantity, price)
    total = cash_value(account.cash_balance) + positions_value
    return AccountDetail(
        **AccountRead.model_validate(account).model_dump(),
        positions_count=len(positions),
        positions_value=positions_value,
        total_value=total,
        unpriced_positions=unpriced,
        positions=[position_detail(p, instruments.get(p.symbol), total) for p in positions],
    )


def load_account_detail(session: Session, account: Account) -> AccountDetail:
    positions = repo.list_positions(session, account.id)
    return account_detail(
        account, positions, instruments_for(session, (p.symbol for p in positions))
    )


@router.get("", response_model=list[AccountSummary])
def list_accounts(user: CurrentUser, session: SessionDep) -> list[AccountSummary]:
    """The caller's accounts with position counts and values."""
    accounts = session.scalars(
        select(Account)
        .where(Account.user_id == user.id)
        .options(selectinload(Account.positions))
        .order_by(Account.created_at, Account.id)
    ).all()
    instruments = instruments_for(session, (p.symbol for a in accounts for p in a.positions))
    return [
        AccountSummary.model_validate(
            account_detail(a, a.positions, instruments).model_dump(exclude={"positions"})
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
