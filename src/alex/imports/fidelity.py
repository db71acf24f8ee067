"""Fidelity's Portfolio Positions export (`Portfolio_Positions_Nov-28-2026.csv`).

Layout: a header `Account Number,Account Name,Symbol,Description,Quantity,Last Price,…,Current
Value,…,Cost Basis Total,Average Cost Basis,Type` (older files: `Cost Basis`; newer ones write
the header in sentence case), one line per holding and account, each ending in a stray comma.
The core money-market position is marked with `**` (`SPAXX**`, `FCASH**`) and has only a
Current Value; `Pending Activity` is cash in flight. After the holdings come a blank line,
quoted disclaimer paragraphs and `"Date downloaded Nov-28-2026 6:21 p.m ET"`."""

from __future__ import annotations

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

_FOOTER = "notes below the holdings, from this line on"
_SIGNATURE = ("account number", "symbol", "quantity", "last price", "current value")


def _is_header(record: Record) -> bool:
    return all(column_index(record.cells, name) is not None for name in _SIGNATURE)


class FidelityFormat:
    name: FormatName = "fidelity"

    def detect(self, records: Sequence[Record]) -> bool:
        return any(_is_header(r) for r in first_records(records, 3))

    def extract(self, records: Sequence[Record]) -> Extracted:
        out = Extracted(format=self.name, merge_repeated=True)
        header = next(r for r in records if _is_header(r))
        out.columns = [c.strip() for c in header.cells]
        col = {
            "account": column_index(header.cells, "account number"),
            "account_name": column_index(header.cells, "account name"),
            "symbol": column_index(header.cells, "symbol"),
            "description": column_index(header.cells, "description"),
            "quantity": column_index(header.cells, "quantity"),
            "price": column_index(header.cells, "last price"),
            "value": column_index(header.cells, "current value"),
            "cost_basis": column_index(header.cells, "cost basis total", "cost basis"),
        }
        in_footer = False
        for record in records:
            if record.line <= header.line:
                continue
            if record.blank:
                # A blank line is not where the holdings end: a line shaped like a holding after
                # it is still one (dropping it would import part of the file without a word).
                continue
            # Disclaimers and the download date are one quoted paragraph per line.
            if in_footer or len(record.filled) == 1:
                if not any(n.message == _FOOTER for n in out.ignored):
                    out.ignored.append(LineMessage(record.line, _FOOTER))
                in_footer = True
                self._footer_line(record, out)
                continue
            symbol = cell(record, col["symbol"])
            account = cell(record, col["account"])
            if account:
                out.add_source_account(account, cell(record, col["account_name"]))
            if symbol.lower() == "pending activity" or symbol.endswith("**"):
                out.cash.append(
                    CashLine(
                        line=record.line,
                        amount=cell(record, col["value"]) or _product(record, col),
                        label=symbol,
                        source_account=account or None,
                    )
                )
                continue
            out.holdings.append(
                RawHolding(
                    line=record.line,
                    symbol=symbol,
                    quantity=cell(record, col["quantity"]),
                    price=cell(record, col["price"]),
                    cost_basis=cell(record, col["cost_basis"]),
                    description=cell(record, col["description"]) or None,
                    source_account=account or None,
                )
            )
        return out

    def _footer_line(self, record: Record, out: Extracted) -> None:
        text = " ".join(record.filled)
        if text.lower().startswith("date downloaded"):
            try:
                out.file_date = find_date(text)
            except BadDateError as exc:
                out.errors.append(LineMessage(record.line, f"download date: {exc}"))


def _product(record: Record, col: dict[str, int | None]) -> str:
    """Older exports give the core position a quantity at $1.00 and no Current Value."""
    quantity, price = cell(record, col["quantity"]), cell(record, col["price"])
    return quantity if price.replace("$", "") in {"1", "1.00", "1.0"} else ""
