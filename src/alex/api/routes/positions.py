"""Positions CRUD. A symbol unknown to Alex is added as an unclassified instrument, to be
tagged by the planner or classified by the user; nothing about it is guessed."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from sqlalchemy.orm import Session

from alex.api.deps import OwnedAccount, OwnedPosition, SessionDep, WriteLimited
from alex.api.models import PositionDetail
from alex.api.routes.accounts import load_account_detail
from alex.db import repository as repo
from alex.db.models import Account
from alex.schemas import PositionCreate, PositionUpdate

router = APIRouter(prefix="/api", tags=["positions"], dependencies=[WriteLimited])


def _detail(session: Session, position_id: uuid.UUID, account: Account) -> PositionDetail:
    """The position as the account page shows it (its weight needs the account's total)."""
    detail = load_account_detail(session, account)
    return next(p for p in detail.positions if p.id == position_id)


@router.post(
    "/accounts/{account_id}/positions",
    response_model=PositionDetail,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The account already holds this symbol"}},
)
def add_position(
    body: PositionCreate, account: OwnedAccount, session: SessionDep
) -> PositionDetail:
    position = repo.add_position(session, account, body)
    session.commit()
    return _detail(session, position.id, account)


@router.patch("/positions/{position_id}", response_model=PositionDetail)
def update_position(
    body: PositionUpdate, position: OwnedPosition, session: SessionDep
) -> PositionDetail:
    repo.update_position(session, position, body)
    session.commit()
    return _detail(session, position.id, position.account)


@router.delete("/positions/{position_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_position(position: OwnedPosition, session: SessionDep) -> Response:
    repo.delete_position(session, position)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
