"""Withdrawals from taxable, pre-tax and Roth buckets, grossed up so the net covers the need.

Used by the retirement engine (`retirement.py`); `TaxRates` lives in `alex.schemas`.

Tax model (deliberately simple; the user sets the rates):

* **pre-tax** (401k, traditional IRA): every dollar withdrawn is taxed at the effective rate
  t, so a net amount n costs a gross n / (1 − t).
* **taxable** (brokerage): a share s of every dollar withdrawn is a realised gain taxed at the
  capital-gains rate g (the rest is basis, returned tax-free), so n costs n / (1 − g·s).
* **Roth**: untaxed, n costs n.

These are closed forms because each bucket's tax is linear in its own withdrawal; brackets,
the Social Security taxation thresholds and state tax are outside the model.

Order of withdrawals in one year (`withdraw`):

1. The required minimum distribution (RMD) comes out of pre-tax first, whether needed or not.
   Its after-tax proceeds count towards the need; any after-tax excess over the need is
   reinvested in the taxable bucket (the IRS requires the distribution, not the spending).
   The reinvested cash keeps the bucket's gains share s for later withdrawals, though its
   basis is its full value, so later taxes are slightly overstated (the cautious side).
2. The rest of the need, grossed up, comes from the buckets either
   * `conventional`: taxable, then pre-tax, then Roth, each until empty (the usual advice:
     let tax-advantaged money compound longest), or
   * `proportional`: from every bucket in proportion to its balance (after the RMD), so the
     mix of buckets stays constant; one common fraction α of each balance with
     α·Σ balanceᵢ·(1 − rateᵢ) = net.
3. A negative need (income above spending) is a surplus saved in the taxable bucket.

When the buckets cannot cover the need, everything available is taken and the uncovered net
amount is reported per path as the shortfall.

Arrays: balances are (paths, 3) in the order of `BUCKETS`; needs and RMDs are (paths,) or
scalars. The RMD amount is the pre-tax balance at the start of the year (the engine's
stand-in for the prior 31 December) divided by the Uniform Lifetime Table's distribution
period for the age reached that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from alex.schemas import Bucket, TaxRates, WithdrawalOrder

FloatArray = NDArray[np.float64]

BUCKETS: Final[tuple[Bucket, ...]] = ("taxable", "pretax", "roth")
TAXABLE, PRETAX, ROTH = 0, 1, 2

# IRS Publication 590-B (2023 and later editions), Appendix B, Table III "Uniform Lifetime"
# table, as set by Treasury Regulation 26 CFR §1.401(a)(9)-9(c) for distribution calendar
# years from 2022. Age reached in the year → distribution period; 120 stands for "120 and
# over". For IRA owners whose spouse is the sole beneficiary and more than 10 years younger,
# Table II (joint life) applies instead and gives a longer period (smaller RMD).
UNIFORM_LIFETIME_TABLE: Final[dict[int, float]] = {
    72: 27.4, 73: 26.5, 74: 25.5, 75: 24.6, 76: 23.7, 77: 22.9, 78: 22.0, 79: 21.1,
    80: 20.2, 81: 19.4, 82: 18.5, 83: 17.7, 84: 16.8, 85: 16.0, 86: 15.2, 87: 14.4,
    88: 13.7, 89: 12.9, 90: 12.2, 91: 11.5, 92: 10.8, 93: 10.1, 94: 9.5, 95: 8.9,
    96: 8.4, 97: 7.8, 98: 7.3, 99: 6.8, 100: 6.4, 101: 6.0, 102: 5.6, 103: 5.2,
    104: 4.9, 105: 4.6, 106: 4.3, 107: 4.1, 108: 3.9, 109: 3.7, 110: 3.5, 111: 3.4,
    112: 3.3, 113: 3.1, 114: 3.0, 115: 2.9, 116: 2.8, 117: 2.7, 118: 2.5, 119: 2.3,
    120: 2.0,
}  # fmt: skip
_TABLE_FIRST_AGE = min(UNIFORM_LIFETIME_TABLE)
_TABLE_LAST_AGE = max(UNIFORM_LIFETIME_TABLE)
_DIVISORS = np.array(
    [UNIFORM_LIFETIME_TABLE[a] for a in range(_TABLE_FIRST_AGE, _TABLE_LAST_AGE + 1)]
)


def keep_per_dollar(rates: TaxRates) -> FloatArray:
    """(3,) net received per gross dollar withdrawn, per bucket."""
    pretax = rates.pretax_effective_pct / 100.0
    taxable = rates.capital_gains_pct / 100.0 * rates.taxable_gains_share_pct / 100.0
    return np.array([1.0 - taxable, 1.0 - pretax, 1.0])


def rmd_age(birth_year: int) -> int:
    """Age at which required minimum distributions start (SECURE 2.0 Act, 2022, §107).

    75 for those born in 1960 or later, 73 for 1951–1959 (the Act's text also reads 75 for
    1959; the 2024 proposed regulations settle it at 73), 72 for earlier years (SECURE Act,
    2019). People born before 1 July 1949 started at 70½ but are past 72 today, so for any
    plan made now the answer — RMDs are due — is the same."""
    if birth_year >= 1960:
        return 75
    if birth_year >= 1951:
        return 73
    return 72


def rmd_divisor(age: ArrayLike) -> FloatArray:
    """Uniform Lifetime Table distribution period for each age (ages over 120 use 120's)."""
    ages = np.asarray(age, dtype=np.int64)
    if np.any(ages < _TABLE_FIRST_AGE):
        raise ValueError(f"the Uniform Lifetime Table starts at age {_TABLE_FIRST_AGE}")
    result: FloatArray = _DIVISORS[np.minimum(ages, _TABLE_LAST_AGE) - _TABLE_FIRST_AGE]
    return result


def required_minimum_distribution(
    pretax_balance: ArrayLike, age: int, birth_year: int
) -> FloatArray:
    """RMD for the year the owner reaches `age`: 0 before `rmd_age(birth_year)`, else the
    balance divided by the table's distribution period. (The first RMD may legally wait until
    1 April of the next year; the engine takes it in the year it is due.)"""
    balance = np.asarray(pretax_balance, dtype=np.float64)
    if age < rmd_age(birth_year):
        return np.zeros_like(balance)
    result: FloatArray = balance / rmd_divisor(age)
    return result


@dataclass
class Withdrawal:
    """One year's withdrawals on every path."""

    gross: FloatArray
    """(paths, 3) amount taken out of each bucket, in `BUCKETS` order, RMD included."""
    tax: FloatArray
    """(paths,) tax paid on the withdrawals."""
    net: FloatArray
    """(paths,) after-tax amount delivered towards the need (≤ max(need, 0))."""
    reinvested: FloatArray
    """(paths,) after-tax RMD excess and income surplus put into the taxable bucket."""
    shortfall: FloatArray
    """(paths,) part of the need left uncovered because the buckets ran dry."""
    balances: FloatArray
    """(paths, 3) balances after the withdrawals and the reinvestment."""


def _vector(value: ArrayLike, paths: int, name: str) -> FloatArray:
    result = np.broadcast_to(np.asarray(value, dtype=np.float64), (paths,)).copy()
    if not np.all(np.isfinite(result)):
        raise ValueError(f"{name} must be finite")
    return result


def _draw(
    available: FloatArray, keep: FloatArray, net: FloatArray, order: WithdrawalOrder
) -> tuple[FloatArray, FloatArray]:
    """Gross per bucket and the net still uncovered, for the need after the RMD."""
    gross = np.zeros_like(available)
    remaining = net.copy()
    # Where a bucket covers the rest, the rest is set to exactly 0 rather than computed as
    # n − (n / k)·k, whose rounding residue would read as a shortfall of 1e-12.
    if order == "conventional":
        for bucket in (TAXABLE, PRETAX, ROTH):
            grossed_up = remaining / keep[bucket]
            covers = grossed_up <= available[:, bucket]
            gross[:, bucket] = np.where(covers, grossed_up, available[:, bucket])
            remaining = np.where(covers, 0.0, remaining - available[:, bucket] * keep[bucket])
        return gross, np.maximum(remaining, 0.0)
    capacity = available @ keep
    covers = remaining <= capacity
    # Divide only where the buckets cover the need (a huge need over a subnormal capacity
    # would overflow); elsewhere everything is taken.
    fraction = np.divide(
        remaining, capacity, out=np.ones_like(remaining), where=covers & (capacity > 0)
    )
    gross = available * fraction[:, None]
    return gross, np.where(covers, 0.0, remaining - capacity)


def withdraw(
    net_needed: ArrayLike,
    balances: FloatArray,
    order: WithdrawalOrder,
    rates: TaxRates,
    rmd_required: ArrayLike = 0.0,
) -> Withdrawal:
    """Take `net_needed` after tax from the buckets (see the module docstring for the rules).

    Whenever the buckets suffice, `net` equals the need up to float rounding."""
    bal = np.asarray(balances, dtype=np.float64)
    if bal.ndim != 2 or bal.shape[1] != len(BUCKETS):
        raise ValueError(f"balances must be (paths, {len(BUCKETS)}), got shape {bal.shape}")
    if np.any(bal < 0) or not np.all(np.isfinite(bal)):
        raise ValueError("balances must be finite and ≥ 0")
    paths = bal.shape[0]
    need = _vector(net_needed, paths, "net_needed")
    rmd = _vector(rmd_required, paths, "rmd_required")
    if np.any(rmd < 0):
        raise ValueError("rmd_required must be ≥ 0")
    keep = keep_per_dollar(rates)

    forced = np.minimum(rmd, bal[:, PRETAX])
    forced_net = forced * keep[PRETAX]
    spend = np.maximum(need, 0.0)
    rmd_excess = np.maximum(forced_net - spend, 0.0)
    reinvested = rmd_excess + np.maximum(-need, 0.0)

    available = bal.copy()
    available[:, PRETAX] -= forced
    gross, shortfall = _draw(available, keep, np.maximum(spend - forced_net, 0.0), order)
    gross[:, PRETAX] += forced

    tax: FloatArray = gross @ (1.0 - keep)
    after = bal - gross
    after[:, TAXABLE] += reinvested
    # Rounding can leave −1e-12 where a bucket was emptied exactly.
    np.maximum(after, 0.0, out=after)
    return Withdrawal(
        gross=gross,
        tax=tax,
        net=gross @ keep - rmd_excess,
        reinvested=reinvested,
        shortfall=shortfall,
        balances=after,
    )


def bucket_balances(**by_bucket: ArrayLike) -> FloatArray:
    """(paths, 3) balances from keyword arrays or scalars, e.g. `taxable=…, pretax=…, roth=…`
    (a missing bucket is empty)."""
    unknown = set(by_bucket) - set(BUCKETS)
    if unknown:
        raise ValueError(f"unknown buckets: {sorted(unknown)}")
    columns = [np.atleast_1d(np.asarray(by_bucket.get(b, 0.0), dtype=np.float64)) for b in BUCKETS]
    result: FloatArray = np.stack(np.broadcast_arrays(*columns), axis=1)
    return result


__all__ = ["BUCKETS", "Bucket", "TaxRates", "WithdrawalOrder", "keep_per_dollar", "withdraw"]
