"""From CSV text to validated holdings, cash and a date: the one pipeline every format goes
through. Pure: no database, no clock (the caller passes `today`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from alex.imports.base import (
    MAX_ROWS,
    BrokerFormat,
    CashLine,
    Extracted,
    FormatName,
    LineMessage,
    RawHolding,
    SourceAccount,
    likely_header,
    read_records,
)
from alex.imports.fidelity import FidelityFormat
from alex.imports.mapped import ColumnMapping, MappedFormat
from alex.imports.numbers import EMPTY, NotANumberError, parse_amount
from alex.imports.schwab import SchwabFormat
from alex.imports.simple import EXPECTED, REQUIRED, SimpleFormat
from alex.imports.vanguard import VanguardFormat
from alex.schemas import Money, Price, Quantity, Symbol

# Detection order matters: the simple format accepts any header with `symbol` and `quantity`,
# so the broker layouts, which have both, are tried first.
FORMATS: tuple[BrokerFormat, ...] = (
    FidelityFormat(),
    SchwabFormat(),
    VanguardFormat(),
    SimpleFormat(),
)

AsOfSource = Literal["file", "request", "today"]
_DESCRIPTION_MAX = 200
_UNRECOGNISED = (
    f"expected a header {EXPECTED}, a Fidelity, Schwab or Vanguard positions export, or a "
    "choice of which columns hold the symbol and the quantity"
)


@dataclass(frozen=True)
class Holding:
    line: int
    symbol: str
    quantity: Decimal
    price: Decimal | None
    cost_basis: Decimal | None
    description: str | None


@dataclass
class ParsedImport:
    format: FormatName | None
    as_of: date
    as_of_source: AsOfSource
    holdings: list[Holding] = field(default_factory=list)
    errors: list[LineMessage] = field(default_factory=list)
    ignored: list[LineMessage] = field(default_factory=list)
    cash: Decimal | None = None
    cash_lines: list[int] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    needs_mapping: bool = False
    source_accounts: list[SourceAccount] = field(default_factory=list)


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: Symbol
    quantity: Quantity
    price: Price | None = None
    cost_basis: Annotated[Money | None, Field(ge=0)] = None


_CASH = TypeAdapter(Annotated[Money, Field(ge=0)])


def parse_positions(
    text: str,
    *,
    today: date,
    mapping: ColumnMapping | None = None,
    source_account: str | None = None,
    as_of: date | None = None,
) -> ParsedImport:
    """Read a positions file. Every problem is reported with its line; `holdings` holds only
    the good lines, so the caller can preview them and must refuse to commit if `errors`."""
    result = ParsedImport(format=None, as_of=as_of or today, as_of_source=_source(as_of))
    records, unreadable = read_records(text)
    if unreadable is not None:
        result.errors.append(unreadable)
        return result
    first = next((r for r in records if not r.blank), None)
    if first is None:
        result.errors.append(LineMessage(1, "the file is empty"))
        return result

    chosen: BrokerFormat | None = MappedFormat(mapping) if mapping else None
    chosen = chosen or next((f for f in FORMATS if f.detect(records)), None)
    if chosen is None:
        header = likely_header(records) or first
        result.needs_mapping = True
        result.columns = [c.strip() for c in header.cells]
        names = {"_".join(c.strip().lower().split()) for c in header.cells}
        missing = ", ".join(c for c in REQUIRED if c not in names)
        result.errors.append(
            LineMessage(
                header.line, f"unrecognised header: missing column(s): {missing}; {_UNRECOGNISED}"
            )
        )
        return result

    extracted = chosen.extract(records)
    result.format = extracted.format
    result.columns = extracted.columns
    result.ignored = extracted.ignored
    result.errors = list(extracted.errors)
    result.source_accounts = extracted.source_accounts
    if not extracted.header_ok:
        result.needs_mapping = True
        return result
    if extracted.file_date is not None:
        if extracted.file_date > today + timedelta(days=1):
            result.errors.append(
                LineMessage(first.line, f"the file is dated {extracted.file_date}, in the future")
            )
        result.as_of, result.as_of_source = extracted.file_date, "file"
    if not _pick_account(extracted, source_account, first.line, result):
        return result

    items = len(extracted.holdings) + len(extracted.cash)
    if items > MAX_ROWS:
        last = sorted([h.line for h in extracted.holdings] + [c.line for c in extracted.cash])
        result.errors.append(LineMessage(last[MAX_ROWS], f"more than {MAX_ROWS} rows"))
        return result
    result.holdings = _holdings(extracted, result)
    _cash(extracted.cash, result)
    result.errors.sort(key=lambda e: e.line)
    result.ignored.sort(key=lambda e: e.line)
    return result


def _source(as_of: date | None) -> AsOfSource:
    return "today" if as_of is None else "request"


def _pick_account(
    extracted: Extracted, wanted: str | None, line: int, result: ParsedImport
) -> bool:
    """Keep only one broker account's lines. False (with an error) when the file lists
    several and none was chosen, or the chosen one is not in the file."""
    numbers = [a.number for a in extracted.source_accounts]
    if wanted is None and len(numbers) <= 1:
        return True
    if wanted is None:
        result.errors.append(
            LineMessage(
                line,
                f"the file lists {len(numbers)} accounts ({', '.join(numbers)}): choose the "
                "one to import (source_account)",
            )
        )
        return False
    if wanted not in numbers:
        found = ", ".join(numbers) or "no account numbers"
        result.errors.append(
            LineMessage(line, f"source_account {wanted!r} is not in the file (it has: {found})")
        )
        return False
    extracted.holdings = [h for h in extracted.holdings if h.source_account == wanted]
    extracted.cash = [c for c in extracted.cash if c.source_account == wanted]
    return True


def _holdings(extracted: Extracted, result: ParsedImport) -> list[Holding]:
    good: dict[str, Holding] = {}
    for raw in extracted.holdings:
        holding = _validate(raw, result)
        if holding is None:
            continue
        seen = good.get(holding.symbol)
        if seen is None:
            good[holding.symbol] = holding
        elif extracted.merge_repeated:
            merged = _merge(seen, holding)
            try:  # the sums must still fit the columns
                _Row(symbol=merged.symbol, quantity=merged.quantity, cost_basis=merged.cost_basis)
            except ValidationError as exc:
                result.errors.append(
                    LineMessage(raw.line, f"with line {seen.line}: {_messages(exc)}")
                )
                continue
            good[holding.symbol] = merged
        else:
            result.errors.append(
                LineMessage(raw.line, f"{holding.symbol} already appears on line {seen.line}")
            )
    return list(good.values())


def _validate(raw: RawHolding, result: ParsedImport) -> Holding | None:
    quantity_empty = raw.quantity.strip().lower() in EMPTY
    if not raw.symbol.strip():
        if quantity_empty:
            result.ignored.append(LineMessage(raw.line, "no symbol or quantity: not a holding"))
        else:
            result.errors.append(
                LineMessage(
                    raw.line,
                    "symbol: missing; Alex needs a ticker symbol (a bond or CD without one "
                    "cannot be imported)",
                )
            )
        return None
    problems: list[str] = []
    numbers: dict[str, Decimal | None] = {}
    for name, text in (
        ("quantity", raw.quantity),
        ("price", raw.price),
        ("cost_basis", raw.cost_basis),
    ):
        try:
            numbers[name] = parse_amount(text or "")
        except NotANumberError as exc:
            problems.append(f"{name}: {exc}")
    quantity = numbers.get("quantity")
    if quantity is None and "quantity" in numbers:
        problems.append("quantity: missing")
    elif quantity is not None and quantity < 0:
        problems.append(
            f"quantity: {quantity} is a short position; only long positions can be imported"
        )
    if problems or quantity is None:
        result.errors.append(LineMessage(raw.line, "; ".join(problems)))
        return None
    # A zero price is a placeholder some brokers print for unpriced lines, not a price.
    price = numbers.get("price") or None
    try:
        row = _Row(
            symbol=raw.symbol,
            quantity=quantity,
            price=price,
            cost_basis=numbers.get("cost_basis"),
        )
    except ValidationError as exc:
        result.errors.append(LineMessage(raw.line, _messages(exc)))
        return None
    description = (raw.description or "").strip()[:_DESCRIPTION_MAX] or None
    return Holding(raw.line, row.symbol, row.quantity, row.price, row.cost_basis, description)


def _merge(first: Holding, other: Holding) -> Holding:
    cost = (
        first.cost_basis + other.cost_basis
        if first.cost_basis is not None and other.cost_basis is not None
        else None
    )
    return Holding(
        first.line,
        first.symbol,
        first.quantity + other.quantity,
        first.price or other.price,
        cost,
        first.description or other.description,
    )


def _cash(lines: Sequence[CashLine], result: ParsedImport) -> None:
    if not lines:
        return
    total = Decimal(0)
    bad = False
    for line in lines:
        try:
            amount = parse_amount(line.amount)
        except NotANumberError as exc:
            result.errors.append(LineMessage(line.line, f"{line.label}: cash amount {exc}"))
            bad = True
            continue
        if amount is None:
            result.errors.append(LineMessage(line.line, f"{line.label}: no cash amount"))
            bad = True
            continue
        total += amount
    result.cash_lines = [c.line for c in lines]
    if bad:
        return
    try:
        result.cash = _CASH.validate_python(total)
    except ValidationError as exc:
        message = "; ".join(e["msg"] for e in exc.errors())
        result.errors.append(
            LineMessage(lines[0].line, f"cash: the cash lines sum to {total}: {message}")
        )


def _messages(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "row"
        # Pydantic prefixes a validator's own message with "Value error, ".
        parts.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)
