"""Numbers as brokers write them: `$1,234.56`, `-$0.16`, `+$12.00`, `(1,234.56)`, and `--` or
`N/A` where a value does not apply. Exact `Decimal`s, never floats. Only amounts are read (a
quantity, a price, a cost basis, cash): a percentage there is an error, never a number of
shares, and only ASCII digits count."""

from __future__ import annotations

import re
from decimal import Decimal

# Spellings of "no value" seen in Fidelity, Schwab and Vanguard exports (Schwab writes
# "Incomplete" for a cost basis it does not know).
EMPTY = frozenset({"", "-", "--", "n/a", "na", "none", "null", "incomplete"})

# Thousands separators must be in the right places: "1,50" is a European decimal comma or a
# typo, and reading it as 150 would be a silent hundredfold error.
_NUMBER = re.compile(
    r"""
    (?P<sign>[+-])?
    \$?
    (?P<inner_sign>[+-])?
    (?P<digits>\d{1,3}(?:,\d{3})+|\d+)?
    (?P<fraction>\.\d+)?
    """,
    re.VERBOSE | re.ASCII,
)


class NotANumberError(ValueError):
    """The text is neither a number nor a recognised spelling of "no value"."""


def parse_amount(text: str) -> Decimal | None:
    """The number in `text`, or None when the cell says there is none (`--`, `N/A`, empty).

    Parentheses and a leading minus (before or after `$`) make it negative. Raises
    `NotANumberError`."""
    value = text.strip()
    if value.lower() in EMPTY:
        return None
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative = True
        value = value[1:-1].strip()
    match = _NUMBER.fullmatch(value)
    if match is None or not (match["digits"] or match["fraction"]):
        raise NotANumberError(f"not a number ({text.strip()!r})")
    signs = [s for s in (match["sign"], match["inner_sign"]) if s]
    if len(signs) > 1 or (negative and signs):
        raise NotANumberError(f"not a number ({text.strip()!r})")
    number = Decimal((match["digits"] or "0").replace(",", "") + (match["fraction"] or ""))
    if (negative or signs == ["-"]) and number:
        number = -number
    return number
