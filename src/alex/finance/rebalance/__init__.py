"""Drift against the user's targets, and a rebalancing plan that closes it.

Drift is `current % − target %` per asset class (share of classified value, cash included) and
per region (share of invested classified value, see `allocation`). A key *breaches* when
|drift| > threshold (`drift.py`).

The plan is the solution of a linear program (SciPy's HiGHS) over one buy and one sell amount
per account and instrument (`lp.py`). It **minimises weighted turnover** (every dollar bought or
sold) subject to:

* every asset-class and region share ending inside a band a little tighter than the threshold
  (shares are ratios, made linear by multiplying out the denominator, so the constraint is
  exact in money);
* each account paying for its buys with its own cash plus its own sales (cash never goes
  negative, money never moves between accounts; idle cash may be invested);
* sells never exceeding what the account holds.

Which programs are tried, in which order, is the strategy (`strategy.py`). Only instruments the
user already holds (priced and classified) are traded; a buy may open the position in another
of the user's accounts. Sells in taxable accounts are used only when the band cannot be reached
without them, and then cost ten times a sale in a tax-advantaged account; instruments that only
add to keys already at or over target are not bought unless nothing else works. A target no
held instrument can reach (real estate with no real estate held) is left out, and if the others
cannot absorb its share they are scaled up in proportion. When the band still cannot be
reached, a second program minimises the breaches (their sum plus the largest) and then the
turnover.

The plan is then applied to a copy of the portfolio and the drift recomputed with the same
look-through; `achievable` reports what that check finds, not what the optimiser hoped
(`plan.py`). Why it falls short is worked out as reason codes (`explain.py`); the sentences
the user reads are in `wording.py`."""

from alex.finance.rebalance.drift import (
    DEFAULT_DRIFT_THRESHOLD_PP,
    DriftDimension,
    DriftItem,
    DriftReport,
    compute_drift,
)
from alex.finance.rebalance.plan import (
    DEFAULT_MIN_TRADE,
    AccountCash,
    RebalancePlan,
    Trade,
    plan_rebalance,
)

__all__ = [
    "DEFAULT_DRIFT_THRESHOLD_PP",
    "DEFAULT_MIN_TRADE",
    "AccountCash",
    "DriftDimension",
    "DriftItem",
    "DriftReport",
    "RebalancePlan",
    "Trade",
    "compute_drift",
    "plan_rebalance",
]
