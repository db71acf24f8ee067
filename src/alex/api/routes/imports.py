"""CSV import of positions: a preview that reports every bad line by number, then an
all-or-nothing commit. Reading the file (layouts, numbers, cash, dates) is `alex.imports`;
this route adds what needs the database and writes."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from alex.api.deps import OwnedAccount, SessionDep, WriteLimited
from alex.api.models import ImportResult, ImportRow, ImportRowError, ImportSourceAccount
from alex.core.config import get_settings
from alex.core.errors import AlexError, ValidationFailedError
from alex.db import repository as repo
from alex.db.models import Account, Instrument, Position
from alex.imports import ColumnMapping, LineMessage, ParsedImport, parse_positions
from alex.schemas import AccountUpdate, PositionCreate, PositionUpdate

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["positions"], dependencies=[WriteLimited])

MAX_CSV_BYTES = 1_000_000

_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "CSV text: Alex's simple layout (header `symbol,quantity[,cost_basis][,price]`, "
            "cost basis in total dollars), a Fidelity, Schwab or Vanguard positions export, or "
            "any layout with `symbol_column` and `quantity_column` naming its columns. "
            "Example:\n\n    symbol,quantity,cost_basis\n    VTI,12.5,2500\n"
        ),
        "content": {
            "text/csv": {
                "schema": {"type": "string", "maxLength": MAX_CSV_BYTES},
                "example": "symbol,quantity,cost_basis\nSPY,10,4500\nAGG,25.5,\n",
            }
        },
    }
}

Column = Annotated[str | None, Query(max_length=200)]


async def csv_text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise ValidationFailedError(f"CSV larger than {MAX_CSV_BYTES} bytes", field="body")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailedError("the CSV must be UTF-8 text", field="body") from exc


def column_mapping(
    symbol_column: Column = None,
    quantity_column: Column = None,
    price_column: Column = None,
    cost_basis_column: Column = None,
) -> ColumnMapping | None:
    """The user's choice of columns for a layout Alex does not recognise (all optional; the
    symbol and quantity columns go together)."""
    if not (symbol_column or quantity_column or price_column or cost_basis_column):
        return None
    for name, value in (("symbol_column", symbol_column), ("quantity_column", quantity_column)):
        if not value or not value.strip():
            raise ValidationFailedError(f"{name} is required with a column mapping", field=name)
    assert symbol_column and quantity_column  # checked above; narrows the types
    return ColumnMapping(
        symbol=symbol_column,
        quantity=quantity_column,
        price=price_column or None,
        cost_basis=cost_basis_column or None,
    )


@router.post(
    "/accounts/{account_id}/import",
    response_model=ImportResult,
    openapi_extra=_CSV_BODY,
    responses={
        422: {
            "description": "commit=true and some lines are invalid (or a new symbol is over "
            "the per-user limit): nothing was imported",
            "model": ImportResult,
        },
    },
)
def import_positions(
    account: OwnedAccount,
    session: SessionDep,
    text: str = Depends(csv_text),
    mapping: ColumnMapping | None = Depends(column_mapping),
    commit: bool = Query(False, description="Apply the rows (all or nothing)."),
    as_of: date | None = Query(
        None,
        description="The date of the positions and prices when the file carries none "
        "(Schwab's and Fidelity's exports do); default today.",
    ),
    source_account: str | None = Query(
        None,
        max_length=100,
        description="The broker account to import when the file lists several.",
    ),
) -> ImportResult | JSONResponse:
    """Preview (default) or commit a positions CSV (`Content-Type: text/csv`). A symbol the
    account holds is updated to the file's quantity (and cost basis, when the file has one); a
    new symbol is added (unknown ones as unclassified instruments of yours). The file's prices
    become your own prices, dated `as_of`; its cash lines set the account's cash balance.
    With `commit=true` and any bad line, nothing is written and the answer is 422 with the
    same body."""
    today = date.today()
    if as_of is not None and as_of > today:
        raise ValidationFailedError("as_of must not be in the future", field="as_of")
    parsed = parse_positions(
        text, today=today, mapping=mapping, source_account=source_account, as_of=as_of
    )
    held = {p.symbol: p for p in repo.list_positions(session, account.id)}
    instruments = _instruments(session, [h.symbol for h in parsed.holdings])
    result = _preview(session, account, parsed, set(held), instruments)
    if commit and result.errors:
        return _rejected(result, status_code=422)
    if not commit:
        return result
    try:
        _apply(session, account, parsed, held)
    except _LineRefusedError as refused:
        # A refusal while writing (the per-user limit on new symbols, a concurrent change):
        # nothing is kept.
        session.rollback()
        result.errors = [ImportRowError(line=refused.line, message=refused.error.message)]
        return _rejected(result, status_code=refused.error.status_code)
    session.commit()
    log.info(
        "positions imported",
        extra={
            "account_id": str(account.id),
            "format": parsed.format,
            "rows": len(parsed.holdings),
            "cash_set": parsed.cash is not None,
        },
    )
    result.committed = True
    return result


def _preview(
    session: Session,
    account: Account,
    parsed: ParsedImport,
    held: set[str],
    instruments: dict[str, Instrument],
) -> ImportResult:
    symbols = [h.symbol for h in parsed.holdings]
    visible = repo.visible_symbols(session, account.user_id, instruments.values())
    errors = [_error(e) for e in parsed.errors]
    new_private = [s for s in symbols if s not in visible]
    if new_private:
        limit = get_settings().max_private_symbols
        already = repo.count_private_symbols(session, account.user_id)
        if already + len(new_private) > limit:
            errors.append(
                ImportRowError(
                    line=next(h.line for h in parsed.holdings if h.symbol == new_private[0]),
                    message=f"the file adds {len(new_private)} symbol(s) Alex does not know "
                    f"({', '.join(new_private[:5])}{'…' if len(new_private) > 5 else ''}); "
                    f"with the {already} you hold already that is over the limit of {limit} "
                    "per user",
                )
            )
    listed = set(symbols)
    return ImportResult(
        format=parsed.format,
        as_of=parsed.as_of,
        as_of_source=parsed.as_of_source,
        rows=[
            ImportRow(
                line=h.line,
                symbol=h.symbol,
                description=h.description,
                quantity=h.quantity,
                price=h.price,
                cost_basis=h.cost_basis,
                action="update" if h.symbol in held else "add",
                known_instrument=h.symbol in visible,
            )
            for h in parsed.holdings
        ],
        errors=errors,
        ignored=[_error(n) for n in parsed.ignored],
        cash_balance=parsed.cash,
        cash_lines=parsed.cash_lines,
        columns=parsed.columns,
        needs_mapping=parsed.needs_mapping,
        source_accounts=[
            ImportSourceAccount(number=a.number, name=a.name) for a in parsed.source_accounts
        ],
        not_in_file=sorted(held - listed) if parsed.holdings else [],
        committed=False,
    )


def _instruments(session: Session, symbols: list[str]) -> dict[str, Instrument]:
    """The file's known instruments in one query. Holding them keeps them in the session's
    identity map, so the writes that look each one up again need no query of their own."""
    if not symbols:
        return {}
    found = session.scalars(select(Instrument).where(Instrument.symbol.in_(symbols)))
    return {i.symbol: i for i in found}


class _LineRefusedError(Exception):
    def __init__(self, line: int, error: AlexError) -> None:
        super().__init__(error.message)
        self.line = line
        self.error = error


def _apply(
    session: Session, account: Account, parsed: ParsedImport, held: dict[str, Position]
) -> None:
    """Write the preview: positions, the user's own prices, and the cash balance, in a few
    statements whatever the file's size. The caller commits (or rolls back) the whole."""
    updates: list[tuple[Position, PositionUpdate]] = []
    additions: list[PositionCreate] = []
    for h in parsed.holdings:
        if h.symbol in held:
            changes: dict[str, Any] = {"quantity": h.quantity, "as_of_date": parsed.as_of}
            # A line without a cost basis says nothing about it: keep the position's.
            if h.cost_basis is not None:
                changes["cost_basis"] = h.cost_basis
            updates.append((held[h.symbol], PositionUpdate(**changes)))
        else:
            additions.append(
                PositionCreate(
                    symbol=h.symbol,
                    quantity=h.quantity,
                    cost_basis=h.cost_basis,
                    as_of_date=parsed.as_of,
                )
            )
    prices = {h.symbol: h.price for h in parsed.holdings if h.price is not None}
    try:
        repo.update_positions(session, updates)
        repo.add_positions(session, account, additions)
        repo.record_user_prices(
            session, account.user_id, prices, parsed.as_of, f"import:{parsed.format}"
        )
    except AlexError as exc:
        # Only a change made while the file was previewed gets here (the preview checked the
        # rest): the first new line is where the file stopped fitting.
        first = next((h.line for h in parsed.holdings if h.symbol not in held), None)
        raise _LineRefusedError(first or parsed.holdings[0].line, exc) from exc
    if parsed.cash is not None:
        repo.update_account(session, account, AccountUpdate(cash_balance=parsed.cash))


def _error(message: LineMessage) -> ImportRowError:
    return ImportRowError(line=message.line, message=message.message)


def _rejected(result: ImportResult, *, status_code: int) -> JSONResponse:
    body = result.model_dump(mode="json")
    body["detail"] = [
        {"loc": ["body", f"line {e.line}"], "msg": e.message, "type": "value_error"}
        for e in result.errors
    ]
    return JSONResponse(body, status_code=status_code)
