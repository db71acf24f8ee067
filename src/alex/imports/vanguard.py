"""Vanguard's download (`OfxDownload.csv`, "Download center" → CSV).

Layout: a holdings section `Account Number,Investment Name,Symbol,Shares,Share Price,Total
Value,` (each line ends in a stray comma), a blank line, then a transactions section with its
own header (`Account Number,Trade Date,Settlement Date,…`), which is ignored. The file carries no
date. Bonds and CDs have no symbol.

Cash: a Vanguard brokerage account has no separate cash line; its cash *is* the settlement
fund, a money-market fund (VMFXX, or VMMXX in older accounts). Those lines become the account's
cash balance rather than a holding, like Fidelity's `SPAXX**`. Any other money-market fund
bought on purpose (VUSXX, …) stays a holding."""

from __future__ import annotations

from collections.abc import Sequence

from alex.imports.base import (
    CashLine,
    Extracted,
    FormatName,
    LineMessage,
    RawHolding,
    Record,
    cell,
    column_index,
    first_records,
)

_TRANSACTIONS = "transactions section, from this line on"
SETTLEMENT_FUNDS = frozenset({"VMFXX", "VMMXX"})
_SIGNATURE = ("account number", "investment name", "symbol", "shares", "share price")


def _is_header(record: Record) -> bool:
    return all(column_index(record.cells, name) is not None for name in _SIGNATURE)


class VanguardFormat:
    name: FormatName = "vanguard"

    def detect(self, records: Sequence[Record]) -> bool:
        return any(_is_header(r) for r in first_records(records, 3))

    def extract(self, records: Sequence[Record]) -> Extracted:
        out = Extracted(format=self.name)
        header = next(r for r in records if _is_header(r))
        out.columns = [c.strip() for c in header.cells]
        col = {
            "account": column_index(header.cells, "account number"),
            "name": column_index(header.cells, "investment name"),
            "symbol": column_index(header.cells, "symbol"),
            "quantity": column_index(header.cells, "shares"),
            "price": column_index(header.cells, "share price"),
            "value": column_index(header.cells, "total value"),
        }
        started = False
        body = [r for r in records if r.line > header.line]
        for i, record in enumerate(body):
            if record.blank:
                if started:
                    after = next((r for r in body[i:] if not r.blank), None)
                    if after is not None:
                        out.ignored.append(LineMessage(after.line, _TRANSACTIONS))
                    break
                continue
            started = True
            account = cell(record, col["account"])
            if account:
                out.add_source_account(account)
            symbol = cell(record, col["symbol"])
            if symbol.upper() in SETTLEMENT_FUNDS:
                out.cash.append(
                    CashLine(record.line, cell(record, col["value"]), symbol, account or None)
                )
                continue
            out.holdings.append(
                RawHolding(
                    line=record.line,
                    symbol=symbol,
                    quantity=cell(record, col["quantity"]),
                    price=cell(record, col["price"]),
                    description=cell(record, col["name"]) or None,
                    source_account=account or None,
                )
            )
        return out
