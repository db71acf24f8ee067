"""Schwab's Positions export (`Individual-Positions-2026-11-28-214100.csv`).

Layout: a title `"Positions for account Individual ...1234 as of 09:41 PM ET, 2026/11/28"`
padded with empty quoted cells, a line of empty cells, then a header `"Symbol","Description",
"Qty (Quantity)","Price",…,"Mkt Val (Market Value)",…,"Cost Basis",…,"Security Type"` (older
files: `"Quantity"`, `"Market Value"`). Money is written `$1,234.56`, missing values `--` or
`N/A`. The bank sweep is the `"Cash & Cash Investments"` line (its Market Value), followed by an
`"Account Total"` (or `"Positions Total"`) line. The all-accounts export repeats an account-name
line and a header per account."""

from __future__ import annotations

import re
from collections.abc import Sequence

from alex.imports.base import (
    BadDateError,
    CashLine,
    Extracted,
    FormatName,
    LineMessage,
    RawHolding,
    Record,
    cell,
    column_index,
    find_date,
    first_records,
)

_TITLE = re.compile(
    r"^positions for (?P<single>account )?(?P<account>.*?)\s+as of\s+(?P<when>.+)$", re.I
)
_CASH = "cash & cash investments"
_TOTALS = ("account total", "positions total")


def _is_header(record: Record) -> bool:
    cells = record.cells
    return (
        bool(cells)
        and cells[0].strip().lower() == "symbol"
        and column_index(cells, "qty (quantity)", "quantity") is not None
        and column_index(cells, "mkt val (market value)", "market value") is not None
    )


def _title(record: Record) -> re.Match[str] | None:
    filled = record.filled
    return _TITLE.match(filled[0]) if len(filled) == 1 else None


class SchwabFormat:
    name: FormatName = "schwab"

    def detect(self, records: Sequence[Record]) -> bool:
        head = first_records(records, 4)
        return bool(head) and (_title(head[0]) is not None or any(_is_header(r) for r in head))

    def extract(self, records: Sequence[Record]) -> Extracted:
        out = Extracted(format=self.name)
        col: dict[str, int | None] = {}
        account: str | None = None
        pending_name: str | None = None
        for record in records:
            if record.blank:
                continue
            title = _title(record)
            if title is not None:
                try:
                    out.file_date = find_date(title["when"]) or out.file_date
                except BadDateError as exc:
                    out.errors.append(LineMessage(record.line, f"title date: {exc}"))
                # "Positions for CUSTACCS as of …" (all accounts) names no single account: each
                # section's account-name line does.
                if title["single"]:
                    pending_name = title["account"]
                continue
            if _is_header(record):
                if not out.columns:
                    out.columns = [c.strip() for c in record.cells]
                col = {
                    "symbol": 0,
                    "description": column_index(record.cells, "description"),
                    "quantity": column_index(record.cells, "qty (quantity)", "quantity"),
                    "price": column_index(record.cells, "price"),
                    "value": column_index(record.cells, "mkt val (market value)", "market value"),
                    "cost_basis": column_index(record.cells, "cost basis"),
                }
                account = pending_name
                if account:
                    out.add_source_account(account)
                pending_name = None
                continue
            if len(record.filled) == 1:
                # An account-name line above a header (all-accounts export), or a note.
                pending_name = record.filled[0]
                out.ignored.append(LineMessage(record.line, "an account name or a note"))
                continue
            if not col:
                out.ignored.append(LineMessage(record.line, "before the header"))
                continue
            symbol = cell(record, col["symbol"])
            if symbol.lower() == _CASH:
                out.cash.append(CashLine(record.line, cell(record, col["value"]), symbol, account))
                continue
            if symbol.lower() in _TOTALS:
                out.ignored.append(LineMessage(record.line, f"{symbol} (a total, not a holding)"))
                continue
            out.holdings.append(
                RawHolding(
                    line=record.line,
                    # Schwab writes share classes with a slash (BRK/B); tickers use a dot.
                    symbol=symbol.replace("/", "."),
                    quantity=cell(record, col["quantity"]),
                    price=cell(record, col["price"]),
                    cost_basis=cell(record, col["cost_basis"]),
                    description=cell(record, col["description"]) or None,
                    source_account=account,
                )
            )
        return out
