"""Grounding: every figure a narrative quotes must come from a tool result.

`check_grounding` extracts the money amounts, percentages and year counts from a text and looks
for each among the numbers in the agent's tool outputs, with the tolerance the text's own
rounding implies: "$1.2M" matches anything within $50,000 of 1,200,000, "$412,346" matches
within 50 cents, "42.3%" within 0.05 points (of either 42.3 or a fraction 0.423), "23 years"
within half a year. A figure no tool returned is reported as unmatched.

The offline analyst writes its figures with `alex.core.format` (percentage points as "+8.6 pts"),
so its prose always passes; a model that invents or miscomputes a figure does not."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from alex.payloads import GroundingResult

__all__ = ["Figure", "GroundingResult", "check_grounding", "extract_figures", "merge"]

FigureKind = Literal["money", "percent", "years"]

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
_MONEY = re.compile(
    r"\$\s?(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?P<dec>\.\d+)?"
    r"(?:\s?(?P<mult>thousand|million|billion|mn|bn|[kKmMbB])\b)?"
)
_PERCENT = re.compile(
    r"(?<![\w.$])(?P<num>\d+(?:,\d{3})*)(?P<dec>\.\d+)?\s?"
    r"(?:%|percent(?:age points?)?\b|pp\b|pts?\b|points?\b)"
)
_YEARS = re.compile(
    r"(?<![\w.$])(?P<num>\d+)(?P<dec>\.\d+)?(?:\s|-)(?:more\s|additional\s|extra\s)?"
    r"(?:years?|yrs?)\b",
    re.IGNORECASE,
)
_AGE = re.compile(r"\bage(?:d)?\s(?P<num>\d{2,3})(?P<dec>)\b", re.IGNORECASE)
_NUMERIC_STRING = re.compile(r"^-?\d+(?:\.\d+)?$")


@dataclass(frozen=True)
class Figure:
    kind: FigureKind
    text: str
    value: float
    tolerance: float
    start: int = 0


# --------------------------------------------------------------------------- extraction


def _tolerance(decimals: str, multiplier: float, *, floor: float) -> float:
    places = len(decimals) - 1 if decimals else 0
    return max(0.5 * 10.0**-places * multiplier, floor)


def extract_figures(text: str) -> list[Figure]:
    """The money amounts, percentages and year counts quoted in `text`, in text order."""
    figures: list[Figure] = []
    for match in _MONEY.finditer(text):
        mult_key = (match.group("mult") or "").lower()
        multiplier = _MULTIPLIERS.get(mult_key, 1.0)
        number = float(match.group("num").replace(",", "") + (match.group("dec") or ""))
        figures.append(
            Figure(
                "money",
                match.group(0).strip(),
                number * multiplier,
                _tolerance(match.group("dec") or "", multiplier, floor=0.005),
                match.start(),
            )
        )
    for pattern, kind in ((_PERCENT, "percent"), (_YEARS, "years"), (_AGE, "years")):
        for match in pattern.finditer(text):
            number = float(match.group("num").replace(",", "") + (match.group("dec") or ""))
            figures.append(
                Figure(
                    kind,  # type: ignore[arg-type]
                    match.group(0).strip(),
                    number,
                    _tolerance(match.group("dec") or "", 1.0, floor=1e-9),
                    match.start(),
                )
            )
    return sorted(figures, key=lambda f: f.start)


def _numbers(value: Any) -> Iterator[float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        if math.isfinite(value):
            yield abs(float(value))
    elif isinstance(value, Decimal):
        yield abs(float(value))
    elif isinstance(value, str):
        if _NUMERIC_STRING.match(value.strip()):
            try:
                yield abs(float(Decimal(value.strip())))
            except InvalidOperation:
                return
        else:
            # Figures inside a tool's own sentences (an engine note) may be quoted too.
            for figure in extract_figures(value):
                yield abs(figure.value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)


def tool_numbers(outputs: Iterable[Any]) -> list[float]:
    """Every number in the tool outputs (JSON values, numeric strings), sorted, as magnitudes."""
    return sorted(set(_numbers(list(outputs))))


def _near(numbers: list[float], value: float, tolerance: float) -> bool:
    index = bisect.bisect_left(numbers, value - tolerance - 1e-9)
    return index < len(numbers) and numbers[index] <= value + tolerance + 1e-9


def _is_grounded(figure: Figure, numbers: list[float]) -> bool:
    if _near(numbers, figure.value, figure.tolerance):
        return True
    # A percentage may come from a fraction (success probability 0.873 → "87.3%").
    return figure.kind == "percent" and _near(
        numbers, figure.value / 100.0, figure.tolerance / 100.0
    )


def check_grounding(text: str, outputs: Iterable[Any]) -> GroundingResult:
    """Compare every figure quoted in `text` with the numbers in `outputs`."""
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
