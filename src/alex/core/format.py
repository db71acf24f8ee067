"""How a figure reads, in one place: money, percentages, percentage points and the names of the
vocabulary keys (asset classes, regions, sectors, account and instrument types).

The web app formats with `frontend/lib/format.ts`, which follows these rules exactly, so a
number reads the same in the report, the CLI, the charts and the pages. Both sides round half
up (away from zero) from the number's shortest decimal form — the digits Python's `repr` and
JavaScript's `String` print — not from the binary float: 18.25 is "18.3%" everywhere, where
`f"{18.25:.1f}"` says 18.2 and `Intl` says 18.3. The cases both sides are tested against live in
`frontend/tests/fixtures/format-cases.json`; the label table is written to
`frontend/lib/labels.json` by `python -m alex.core.format`.

A negative figure carries the minus sign U+2212; a signed figure that rounds to zero has no
sign ("0.0 pts", never "+0.0 pts" or "−0.0 pts")."""

from __future__ import annotations

import json
import sys
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

Number = float | int | Decimal | str | None

MINUS = "\u2212"
MISSING = "—"
"""What a missing or unreadable number reads as."""

LABELS: dict[str, str] = {
    # asset classes
    "equity": "Equity",
    "fixed_income": "Fixed income",
    "real_estate": "Real estate",
    "commodities": "Commodities",
    "cash": "Cash",
    # regions
    "north_america": "North America",
    "europe": "Europe",
    "asia_pacific": "Asia-Pacific",
    "emerging_markets": "Emerging markets",
    "other": "Other",
    # sectors
    "technology": "Technology",
    "healthcare": "Healthcare",
    "financials": "Financials",
    "consumer_discretionary": "Consumer discretionary",
    "consumer_staples": "Consumer staples",
    "industrials": "Industrials",
    "energy": "Energy",
    "utilities": "Utilities",
    "materials": "Materials",
    "communication": "Communication",
    "government_bonds": "Government bonds",
    "corporate_bonds": "Corporate bonds",
    "securitized": "Securitized",
    "precious_metals": "Precious metals",
    # account types
    "401k": "401(k)",
    "roth_401k": "Roth 401(k)",
    "403b": "403(b)",
    "traditional_ira": "Traditional IRA",
    "roth_ira": "Roth IRA",
    "sep_ira": "SEP IRA",
    "hsa": "HSA",
    "529": "529 plan",
    "taxable": "Taxable brokerage",
    # instrument types
    "etf": "ETF",
    "mutual_fund": "Mutual fund",
    "stock": "Stock",
    "bond": "Bond",
    "bond_fund": "Bond fund",
    "commodity": "Commodity",
    "reit": "REIT",
}


def label(key: str) -> str:
    """The name a vocabulary key reads as: "north_america" → "North America"; an unknown key
    is spelled out ("small_caps" → "Small caps")."""
    if key in LABELS:
        return LABELS[key]
    words = key.replace("_", " ")
    return words[:1].upper() + words[1:]


# Names that keep their capitals mid-sentence ("overweight in North America", but "overweight
# in fixed income").
_PROPER_NOUNS = frozenset(
    {"north_america", "europe", "asia_pacific", *(k for k in LABELS if k[:1].isdigit())}
    | {"traditional_ira", "roth_ira", "roth_401k", "sep_ira", "hsa", "etf", "reit"}
)


def label_in_sentence(key: str) -> str:
    """The name as it reads mid-sentence: "fixed income", "North America", "Roth IRA"."""
    name = label(key)
    return name if key in _PROPER_NOUNS else name[:1].lower() + name[1:]


# --------------------------------------------------------------------------- rounding


def to_decimal(value: Number) -> Decimal | None:
    """The number as written in decimal (a float by its shortest repr), or None when missing,
    not a number or not finite."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, Decimal):
            result = value
        elif isinstance(value, float):
            result = Decimal(repr(value))
        elif isinstance(value, int):
            result = Decimal(value)
        else:
            text = value.strip()
            if not text:
                return None
            result = Decimal(text)
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def round_half_up(value: Decimal, digits: int = 0) -> Decimal:
    """`value` to `digits` decimal places, halves away from zero."""
    return value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _digits(magnitude: Decimal, digits: int) -> str:
    """A non-negative, already rounded number with thousands separators."""
    return f"{magnitude:,.{digits}f}"


def _signed(rounded: Decimal, body: str, *, plus: bool) -> str:
    if rounded < 0:
        return MINUS + body
    if plus and rounded > 0:
        return "+" + body
    return body


def number(value: Number, digits: int = 0) -> str:
    """A plain number with thousands separators: `10,000`, `4.7`."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    rounded = round_half_up(amount, digits)
    return _signed(rounded, _digits(abs(rounded), digits), plus=False)


# --------------------------------------------------------------------------- figures


def money(value: Number, *, cents: bool = False) -> str:
    """Dollars: `$302,896` (whole dollars), `$12,100.50` with cents, `−$1,200`."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    digits = 2 if cents else 0
    rounded = round_half_up(amount, digits)
    return _signed(rounded, "$" + _digits(abs(rounded), digits), plus=False)


_COMPACT_UNITS = ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K"))


def money_compact(value: Number) -> str:
    """Dollars in few characters, for chart axes and tight tiles: `$1.7M`, `$302.9K`, `$950`,
    `$2M` (one decimal, dropped when it is zero). A value that rounds up to the next unit
    moves to it: 999,960 is `$1M`, not `$1,000K`."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    magnitude = abs(amount)
    scale, suffix = Decimal(1), ""
    for unit, unit_suffix in reversed(_COMPACT_UNITS):
        if round_half_up(magnitude / scale, 1 if suffix else 0) >= 1000:
            scale, suffix = unit, unit_suffix
    digits = 1 if suffix else 0
    rounded = round_half_up(magnitude / scale, digits)
    text = _digits(rounded, digits).removesuffix(".0")
    return _signed(rounded if amount >= 0 else -rounded, f"${text}{suffix}", plus=False)


def pct(value: Number, digits: int = 1, *, signed: bool = False) -> str:
    """A value already in percent (0–100): `42.3%`; `+2.5%` when `signed`."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    rounded = round_half_up(amount, digits)
    return _signed(rounded, _digits(abs(rounded), digits) + "%", plus=signed)


def pts(value: Number, digits: int = 1, *, signed: bool = True) -> str:
    """Percentage points, the difference between two percentages: `+8.6 pts`, `−9.1 pts`;
    unsigned (a band, a sampling error): `5.0 pts`."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    rounded = round_half_up(amount, digits)
    return _signed(rounded, _digits(abs(rounded), digits) + " pts", plus=signed)


def main() -> None:
    """Print the label table as JSON (for `frontend/lib/labels.json`)."""
    json.dump(LABELS, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
