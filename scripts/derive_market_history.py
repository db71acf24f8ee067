"""Derive the yearly US market history the return models replay from Shiller's monthly data.

Reads `data/shiller/shiller_monthly.csv` and writes
`src/alex/finance/history/market_history.csv`: one row per calendar year (January to January),
decimal nominal returns of stocks, bonds and cash, and CPI inflation. Run after refreshing the
monthly file; `tests/finance/test_return_models.py` fails while the two disagree.

    uv run python scripts/derive_market_history.py

Method (also in src/alex/finance/history/NOTICE.md):

- Stocks: S&P composite total return with dividends reinvested monthly, the way Shiller's own
  "total return price" is built. `Dividend` is a trailing twelve-month rate, so a month pays
  a twelfth of it: month m returns (P[m] + D[m] / 12) / P[m-1], and the year's return is the
  product of its twelve monthly factors from January to the next January.
- Bonds: a constant-maturity 10-year Treasury. Buy a 10-year par bond at last January's
  `Long Interest Rate` y0 (so its coupon is y0), sell it a year later as a 9-year bond priced
  at the new yield y1, and collect one annual coupon:
  return = y0 + [y0 · (1 − (1 + y1)^−9) / y1 + (1 + y1)^−9] − 1.
- Cash: Shiller has no bill rate. A bill's nominal return is known when it is bought, so cash
  earns last January's long yield minus a fixed term spread (`CASH_TERM_SPREAD`), floored at 0.
  That keeps what matters about cash: little volatility, and negative real returns when
  inflation surprises (1917–20, 1946–47, the 1970s).
- Inflation: CPI from January to the next January.

Only calendar years whose thirteen monthly rows are all published are kept (a `0.0` in the
monthly file means "not yet published").
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MONTHLY_CSV = ROOT / "data" / "shiller" / "shiller_monthly.csv"
YEARLY_CSV = ROOT / "src" / "alex" / "finance" / "history" / "market_history.csv"

BOND_MATURITY_YEARS = 10
CASH_TERM_SPREAD = 0.015
"""A round figure for the long-run gap between 10-year Treasury and 3-month bill yields; with it
the proxy averages 3.25 % over 1926–2022, close to the ~3.3 % usually quoted for T-bills."""

COLUMNS = ("year", "stocks", "bonds", "cash", "inflation")
DECIMALS = 8


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    price: float
    dividend: float
    cpi: float
    long_rate: float
    """10-year Treasury yield, decimal."""


@dataclass(frozen=True)
class YearRow:
    year: int
    stocks: float
    bonds: float
    cash: float
    inflation: float


def read_monthly(path: Path) -> list[Month]:
    """The published months, in order; the unpublished tail (zeros) is left out."""
    months: list[Month] = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            dividend = float(row["Dividend"])
            cpi = float(row["Consumer Price Index"])
            long_rate = float(row["Long Interest Rate"])
            if min(dividend, cpi, long_rate) <= 0:
                continue
            year, month, _ = (int(part) for part in row["Date"].split("-"))
            months.append(Month(year, month, float(row["SP500"]), dividend, cpi, long_rate / 100))
    return months


def par_bond_return(y0: float, y1: float) -> float:
    """A year's return on a 10-year par bond bought at yield y0 and sold as a 9-year at y1."""
    remaining = BOND_MATURITY_YEARS - 1
    discount = (1 + y1) ** -remaining
    annuity = (1 - discount) / y1
    return y0 + y0 * annuity + discount - 1


def cash_return(y0: float) -> float:
    return max(y0 - CASH_TERM_SPREAD, 0.0)


def derive_yearly(months: list[Month]) -> list[YearRow]:
    by_date = {(m.year, m.month): m for m in months}
    rows: list[YearRow] = []
    for year in sorted({m.year for m in months}):
        window = [by_date.get((year, month)) for month in range(1, 13)]
        window.append(by_date.get((year + 1, 1)))
        if any(m is None for m in window):
            continue
        complete = [m for m in window if m is not None]
        stock_growth = math.prod(
            (cur.price + cur.dividend / 12) / prev.price
            for prev, cur in itertools.pairwise(complete)
        )
        start, end = complete[0], complete[-1]
        rows.append(
            YearRow(
                year=year,
                stocks=stock_growth - 1,
                bonds=par_bond_return(start.long_rate, end.long_rate),
                cash=cash_return(start.long_rate),
                inflation=end.cpi / start.cpi - 1,
            )
        )
    years = [r.year for r in rows]
    if years != list(range(years[0], years[0] + len(years))):
        raise ValueError("the yearly history has a gap")
    return rows


def render_csv(rows: list[YearRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        values = (r.stocks, r.bonds, r.cash, r.inflation)
        writer.writerow([r.year, *(f"{v:.{DECIMALS}f}" for v in values)])
    return out.getvalue()


def main() -> None:
    rows = derive_yearly(read_monthly(MONTHLY_CSV))
    YEARLY_CSV.parent.mkdir(parents=True, exist_ok=True)
    YEARLY_CSV.write_text(render_csv(rows))
    print(f"{YEARLY_CSV.relative_to(ROOT)}: {rows[0].year}–{rows[-1].year}, {len(rows)} years")


if __name__ == "__main__":
    main()
