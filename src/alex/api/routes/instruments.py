"""Instruments: search (symbol autocomplete), and each user's own classification and price.

Instruments are shared reference data that only the seed, the reference files, a price
provider and the tagger change. What a user sets (a classification, a name, a price) is laid
over the shared row for that user alone, so no user can change another user's numbers."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy.orm import Session

from alex.api.deps import CallerId, CurrentUser, SessionDep, WriteLimited
from alex.api.models import PriceHistoryEntry, UserPriceSet
from alex.core.errors import ForbiddenError, NotFoundError, ValidationFailedError
from alex.db import repository as repo
from alex.schemas import InstrumentClassification, InstrumentRead

router = APIRouter(prefix="/api/instruments", tags=["instruments"], dependencies=[WriteLimited])

SymbolPath = Annotated[str, Path(min_length=1, max_length=20, examples=["SPY"])]


def _view(session: Session, user_id: str, symbol: str) -> InstrumentRead:
    return repo.effective_instruments(session, user_id, [symbol])[symbol]


def _require_held(session: Session, user_id: str, symbol: str) -> str:
    instrument = repo.get_instrument(session, symbol)
    held = instrument is not None and repo.user_holds(session, user_id, instrument.symbol)
    if instrument is None or (not held and instrument.origin == "user"):
        # Someone else's private symbol reads as unknown, as `require_visible_instrument` says.
        raise NotFoundError(f"instrument '{symbol.upper()}' not found")
    if not held:
        raise ForbiddenError(
            f"you can only set this for instruments you hold; add {instrument.symbol} first"
        )
    return instrument.symbol


@router.get("", response_model=list[InstrumentRead])
def search_instruments(
    caller_id: CallerId,
    session: SessionDep,
    q: Annotated[str, Query(max_length=50, description="Symbol prefix or part of the name")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    unclassified: Annotated[
        bool, Query(description="Only instruments without allocations (as you see them)")
    ] = False,
) -> list[InstrumentRead]:
    rows = repo.search_instruments(session, caller_id, q, limit=limit)
    views = repo.effective_instruments(session, caller_id, [i.symbol for i in rows])
    found = [views[i.symbol] for i in rows]
    return [i for i in found if not i.is_classified] if unclassified else found


@router.get("/{symbol}", response_model=InstrumentRead)
def get_instrument(symbol: SymbolPath, caller_id: CallerId, session: SessionDep) -> InstrumentRead:
    instrument = repo.require_visible_instrument(session, caller_id, symbol)
    return _view(session, caller_id, instrument.symbol)


@router.put(
    "/{symbol}/classification",
    response_model=InstrumentRead,
    responses={403: {"description": "You do not hold this instrument"}},
)
def classify_instrument(
    symbol: SymbolPath, body: InstrumentClassification, user: CurrentUser, session: SessionDep
) -> InstrumentRead:
    """Your own type, name and allocations (each summing to 100) for an instrument you hold.
    They apply to your portfolio only; the shared reference data is unchanged."""
    held = _require_held(session, user.id, symbol)
    repo.classify_for_user(session, user.id, held, body)
    session.commit()
    return _view(session, user.id, held)


@router.delete("/{symbol}/classification", response_model=InstrumentRead)
def clear_classification(
    symbol: SymbolPath, user: CurrentUser, session: SessionDep
) -> InstrumentRead:
    """Drop your own classification: you see the shared one (if any) again."""
    instrument = repo.require_visible_instrument(session, user.id, symbol)
    repo.clear_user_classification(session, user.id, instrument.symbol)
    session.commit()
    return _view(session, user.id, instrument.symbol)


@router.put(
    "/{symbol}/price",
    response_model=InstrumentRead,
    responses={403: {"description": "You do not hold this instrument"}},
)
def set_price(
    symbol: SymbolPath, body: UserPriceSet, user: CurrentUser, session: SessionDep
) -> InstrumentRead:
    """Your own price for an instrument you hold, as of a date (default today). It values
    your holdings until a newer price (a provider's or your own) arrives; nobody else's."""
    held = _require_held(session, user.id, symbol)
    as_of = body.as_of or date.today()
    if as_of > date.today():
        raise ValidationFailedError("as_of cannot be in the future", field="as_of")
    repo.set_user_price(session, user.id, held, body.price, as_of)
    session.commit()
    return _view(session, user.id, held)


@router.delete("/{symbol}/price", status_code=status.HTTP_204_NO_CONTENT)
def clear_prices(symbol: SymbolPath, user: CurrentUser, session: SessionDep) -> Response:
    """Forget every price you set or imported for this instrument."""
    instrument = repo.require_visible_instrument(session, user.id, symbol)
    repo.clear_user_prices(session, user.id, instrument.symbol)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{symbol}/prices", response_model=list[PriceHistoryEntry])
def price_history(
    symbol: SymbolPath,
    caller_id: CallerId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PriceHistoryEntry]:
    """Shared prices and your own, newest first."""
    instrument = repo.require_visible_instrument(session, caller_id, symbol)
    return [
        PriceHistoryEntry(
            price=p.price, as_of=p.as_of, source=p.source, yours=p.user_id is not None
        )
        for p in repo.price_history(session, caller_id, instrument.symbol, limit=limit)
    ]
