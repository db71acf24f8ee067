"""Instruments: search (symbol autocomplete) and classification of unclassified ones.
Instruments are shared reference data; the seeded ones are read-only to users."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from alex.api.deps import CallerId, CurrentUser, SessionDep, WriteLimited
from alex.core.errors import ForbiddenError
from alex.db import repository as repo
from alex.schemas import InstrumentClassification, InstrumentRead

router = APIRouter(prefix="/api/instruments", tags=["instruments"], dependencies=[WriteLimited])

SymbolPath = Annotated[str, Path(min_length=1, max_length=20, examples=["SPY"])]


@router.get("", response_model=list[InstrumentRead])
def search_instruments(
    caller_id: CallerId,
    session: SessionDep,
    q: Annotated[str, Query(max_length=50, description="Symbol prefix or part of the name")] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    unclassified: Annotated[
        bool, Query(description="Only instruments without allocations")
    ] = False,
) -> list[InstrumentRead]:
    rows = repo.search_instruments(session, q, limit=limit, unclassified_only=unclassified)
    return [InstrumentRead.model_validate(i) for i in rows]


@router.get("/{symbol}", response_model=InstrumentRead)
def get_instrument(symbol: SymbolPath, caller_id: CallerId, session: SessionDep) -> InstrumentRead:
    return InstrumentRead.model_validate(repo.require_instrument(session, symbol))


@router.put(
    "/{symbol}/classification",
    response_model=InstrumentRead,
    responses={403: {"description": "Seeded instruments are read-only"}},
)
def classify_instrument(
    symbol: SymbolPath, body: InstrumentClassification, user: CurrentUser, session: SessionDep
) -> InstrumentRead:
    """Set type and allocations (each summing to 100) for an instrument that is unclassified
    or was classified by a user or the tagger."""
    # Instruments are shared: a user who holds none of it may not rewrite what others see.
    instrument = repo.require_instrument(session, symbol)
    if instrument.classification_source == "seed":
        raise ForbiddenError(f"{instrument.symbol} is reference data and cannot be reclassified")
    if not repo.user_holds(session, user.id, instrument.symbol):
        raise ForbiddenError(f"you can only classify instruments you hold; add {symbol} first")
    repo.classify_instrument(session, instrument, body, "user")
    session.commit()
    return InstrumentRead.model_validate(instrument)
