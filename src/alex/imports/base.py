"""What every format module produces, and the helpers they share.

A format module turns the file's records into `Extracted`: candidate holdings with their cells
still as text, cash lines, lines ignored on purpose (with the reason), and file-level facts
(date, broker accounts). Turning text into validated numbers happens once, in `parse.py`, so
every format reports bad values the same way."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

FormatName = Literal["simple", "fidelity", "schwab", "vanguard", "mapped"]

MAX_ROWS = 5_000


@dataclass(frozen=True)
class Record:
    """One CSV record and the line it starts on (a quoted field may span lines)."""

    line: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(c.strip() for c in self.cells)

    @property
    def filled(self) -> list[str]:
        return [c.strip() for c in self.cells if c.strip()]


@dataclass(frozen=True)
class LineMessage:
    line: int
    message: str


@dataclass(frozen=True)
class RawHolding:
    """A holding as the file spells it; numbers are validated later, all formats alike."""

    line: int
    symbol: str
    quantity: str
    price: str | None = None
    cost_basis: str | None = None
    description: str | None = None
    source_account: str | None = None


@dataclass(frozen=True)
class CashLine:
    line: int
    amount: str
    label: str
    source_account: str | None = None


@dataclass(frozen=True)
class SourceAccount:
    """A broker account found in the file (one export may list several)."""

    number: str
    name: str | None = None


@dataclass
class Extracted:
    format: FormatName
    holdings: list[RawHolding] = field(default_factory=list)
    cash: list[CashLine] = field(default_factory=list)
    ignored: list[LineMessage] = field(default_factory=list)
    errors: list[LineMessage] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    file_date: date | None = None
    source_accounts: list[SourceAccount] = field(default_factory=list)
    # Fidelity lists one holding twice when part is in the cash and part in the margin
    # sub-account; such lines are one position. Elsewhere a repeated symbol is a mistake.
    merge_repeated: bool = False
    # False when the header was not understood: the caller offers the column mapping.
    header_ok: bool = True

    def add_source_account(self, number: str, name: str | None = None) -> None:
        if all(a.number != number for a in self.source_accounts):
            self.source_accounts.append(SourceAccount(number, name or None))


class BrokerFormat(Protocol):
    """One module per export layout; `detect.py` is the one place that chooses."""

    name: FormatName

    def detect(self, records: Sequence[Record]) -> bool:
        """Whether the file's first records look like this format."""
        ...

    def extract(self, records: Sequence[Record]) -> Extracted: ...


def read_records(text: str) -> tuple[list[Record], LineMessage | None]:
    """Every record with its starting line; stops at the first record the csv module cannot
    read (e.g. a field over its size limit) and reports it."""
    # Old Mac line endings would otherwise make the whole file one line.
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")))
    records: list[Record] = []
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return records, None
        except csv.Error as exc:
            return records, LineMessage(start, f"unreadable CSV: {exc}")
        records.append(Record(start, cells))


def normalise_header(cell: str) -> str:
    """`"Qty (Quantity)"` → `"qty (quantity)"`: case and spacing never matter in a header."""
    return " ".join(cell.strip().lower().split())


def column_index(header: Sequence[str], *names: str) -> int | None:
    """The position of the first of `names` present in `header` (compared normalised)."""
    normalised = [normalise_header(c) for c in header]
    for name in names:
        if name in normalised:
            return normalised.index(name)
    return None


def cell(record: Record, index: int | None) -> str:
    """The stripped cell at `index`; "" when the column is absent or the record is short
    (brokers drop trailing empty cells on some lines)."""
    if index is None or index >= len(record.cells):
        return ""
    return record.cells[index].strip()


def first_records(records: Sequence[Record], count: int = 8) -> list[Record]:
    return [r for r in records if not r.blank][:count]


def likely_header(records: Sequence[Record]) -> Record | None:
    """The line most likely to be the header of a plain table: the first with two or more
    values (a title line above it has one)."""
    head = first_records(records, 10)
    return next((r for r in head if len(r.filled) >= 2), head[0] if head else None)


_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_DATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(\d{4})[/-](\d{1,2})[/-](\d{1,2})\b"), "ymd"),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), "mdy"),
    (re.compile(r"\b([A-Za-z]{3})-(\d{1,2})-(\d{4})\b"), "bdy"),
)


class BadDateError(ValueError):
    pass


def find_date(text: str) -> date | None:
    """The first date in `text`, as brokers write them: 2026/11/28, 11/28/2026, Nov-28-2026.
    None when there is none; `BadDateError` when one is written but impossible."""
    for pattern, order in _DATE_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        a, b, c = match.groups()
        try:
            if order == "ymd":
                return date(int(a), int(b), int(c))
            if order == "mdy":
                return date(int(c), int(a), int(b))
            month = _MONTHS.get(a.lower())
            if month is None:
                continue
            return date(int(c), month, int(b))
        except ValueError as exc:
            raise BadDateError(f"{match.group(0)!r} is not a valid date") from exc
    return None
