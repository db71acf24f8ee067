"""Retirement income and spending, year by year, in today's money.

Building blocks of the retirement engine (`retirement.py`); the input models live in
`alex.schemas` because the user's stored plan is made of them:

* `IncomeStream`: Social Security or a pension from a start age, for life. `annual_amount` is
  in today's money. An *indexed* stream keeps its real value (Social Security has a yearly
  cost-of-living adjustment); a stream that is *not* indexed pays `annual_amount` as a fixed
  nominal sum, so its real value is `annual_amount / price level` and shrinks with inflation
  from today on (most private US pensions have no COLA).
* `OneOff`: a single cash flow at an age or a calendar year, in today's money. Sign
  convention: **positive = expense or goal** (adds to what the portfolio must pay),
  **negative = windfall** (an inheritance or a house sale, which reduces it).
* `SpendingPath`: the retirement spending target over time. `flat` keeps it constant in real
  terms. `declining` lets real spending fall by `decline_pct` a year after `decline_from_age`,
  a simplified "retirement spending smile" (D. Blanchett, "Exploring the Retirement
  Consumption Puzzle", Journal of Financial Planning, May 2014: real spending of retirees
  falls through most of retirement, by roughly 1–2 % a year, and turns up only near the end
  with health costs). The late upturn is not modelled; the default 1 %/yr from 75 is the low
  end of Blanchett's range, so it assumes less relief than the data suggest.

Conventions shared by every function here: a projection is a sequence of years indexed by
`ages` (one age per year, today's age first). Inflation comes as a (paths, years) matrix of
yearly rates as fractions; `inflation[:, k]` applies during year k, so the price level at the
start of year k is the product of the rates of years 0 … k−1 (1 at year 0, as `Market.cpi` in
`retirement.py`). Amounts are floats, like the rest of the finance engines; results are real
(today's money) and shaped (paths, years) or (years,).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from alex.schemas import (
    DEFAULT_DECLINE_FROM_AGE,
    DEFAULT_DECLINE_PCT,
    IncomeKind,
    IncomeStream,
    OneOff,
    SpendingPath,
    SpendingShape,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _ages(ages: NDArray[Any]) -> IntArray:
    result = np.asarray(ages, dtype=np.int64)
    if result.ndim != 1:
        raise ValueError(f"ages must be one-dimensional, got shape {result.shape}")
    return result


def price_levels(inflation: FloatArray) -> FloatArray:
    """(paths, years) price level at the start of each year relative to today (column 0 = 1)."""
    rates = np.asarray(inflation, dtype=np.float64)
    if rates.ndim != 2:
        raise ValueError(f"inflation must be (paths, years), got shape {rates.shape}")
    if np.any(rates <= -1.0) or not np.all(np.isfinite(rates)):
        raise ValueError("inflation rates must be finite and above −100 %")
    levels = np.ones_like(rates)
    np.cumprod(1.0 + rates[:, :-1], axis=1, out=levels[:, 1:])
    return levels


def stream_income_real(
    streams: list[IncomeStream], ages: NDArray[Any], inflation: FloatArray
) -> FloatArray:
    """(paths, years) income from all streams in today's money.

    Indexed streams pay their amount in real terms from the start age; the others pay a
    fixed nominal amount, whose real value is that amount divided by the price level."""
    age = _ages(ages)
    levels = price_levels(inflation)
    if levels.shape[1] != age.size:
        raise ValueError(f"inflation has {levels.shape[1]} years, ages has {age.size}")
    indexed = np.zeros(age.size)
    fixed_nominal = np.zeros(age.size)
    for stream in streams:
        paying = (age >= stream.start_age) * stream.annual_amount
        if stream.indexed:
            indexed += paying
        else:
            fixed_nominal += paying
    result: FloatArray = indexed[None, :] + fixed_nominal[None, :] / levels
    return result


def spending_target_real(
    target: float, path: SpendingPath, ages: NDArray[Any], retirement_age: int
) -> FloatArray:
    """(years,) spending the portfolio and income must cover, in today's money: 0 before
    `retirement_age`, then `target`, falling under a declining path by `decline_pct` a year
    for every year of age past `decline_from_age`."""
    if target < 0 or not np.isfinite(target):
        raise ValueError(f"target must be finite and ≥ 0, got {target}")
    age = _ages(ages)
    spending = np.where(age >= retirement_age, float(target), 0.0)
    if path.shape == "declining":
        steps = np.maximum(age - path.decline_from_age, 0)
        spending = spending * (1.0 - path.decline_pct / 100.0) ** steps
    result: FloatArray = spending.astype(np.float64)
    return result


def one_offs_real(
    one_offs: list[OneOff], ages: NDArray[Any], start_year: int | None = None
) -> FloatArray:
    """(years,) one-off amounts in today's money, each in the year of its age or calendar
    year (`start_year` is the calendar year of `ages[0]`). Raises ValueError for a one-off
    outside the projection, or placed by year when `start_year` is unknown: a goal that
    silently vanished would make the plan look better than it is."""
    age = _ages(ages)
    amounts = np.zeros(age.size)
    for item in one_offs:
        at = item.age_in(int(age[0]), start_year)
        hits = np.flatnonzero(age == at)
        if hits.size == 0:
            raise ValueError(
                f"one-off {item.label!r} at age {at} is outside the projection "
                f"(ages {int(age[0])}–{int(age[-1])})"
            )
        amounts[hits[0]] += item.amount
    return amounts


def net_need_real(spending: FloatArray, one_offs: FloatArray, income: FloatArray) -> FloatArray:
    """(paths, years) what the portfolio must supply after tax, in today's money: spending
    plus one-offs minus income. Negative where income and windfalls exceed spending (a
    surplus the caller can save)."""
    result: FloatArray = (spending + one_offs)[None, :] - income
    return result


# Social Security Administration, "Benefit reductions for early retirement" and "Delayed
# retirement credits" (ssa.gov/benefits/retirement/planner/agereduction.html and
# .../delayret.html): before the full retirement age (FRA) the benefit falls by 5/9 % a month
# for the first 36 months and 5/12 % a month beyond; after it, it rises by 2/3 % a month
# (8 % a year, for those born 1943 or later) until 70.
EARLIEST_CLAIM_AGE = 62
LATEST_CREDIT_AGE = 70


def full_retirement_age_months(birth_year: int) -> int:
    """FRA in months: 66 for 1943–1954, then two months more a year, 67 from 1960."""
    if birth_year >= 1960:
        return 67 * 12
    if birth_year >= 1955:
        return 66 * 12 + 2 * (birth_year - 1954)
    return 66 * 12


def social_security_factor(claim_age: int, birth_year: int) -> float:
    """Benefit at `claim_age` as a share of the benefit at full retirement age."""
    months = min(max(claim_age, EARLIEST_CLAIM_AGE), LATEST_CREDIT_AGE) * 12
    gap = months - full_retirement_age_months(birth_year)
    if gap >= 0:
        return 1.0 + gap * (2.0 / 3.0) / 100.0
    early = -gap
    return 1.0 - (min(early, 36) * 5.0 / 9.0 + max(early - 36, 0) * 5.0 / 12.0) / 100.0


def claim_at(stream: IncomeStream, age: int, birth_year: int) -> IncomeStream:
    """The same Social Security benefit claimed at `age`: the amount scales by the SSA's
    reduction or credit between the two claiming ages."""
    if stream.kind != "social_security":
        raise ValueError("only Social Security has claiming-age adjustments")
    scale = social_security_factor(age, birth_year) / social_security_factor(
        stream.start_age, birth_year
    )
    return stream.model_copy(
        update={"start_age": age, "annual_amount": stream.annual_amount * scale}
    )


__all__ = [
    "DEFAULT_DECLINE_FROM_AGE",
    "DEFAULT_DECLINE_PCT",
    "IncomeKind",
    "IncomeStream",
    "OneOff",
    "SpendingPath",
    "SpendingShape",
    "claim_at",
    "full_retirement_age_months",
    "net_need_real",
    "one_offs_real",
    "price_levels",
    "social_security_factor",
    "spending_target_real",
    "stream_income_real",
]
