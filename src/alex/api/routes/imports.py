"""CSV import of positions: a preview that reports every bad row by line number, then an
all-or-nothing commit."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from alex.api.deps import OwnedAccount, SessionDep, WriteLimited
from alex.api.models import ImportResult, ImportRow, ImportRowError
from alex.core.errors import ValidationFailedError
from alex.db import repository as repo
from alex.schemas import PositionCreate, PositionUpdate

router = APIRouter(prefix="/api", tags=["positions"], dependencies=[WriteLimited])

MAX_CSV_BYTES = 1_000_000
MAX_ROWS = 5_000
REQUIRED = ("symbol", "quantity")
OPTIONAL = ("cost_basis",)

_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "CSV text with a header row. Columns: `symbol`, `quantity`, optional `cost_basis` "
            "(total, in dollars). Example:\n\n    symbol,quantity,cost_basis\n    VTI,12.5,2500\n"
        ),
        "content": {
            "text/csv": {
                "schema": {"type": "string", "maxLength": MAX_CSV_BYTES},
                "example": "symbol,quantity,cost_basis\nSPY,10,4500\nAGG,25.5,\n",
            }
        },
    }
}


def _error_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "row"
        parts.append(f"{field}: {err['msg']}")
    return "; ".join(parts)


def parse_csv(text: str, held: set[str]) -> tuple[list[ImportRow], list[ImportRowError]]:
    rows: list[ImportRow] = []
    errors: list[ImportRowError] = []
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a field over the csv module's size limit
            errors.append(ImportRowError(line=reader.line_num, message=f"unreadable CSV: {exc}"))
            return rows, errors
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [c.strip().lower().replace(" ", "_") for c in cells]
            missing = [c for c in REQUIRED if c not in header]
            unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
            repeated = sorted({c for c in header if header.count(c) > 1})
            if missing or unknown or repeated:
                problems = []
                if missing:
                    problems.append(f"missing column(s): {', '.join(missing)}")
                if unknown:
                    problems.append(f"unknown column(s): {', '.join(unknown)}")
                if repeated:
                    problems.append(f"repeated column(s): {', '.join(repeated)}")
                errors.append(
                    ImportRowError(
                        line=line,
                        message="; ".join(problems)
                        + " (expected header: symbol,quantity[,cost_basis])",
                    )
                )
                return rows, errors
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(ImportRowError(line=line, message=f"more than {MAX_ROWS} rows"))
            break
        if len(cells) != len(header):
            errors.append(
                ImportRowError(
                    line=line, message=f"expected {len(header)} values, found {len(cells)}"
                )
            )
            continue
        values = {k: v.strip() for k, v in zip(header, cells, strict=True)}
        if not values.get("cost_basis"):
            values.pop("cost_basis", None)
        try:
            data = PositionCreate.model_validate(values)
        except ValidationError as exc:
            errors.append(ImportRowError(line=line, message=_error_message(exc)))
            continue
        if data.symbol in seen:
            errors.append(
                ImportRowError(
                    line=line, message=f"{data.symbol} already appears on line {seen[data.symbol]}"
                )
            )
            continue
        seen[data.symbol] = line
        rows.append(
            ImportRow(
                line=line,
                symbol=data.symbol,
                quantity=data.quantity,
                cost_basis=data.cost_basis,
                action="update" if data.symbol in held else "add",
                known_instrument=False,
            )
        )
    if header is None:
        errors.append(ImportRowError(line=1, message="the file is empty"))
    return rows, errors


async def csv_text(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise ValidationFailedError(f"CSV larger than {MAX_CSV_BYTES} bytes", field="body")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailedError("the CSV must be UTF-8 text", field="body") from exc


@router.post(
    "/accounts/{account_id}/import",
    response_model=ImportResult,
    openapi_extra=_CSV_BODY,
    responses={
        422: {
            "description": "commit=true and some rows are invalid: nothing was imported",
            "model": ImportResult,
        },
    },
)
def import_positions(
    account: OwnedAccount,
    session: SessionDep,
    text: str = Depends(csv_text),
    commit: bool = Query(False, description="Apply the rows (all or nothing)."),
) -> ImportResult | JSONResponse:
    """Preview (default) or commit a CSV of positions (`Content-Type: text/csv`). A symbol
    already held is updated to the file's quantity and cost basis; a new symbol is added
    (unknown symbols as unclassified instruments). With `commit=true` and any bad row, nothing
    is written and the answer is 422 with the same `rows` and `errors`."""
    held = {p.symbol: p for p in repo.list_positions(session, account.id)}
    rows, errors = parse_csv(text, set(held))
    for row in rows:
        row.known_instrument = repo.get_instrument(session, row.symbol) is not None
    if commit and errors:
        rejected = ImportResult(rows=rows, errors=errors, committed=False).model_dump(mode="json")
        rejected["detail"] = [
            {"loc": ["body", f"line {e.line}"], "msg": e.message, "type": "value_error"}
            for e in errors
        ]
        return JSONResponse(rejected, status_code=422)
    if not commit:
        return ImportResult(rows=rows, errors=errors, committed=False)
    for row in rows:
        if row.symbol in held:
            repo.update_position(
                session,
                held[row.symbol],
                PositionUpdate(quantity=row.quantity, cost_basis=row.cost_basis),
            )
        else:
            repo.add_position(
                session,
                account,
                PositionCreate(symbol=row.symbol, quantity=row.quantity, cost_basis=row.cost_basis),
            )
    session.commit()
    return ImportResult(rows=rows, errors=[], committed=True)
