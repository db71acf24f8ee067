"""Rounding shared by every engine.

Engines compute in `Decimal` (valuation) or float64 (simulation) and report money as a float
rounded to cents, and percentages as floats rounded to 2 dp (0–100 scale), so every result
serialises to plain JSON numbers that a chart, an agent or the grounding check can read."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal | float) -> float:
    """Money rounded to cents (half-up for Decimals)."""
    if isinstance(value, Decimal):
        return float(value.quantize(CENT, rounding=ROUND_HALF_UP))
    # `+ 0.0` turns -0.0 into 0.0 so JSON never shows "-0.0".
    return round(float(value), 2) + 0.0


def pct(part: float, whole: float) -> float:
    """`part` as a percentage of `whole`, 2 dp; 0 when `whole` is 0."""
    if whole == 0:
        return 0.0
    return round(100.0 * part / whole, 2) + 0.0


def round_pct(value: float) -> float:
    return round(value, 2) + 0.0
