"""Any other layout, read through a column mapping the user chose in the preview: which column
is the symbol, the quantity and, optionally, the price and the (total) cost basis.

The header is the first line that has both the symbol and the quantity column. Lines with no
quantity (totals, cash lines, notes) are listed as ignored rather than rejected: in a layout
Alex does not know, it cannot tell a total from a holding by anything else."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from alex.imports.base import (
    Extracted,
    FormatName,
    LineMessage,
    RawHolding,
    Record,
    cell,
    normalise_header,
)
from alex.imports.numbers import EMPTY


@dataclass(frozen=True)
class ColumnMapping:
    """Header names, matched ignoring case and spacing."""

    symbol: str
    quantity: str
    price: str | None = None
    cost_basis: str | None = None

    def chosen(self) -> dict[str, str]:
        fields = {
            "symbol": self.symbol,
            "quantity": self.quantity,
            "price": self.price,
            "cost_basis": self.cost_basis,
        }
        return {k: v for k, v in fields.items() if v}


class MappedFormat:
    name: FormatName = "mapped"

    def __init__(self, mapping: ColumnMapping) -> None:
        self.mapping = mapping

    def detect(self, records: Sequence[Record]) -> bool:
        return True

    def _find_header(self, records: Sequence[Record]) -> Record | None:
        wanted = {normalise_header(self.mapping.symbol), normalise_header(self.mapping.quantity)}
        for record in records:
            if wanted <= {normalise_header(c) for c in record.cells}:
                return record
        return None

    def extract(self, records: Sequence[Record]) -> Extracted:
        out = Extracted(format=self.name)
        header = self._find_header(records)
        first = next((r for r in records if not r.blank), None)
        if header is None:
            out.header_ok = False
            if first is not None:
                out.columns = [c.strip() for c in first.cells]
            out.errors.append(
                LineMessage(
                    first.line if first else 1,
                    f"no line has both the columns {self.mapping.symbol!r} (symbol) and "
                    f"{self.mapping.quantity!r} (quantity)",
                )
            )
            return out
        out.columns = [c.strip() for c in header.cells]
        names = [normalise_header(c) for c in header.cells]
        index: dict[str, int] = {}
        for field, column in self.mapping.chosen().items():
            wanted = normalise_header(column)
            count = names.count(wanted)
            if count != 1:
                out.header_ok = False
                problem = "is not in the header" if count == 0 else f"appears {count} times"
                out.errors.append(LineMessage(header.line, f"{field} column {column!r} {problem}"))
            else:
                index[field] = names.index(wanted)
        if not out.header_ok:
            return out
        for record in records:
            if record.line <= header.line or record.blank:
                continue
            quantity = cell(record, index["quantity"])
            if quantity.lower() in EMPTY:
                out.ignored.append(LineMessage(record.line, "no quantity: not read as a holding"))
                continue
            out.holdings.append(
                RawHolding(
                    line=record.line,
                    symbol=cell(record, index["symbol"]),
                    quantity=quantity,
                    price=cell(record, index.get("price")),
                    cost_basis=cell(record, index.get("cost_basis")),
                )
            )
        return out
