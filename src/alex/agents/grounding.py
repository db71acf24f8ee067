"""Grounding: every figure a narrative quotes must come from a tool result, as a figure of the
same kind and sign.

`check_grounding` reads the figures quoted in a text with their kind (money, percent,
percentage points, years, ages, counts) and the figures in the agent's tool outputs with
theirs: a JSON number's kind comes from its key (`…_pct` is a percentage, `…_pp` points,
`…_age` an age, money keys such as `total_value`), a list's length is a count, and a tool's own
sentences (an engine note) are read like the narrative. A quoted figure is grounded when a
tool figure of a compatible kind lies within the tolerance its written rounding implies
("$1.2M" ± $50,000; "$412,346" ± 50 cents; "42.3%" ± 0.05; "23 years" ± 0.5). A figure written
with a sign ("+3.2 pts", "-$500") must match the signed value; an unsigned one ("3.2 points
below target") may quote a magnitude.

The offline analyst writes its figures with `alex.core.format` (percentage points as "+8.6 pts"),
so its prose always passes; a model that invents, miscomputes or re-signs a figure does not.
`benchmarks/grounding.py` measures both rates."""

from __future__ import annotations

import bisect
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from alex.payloads import GroundingResult

__all__ = ["Figure", "GroundingResult", "check_grounding", "extract_figures", "merge"]

FigureKind = Literal["money", "percent", "points", "years", "age", "count"]

# Which tool figures a quoted figure may match: models often write a drift in points as "%".
COMPATIBLE: dict[FigureKind, tuple[FigureKind, ...]] = {
    "money": ("money",),
    "percent": ("percent", "points"),
    "points": ("points", "percent"),
    "years": ("years",),
    "age": ("age",),
    "count": ("count",),
}

_MULTIPLIERS = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
}
_SIGN = r"(?P<sign>[+\-\u2212])?"
_NUM = r"(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?"
_MONEY = re.compile(
    rf"(?<![\w.]){_SIGN}\$\s?{_NUM}(?:\s?(?P<mult>thousand|million|billion|mn|bn|[kKmMbB])\b)?"
)
_POINTS = re.compile(
    rf"(?<![\w.$]){_SIGN}{_NUM}[\s-]?(?:percentage[\s-]points?|pp\b|pts?\b|points?\b)",
    re.IGNORECASE,
)
_PERCENT = re.compile(rf"(?<![\w.$]){_SIGN}{_NUM}\s?(?:%|percent\b)", re.IGNORECASE)
_YEARS = re.compile(
    rf"(?<![\w.$]){_SIGN}{_NUM}(?:\s|-)(?:more\s|additional\s|extra\s|fewer\s)?(?:years?|yrs?)\b",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(?:age|aged|ages)\s(?P<num>\d{2,3})(?P<dec>)\b", re.IGNORECASE)
_YEARS_OLD = re.compile(r"(?<![\w.$])(?P<num>\d{1,3})(?P<dec>)[\s-]years?[\s-]old\b", re.IGNORECASE)
_COUNT = re.compile(
    rf"(?<![\w.$]){_NUM}\s(?:[a-z-]+\s)?(?:holdings?|positions?|accounts?|funds?|trades?|"
    r"instruments?|symbols?|paths|simulations?|scenarios?|sectors?|regions?|asset classes|"
    r"warnings?|stocks?|ETFs?)\b",
    re.IGNORECASE,
)
_PATTERNS: tuple[tuple[re.Pattern[str], FigureKind], ...] = (
    (_YEARS_OLD, "age"),  # before years: "42 years old" is an age
    (_POINTS, "points"),
    (_PERCENT, "percent"),
    (_YEARS, "years"),
    (_AGE, "age"),
    (_COUNT, "count"),
)
_NUMERIC_STRING = re.compile(r"^-?\d+(?:\.\d+)?$")
_MONEY_KEY = re.compile(
    r"(^|_)(value|cash|income|contribution|amount|total|invested|wealth|bought|sold|needed|"
    r"price|cost|balance|usd|dollars|spending)(_|$)"
)


@dataclass(frozen=True)
class Figure:
    kind: FigureKind
    text: str
    value: float
    tolerance: float
    signed: bool = False
    start: int = 0


# --------------------------------------------------------------------------- the narrative


def _tolerance(decimals: str, multiplier: float) -> float:
    places = len(decimals) - 1 if decimals else 0
    return 0.5 * 10.0**-places * multiplier


def _number(match: re.Match[str]) -> float:
    return float(match.group("num").replace(",", "") + (match.group("dec") or ""))


def _sign(match: re.Match[str]) -> tuple[float, bool]:
    sign = match.groupdict().get("sign")
    return (-1.0 if sign in ("-", "\u2212") else 1.0), bool(sign)


def extract_figures(text: str) -> list[Figure]:
    """The figures quoted in `text` with their kinds, in text order. A span claimed by one
    kind (the "3.2" of "+3.2 pp") is not read again as another."""
    figures: list[Figure] = []
    taken: list[tuple[int, int]] = []

    def free(match: re.Match[str]) -> bool:
        start, end = match.span()
        return all(end <= s or start >= e for s, e in taken)

    for match in _MONEY.finditer(text):
        multiplier = _MULTIPLIERS.get((match.group("mult") or "").lower(), 1.0)
        sign, signed = _sign(match)
        tolerance = max(_tolerance(match.group("dec") or "", multiplier), 0.005)
        if not match.group("dec") and multiplier == 1.0:
            # "$303,000" is a rounded figure: as precise as its last non-zero digit.
            digits = match.group("num").replace(",", "")
            zeros = len(digits) - len(digits.rstrip("0"))
            if zeros >= 2 and zeros < len(digits):
                tolerance = 0.5 * 10.0**zeros
        figures.append(
            Figure(
                "money",
                match.group(0).strip(),
                sign * _number(match) * multiplier,
                tolerance,
                signed,
                match.start(),
            )
        )
        taken.append(match.span())
    for pattern, kind in _PATTERNS:
        for match in pattern.finditer(text):
            if not free(match):
                continue
            sign, signed = _sign(match)
            figures.append(
                Figure(
                    kind,
                    match.group(0).strip(),
                    sign * _number(match),
                    max(_tolerance(match.group("dec") or "", 1.0), 1e-9),
                    signed,
                    match.start(),
                )
            )
            taken.append(match.span())
    return sorted(figures, key=lambda f: f.start)


# --------------------------------------------------------------------------- the tools


def key_kind(key: str) -> FigureKind | None:
    """The kind of a JSON number from its key, or None for numbers prose never quotes as a
    figure of a kind (a seed, an id)."""
    key = key.lower()
    if key.endswith("_pp") or "_pp_" in key:
        return "points"
    if key == "pct" or key.endswith("_pct") or "_pct_" in key or key.startswith("pct_"):
        return "percent"
    if key.endswith("_age") or key == "age" or key.endswith("_age_median"):
        return "age"
    if "years" in key:
        return "years"
    if key.endswith("_count") or key in ("count", "paths", "holdings", "positions", "accounts"):
        return "count"
    # Effective numbers (1 / HHI) are counts with a decimal: "4.7 independent positions".
    if key.startswith("effective_") or key == "diversification_score":
        return "count"
    if _MONEY_KEY.search(key):
        return "money"
    if key.endswith(("_probability", "_fraction", "_rate", "_ratio", "_weight")):
        return "percent"  # a fraction: quoted ×100 (see `_values`)
    return None


TypedNumbers = dict[FigureKind, list[float]]


def _values(key: str, value: float) -> Iterator[float]:
    yield value
    if key.endswith(("_probability", "_fraction", "_rate", "_ratio", "_weight")):
        yield value * 100.0


def _walk(value: Any, key: str, out: dict[FigureKind, set[float]]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, dict):
        for k, item in value.items():
            _walk(item, str(k), out)
        return
    if isinstance(value, list | tuple):
        out["count"].add(float(len(value)))
        for item in value:
            _walk(item, key, out)
        return
    number: float | None = None
    if isinstance(value, int | float | Decimal):
        number = float(value)
    elif isinstance(value, str):
        stripped = value.strip()
        if _NUMERIC_STRING.match(stripped):
            try:
                number = float(Decimal(stripped))
            except InvalidOperation:
                return
        else:
            # A tool's own sentence (an engine note) carries its figures' kinds in its words.
            for figure in extract_figures(value):
                out[figure.kind].add(figure.value)
            return
    if number is None or not math.isfinite(number):
        return
    kind = key_kind(key)
    if kind is not None:
        out[kind].update(_values(key.lower(), number))


def tool_numbers(outputs: Iterable[Any]) -> TypedNumbers:
    """Every figure in the tool outputs, by kind, sorted."""
    found: dict[FigureKind, set[float]] = defaultdict(set)
    _walk(list(outputs), "", found)
    return {kind: sorted(values) for kind, values in found.items()}


def _near(numbers: list[float], value: float, tolerance: float) -> bool:
    index = bisect.bisect_left(numbers, value - tolerance - 1e-9)
    return index < len(numbers) and numbers[index] <= value + tolerance + 1e-9


def _is_grounded(figure: Figure, numbers: TypedNumbers) -> bool:
    for kind in COMPATIBLE[figure.kind]:
        candidates = numbers.get(kind, [])
        if _near(candidates, figure.value, figure.tolerance):
            return True
        # Unsigned prose may quote a magnitude ("3.2 points below target", "fell by $500").
        if not figure.signed and _near(candidates, -figure.value, figure.tolerance):
            return True
    return False


def check_grounding(text: str, outputs: Iterable[Any]) -> GroundingResult:
    """Compare every figure quoted in `text` with the figures of its kind in `outputs`."""
    numbers = tool_numbers(outputs)
    figures = extract_figures(text)
    unmatched = [f.text for f in figures if not _is_grounded(f, numbers)]
    return GroundingResult(
        grounded=not unmatched,
        checked=len(figures),
        matched=len(figures) - len(unmatched),
        unmatched=list(dict.fromkeys(unmatched)),
    )


def merge(results: Iterable[GroundingResult]) -> GroundingResult:
    items = list(results)
    unmatched = [u for r in items for u in r.unmatched]
    return GroundingResult(
        grounded=all(r.grounded for r in items),
        checked=sum(r.checked for r in items),
        matched=sum(r.matched for r in items),
        unmatched=list(dict.fromkeys(unmatched)),
    )
