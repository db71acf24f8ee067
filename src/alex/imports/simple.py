"""Alex's own layout: a header `symbol,quantity[,cost_basis][,price]` (any order, any case;
a one-value title line above it is skipped), one holding per line. Strict: every line has
exactly the header's number of values."""

from __future__ import annotations

from collections.abc import Sequence

from alex.imports.base import (
    Extracted,
    FormatName,
    LineMessage,
    RawHolding,
    Record,
    likely_header,
)

REQUIRED = ("symbol", "quantity")
OPTIONAL = ("cost_basis", "price")
EXPECTED = "symbol,quantity[,cost_basis][,price]"


def _names(record: Record) -> list[str]:
    return ["_".join(c.strip().lower().split()) for c in record.cells]


class SimpleFormat:
    name: FormatName = "simple"

    def detect(self, records: Sequence[Record]) -> bool:
        header = likely_header(records)
        return header is not None and all(c in _names(header) for c in REQUIRED)

    def extract(self, records: Sequence[Record]) -> Extracted:
        out = Extracted(format=self.name)
        header = likely_header(records)
        if header is None:
            return out
        names = _names(header)
        out.columns = [c.strip() for c in header.cells]
        problems = header_problems(names)
        if problems:
            out.header_ok = False
            out.errors.append(LineMessage(header.line, f"{problems} (expected header: {EXPECTED})"))
            return out
        for record in records:
            if record.blank:
                continue
            if record.line < header.line:
                out.ignored.append(LineMessage(record.line, "above the header"))
                continue
            if record.line == header.line:
                continue
            if len(record.cells) != len(names):
                out.errors.append(
                    LineMessage(
                        record.line,
                        f"expected {len(names)} values, found {len(record.cells)}",
                    )
                )
                continue
            values = dict(zip(names, (c.strip() for c in record.cells), strict=True))
            out.holdings.append(
                RawHolding(
                    line=record.line,
                    symbol=values["symbol"],
                    quantity=values["quantity"],
                    price=values.get("price"),
                    cost_basis=values.get("cost_basis"),
                )
            )
        return out


def header_problems(names: Sequence[str]) -> str:
    """What is wrong with a simple-format header, or "" when nothing is."""
    missing = [c for c in REQUIRED if c not in names]
    unknown = [c for c in names if c not in REQUIRED + OPTIONAL]
    repeated = sorted({c for c in names if names.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(c or '(blank)' for c in unknown)}")
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    return "; ".join(problems)
