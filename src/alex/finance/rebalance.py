"""Drift against the user's targets, and a rebalancing plan that closes it.

Drift is `current % − target %` per asset class (share of classified value, cash included) and
per region (share of invested classified value, see `allocation`). A key *breaches* when
|drift| > threshold.

The plan is found in two steps:

1. **How much of each instrument to hold.** Non-negative least squares over the instruments
   the user already holds (priced and classified by asset class and region; anything else is
   left untouched) with cash as the balance. Breaching keys are pulled to their targets;
   keys inside the band are left alone unless the trades push them out, in which case they
   join the targeted set. A small penalty on each change makes the smallest change win among
   equivalent instruments, and it is ten times larger for instruments held in taxable
   accounts, so tax-advantaged holdings move first. Keys that cannot all be met get more
   weight each round (a minimax-like compromise).
2. **Where to trade.** Sells come from tax-advantaged accounts first (then the largest
   holding); each account's buys are paid from its own cash plus its own sales, so cash never
   goes negative and money never moves between accounts. Buys go first to accounts already
   holding the instrument.

The plan is then applied to a copy of the portfolio and the drift recomputed with the same
look-through; `achievable` reports what that check finds, not what the optimiser hoped."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
from pydantic import BaseModel

from alex.finance.allocation import Allocation, Breakdown, look_through_values
from alex.finance.money import cents, round_pct
from alex.finance.nnls import FloatArray, nnls
from alex.finance.valuation import AccountValuation, PortfolioValuation
from alex.schemas import ASSET_CLASSES, REGIONS, AccountType, AssetClass, InstrumentRead, Region

DEFAULT_DRIFT_THRESHOLD_PP = 5.0
DEFAULT_MIN_TRADE = 25.0
_CASH = ASSET_CLASSES.index("cash")
_BASE_PENALTY = 1e-4
_TAXABLE_PENALTY_FACTOR = 10.0
_CASH_PENALTY_FACTOR = 0.5
_MAX_ROUNDS = 12
_HOLD_WEIGHT = 0.1
# Aim a little inside the band so rounding and dropped dust trades cannot tip a key over.
_MARGIN_PP = 0.25

DriftDimension = Literal["asset_class", "region"]
K = TypeVar("K", bound=str)


class DriftItem(BaseModel):
    dimension: DriftDimension
    key: str
    current_pct: float
    target_pct: float
    drift_pp: float
    """Current minus target, in percentage points: positive means overweight."""
    drift_value: float
    """Money above (+) or below (−) target, as a share of the dimension's classified value."""
    breach: bool


class DriftReport(BaseModel):
    threshold_pp: float
    asset_class: list[DriftItem]
    region: list[DriftItem]
    max_abs_drift_pp: float
    breaches: list[str]
    """`dimension:key` for every item whose |drift| exceeds the threshold."""
    needs_rebalancing: bool
    notes: list[str]


class Trade(BaseModel):
    account_id: uuid.UUID
    account_name: str
    account_type: AccountType
    tax_advantaged: bool
    symbol: str
    action: Literal["buy", "sell"]
    amount: float
    quantity: float
    """Approximate units at the current price (fractional)."""
    new_position: bool
    """True when the account does not hold this instrument yet (the user holds it elsewhere)."""
    asset_class_effect: dict[str, float]
    """Signed money change per asset class caused by this trade."""


class AccountCash(BaseModel):
    account_id: uuid.UUID
    account_name: str
    cash_before: float
    sold: float
    bought: float
    cash_after: float


class RebalancePlan(BaseModel):
    threshold_pp: float
    needed: bool
    """Whether any drift breached the threshold before trading."""
    achievable: bool
    """Whether every drift is within the threshold after applying `trades`."""
    trades: list[Trade]
    total_sold: float
    total_bought: float
    accounts: list[AccountCash]
    drift_before: DriftReport
    drift_after: DriftReport
    reasons: list[str]
    """Why the plan falls short, when it does."""
    notes: list[str]


# --------------------------------------------------------------------------------- drift


def _drift_items(
    breakdown: Breakdown,
    targets: Mapping[K, float],
    vocabulary: tuple[K, ...],
    dimension: DriftDimension,
    threshold_pp: float,
) -> list[DriftItem]:
    if breakdown.classified_value <= 0:
        return []  # Nothing to measure; a "drift" of minus the target would mislead.
    items = []
    for key in vocabulary:
        current = breakdown.pct_of(key)
        target = float(targets.get(key, 0.0))
        if current == 0 and target == 0:
            continue
        drift = current - target
        items.append(
            DriftItem(
                dimension=dimension,
                key=key,
                current_pct=current,
                target_pct=round_pct(target),
                drift_pp=round_pct(drift),
                drift_value=cents(drift / 100.0 * breakdown.classified_value),
                breach=abs(drift) > threshold_pp,
            )
        )
    return items


def compute_drift(
    allocation: Allocation,
    asset_class_targets: Mapping[AssetClass, float],
    region_targets: Mapping[Region, float],
    *,
    threshold_pp: float = DEFAULT_DRIFT_THRESHOLD_PP,
) -> DriftReport:
    """Drift of the look-through allocation from the targets, in pp and money."""
    asset_class = _drift_items(
        allocation.asset_class, asset_class_targets, ASSET_CLASSES, "asset_class", threshold_pp
    )
    region = _drift_items(allocation.region, region_targets, REGIONS, "region", threshold_pp)
    notes = []
    if allocation.asset_class.classified_value == 0:
        notes.append("No classified value yet, so asset-class drift is not measured.")
    if allocation.region.classified_value == 0:
        notes.append("No invested classified value, so region drift is not measured.")
    items = asset_class + region
    breaches = [f"{i.dimension}:{i.key}" for i in items if i.breach]
    return DriftReport(
        threshold_pp=threshold_pp,
        asset_class=asset_class,
        region=region,
        max_abs_drift_pp=max((abs(i.drift_pp) for i in items), default=0.0),
        breaches=breaches,
        needs_rebalancing=bool(breaches),
        notes=notes,
    )


# ------------------------------------------------------------------- step 1: target holdings


def _weights(mapping: Mapping[K, float] | None, vocabulary: tuple[K, ...]) -> FloatArray:
    source = mapping or {}
    return np.array([float(source.get(key, 0.0)) / 100.0 for key in vocabulary])


@dataclass
class _Problem:
    """The linear model of the look-through as a function of tradable holdings `h`."""

    symbols: list[str]
    v0: FloatArray
    w_ac: FloatArray
    w_rg: FloatArray
    frozen_ac: FloatArray
    frozen_rg: FloatArray
    cash0: float
    t_ac: FloatArray
    t_rg: FloatArray
    penalty: FloatArray

    @property
    def budget(self) -> float:
        return self.cash0 + float(self.v0.sum())

    @property
    def ac_basis(self) -> float:
        return self.budget + float(self.frozen_ac.sum())

    def drifts(self, h: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Asset-class and region drift in pp if the tradable holdings were `h`."""
        ac = h @ self.w_ac + self.frozen_ac
        ac[_CASH] += self.budget - float(h.sum())
        ac_pp = 100.0 * (ac / self.ac_basis - self.t_ac) if self.ac_basis > 0 else ac * 0
        rg_basis = float(self.frozen_rg.sum() + h.sum())
        rg = h @ self.w_rg + self.frozen_rg
        rg_pp = 100.0 * (rg / rg_basis - self.t_rg) if rg_basis > 0 else rg * 0
        return ac_pp, rg_pp

    def solve(
        self, ac_goal: FloatArray, ac_weight: FloatArray, rg_goal: FloatArray, rg_weight: FloatArray
    ) -> FloatArray:
        """Least-squares holdings pulling each key's share towards its goal with its weight,
        subject to `h ≥ 0`; cash is what is left of the budget."""
        n = len(self.symbols)
        scale = self.ac_basis
        rows: list[FloatArray] = []
        rhs: list[float] = []
        is_cash = np.arange(len(ASSET_CLASSES)) == _CASH
        for k in np.flatnonzero(ac_weight):
            # ac_k = h·w_k + frozen_k + [k is cash]·(budget − Σh) must equal goal_k·basis.
            coef = self.w_ac[:, k] - float(is_cash[k])
            goal = ac_goal[k] * scale - self.frozen_ac[k] - float(is_cash[k]) * self.budget
            rows.append(ac_weight[k] * coef / scale)
            rhs.append(float(ac_weight[k] * goal / scale))
        frozen_rg = float(self.frozen_rg.sum())
        rg_scale = max(frozen_rg + float(self.v0.sum()), 1.0)
        for j in np.flatnonzero(rg_weight):
            # (h·r_j + frozen_j) / (Σh + Σfrozen) = goal_j, made linear by cross-multiplying.
            coef = self.w_rg[:, j] - rg_goal[j]
            goal = rg_goal[j] * frozen_rg - self.frozen_rg[j]
            rows.append(rg_weight[j] * coef / rg_scale)
            rhs.append(float(rg_weight[j] * goal / rg_scale))
        root = np.sqrt(self.penalty)
        for i in range(n):
            row = np.zeros(n)
            row[i] = root[i] / scale
            rows.append(row)
            rhs.append(float(root[i] * self.v0[i] / scale))
        cash_root = math.sqrt(_BASE_PENALTY * _CASH_PENALTY_FACTOR)
        rows.append(-cash_root * np.ones(n) / scale)
        rhs.append(-cash_root * float(self.v0.sum()) / scale)
        h = nnls(np.vstack(rows), np.array(rhs))
        if h.sum() > self.budget > 0:
            h *= self.budget / h.sum()
        return h


def _build_problem(
    valuation: PortfolioValuation,
    instruments: Mapping[str, InstrumentRead],
    asset_class_targets: Mapping[AssetClass, float],
    region_targets: Mapping[Region, float],
) -> tuple[_Problem, list[str]]:
    values = valuation.values_by_symbol()
    taxable: dict[str, float] = {}
    for account in valuation.accounts:
        if not account.tax_advantaged:
            for p in account.positions:
                taxable[p.symbol] = taxable.get(p.symbol, 0.0) + p.value
    tradable: list[str] = []
    frozen: list[str] = []
    for symbol in sorted(values):
        instrument = instruments.get(symbol)
        ok = (
            instrument is not None
            and bool(instrument.allocation_asset_class)
            and bool(instrument.allocation_regions)
            and instrument.current_price is not None
            and instrument.current_price > 0
        )
        (tradable if ok else frozen).append(symbol)
    frozen_ac = np.zeros(len(ASSET_CLASSES))
    frozen_rg = np.zeros(len(REGIONS))
    for symbol in frozen:
        instrument = instruments.get(symbol)
        if instrument is not None:
            frozen_ac += values[symbol] * _weights(instrument.allocation_asset_class, ASSET_CLASSES)
            frozen_rg += values[symbol] * _weights(instrument.allocation_regions, REGIONS)
    v0 = np.array([values[s] for s in tradable], dtype=np.float64)
    share = np.array([taxable.get(s, 0.0) / values[s] if values[s] else 0.0 for s in tradable])
    problem = _Problem(
        symbols=tradable,
        v0=v0,
        w_ac=np.array(
            [_weights(instruments[s].allocation_asset_class, ASSET_CLASSES) for s in tradable]
        ).reshape(len(tradable), len(ASSET_CLASSES)),
        w_rg=np.array(
            [_weights(instruments[s].allocation_regions, REGIONS) for s in tradable]
        ).reshape(len(tradable), len(REGIONS)),
        frozen_ac=frozen_ac,
        frozen_rg=frozen_rg,
        cash0=valuation.cash,
        t_ac=_weights(asset_class_targets, ASSET_CLASSES),
        t_rg=_weights(region_targets, REGIONS),
        penalty=_BASE_PENALTY * (1.0 + (_TAXABLE_PENALTY_FACTOR - 1.0) * share),
    )
    return problem, frozen


def _target_holdings(problem: _Problem, threshold_pp: float) -> FloatArray:
    """Holdings that bring breaching keys to target without pushing others out of band."""
    ac_pp, rg_pp = problem.drifts(problem.v0)
    # Keys inside the band are softly held at their current share, so the solver does not
    # reshuffle what needs no change; breaching keys are pulled to their targets.
    ac_now, rg_now = problem.t_ac + ac_pp / 100.0, problem.t_rg + rg_pp / 100.0
    ac_active = np.abs(ac_pp) > threshold_pp
    rg_active = np.abs(rg_pp) > threshold_pp
    ac_weight = np.ones(len(ASSET_CLASSES))
    rg_weight = np.ones(len(REGIONS))
    best, best_score = problem.v0.copy(), float(max(np.abs(ac_pp).max(), np.abs(rg_pp).max()))
    limit = threshold_pp - _MARGIN_PP
    for _ in range(_MAX_ROUNDS):
        h = problem.solve(
            np.where(ac_active, problem.t_ac, ac_now),
            np.where(ac_active, ac_weight, _HOLD_WEIGHT),
            np.where(rg_active, problem.t_rg, rg_now),
            np.where(rg_active, rg_weight, _HOLD_WEIGHT),
        )
        ac_pp, rg_pp = problem.drifts(h)
        score = float(max(np.abs(ac_pp).max(), np.abs(rg_pp).max()))
        if score < best_score - 1e-9:
            best, best_score = h, score
        ac_out, rg_out = np.abs(ac_pp) > limit, np.abs(rg_pp) > limit
        if not ac_out.any() and not rg_out.any():
            return h
        # Keys pushed out of band join the targeted set; targeted keys still out (targets
        # that conflict) get more weight next round.
        ac_weight[ac_out & ac_active] *= 4.0
        rg_weight[rg_out & rg_active] *= 4.0
        ac_active |= ac_out
        rg_active |= rg_out
    return best


# ------------------------------------------------------------------ step 2: account trades


def _to_cents(value: float) -> int:
    return round(value * 100)


def _sell_order(account: AccountValuation, cents_held: int) -> tuple[int, int]:
    return (0 if account.tax_advantaged else 1, -cents_held)


def _allocate_trades(
    problem: _Problem,
    h: FloatArray,
    valuation: PortfolioValuation,
    min_trade: float,
) -> dict[tuple[int, str], int]:
    """Signed trade in cents per (account index, symbol); cash per account stays ≥ 0."""
    delta = {s: _to_cents(float(h[i] - problem.v0[i])) for i, s in enumerate(problem.symbols)}
    delta = {s: d for s, d in delta.items() if abs(d) >= _to_cents(min_trade)}
    # Dropping dust can leave buys larger than sells + cash; trim the largest buys.
    shortfall = sum(delta.values()) - _to_cents(valuation.cash)
    for symbol in sorted(delta, key=lambda s: -delta[s]):
        if shortfall <= 0 or delta[symbol] <= 0:
            break
        cut = min(shortfall, delta[symbol])
        delta[symbol] -= cut
        shortfall -= cut

    accounts = valuation.accounts
    held: dict[tuple[int, str], int] = {}
    for a, account in enumerate(accounts):
        for p in account.positions:
            held[(a, p.symbol)] = held.get((a, p.symbol), 0) + _to_cents(p.value)
    available = [_to_cents(account.cash) for account in accounts]
    trades: dict[tuple[int, str], int] = {}

    for symbol in sorted(delta, key=lambda s: delta[s]):
        remaining = -delta[symbol]
        if remaining <= 0:
            continue
        holders = sorted(
            (a for a in range(len(accounts)) if held.get((a, symbol), 0) > 0),
            key=lambda a: _sell_order(accounts[a], held[(a, symbol)]),
        )
        for a in holders:
            amount = min(remaining, held[(a, symbol)])
            trades[(a, symbol)] = trades.get((a, symbol), 0) - amount
            available[a] += amount
            remaining -= amount
            if remaining <= 0:
                break

    for symbol in sorted(delta, key=lambda s: -delta[s]):
        remaining = delta[symbol]
        if remaining <= 0:
            continue
        order = sorted(
            range(len(accounts)),
            key=lambda a: (
                0 if held.get((a, symbol), 0) > 0 else 1,
                0 if accounts[a].tax_advantaged else 1,
                -available[a],
            ),
        )
        for a in order:
            amount = min(remaining, available[a])
            if amount <= 0:
                continue
            trades[(a, symbol)] = trades.get((a, symbol), 0) + amount
            available[a] -= amount
            remaining -= amount
            if remaining <= 0:
                break
    return {key: amount for key, amount in trades.items() if amount != 0}


# ------------------------------------------------------------------------------ the plan


def _reasons(problem: _Problem, after: DriftReport, frozen: list[str]) -> list[str]:
    if not after.needs_rebalancing:
        return []
    if not problem.symbols:
        return [
            "You hold no priced, classified instrument to trade, so the drift cannot be "
            "closed with what you already own."
        ]
    reasons = []
    for item in after.asset_class + after.region:
        if not item.breach:
            continue
        label = item.key.replace("_", " ")
        weights = problem.w_ac if item.dimension == "asset_class" else problem.w_rg
        vocabulary = ASSET_CLASSES if item.dimension == "asset_class" else REGIONS
        column = weights[:, vocabulary.index(item.key)]
        if item.drift_pp < 0 and item.key != "cash" and not (column > 0).any():
            reasons.append(
                f"No instrument you hold gives {label} exposure, so the {item.target_pct:g}% "
                f"{label} target cannot be reached without buying something new "
                f"(currently {item.current_pct:g}%)."
            )
        else:
            reasons.append(
                f"{label.capitalize()} stays {item.drift_pp:+.2f} pp from its "
                f"{item.target_pct:g}% target: the instruments you hold cannot meet every "
                "target at once."
            )
    if frozen and reasons:
        reasons.append(
            "Holdings without a price or a full classification were left untouched: "
            + ", ".join(frozen)
            + "."
        )
    return reasons


def plan_rebalance(
    valuation: PortfolioValuation,
    instruments: Mapping[str, InstrumentRead],
    asset_class_targets: Mapping[AssetClass, float],
    region_targets: Mapping[Region, float],
    *,
    threshold_pp: float = DEFAULT_DRIFT_THRESHOLD_PP,
    min_trade: float = DEFAULT_MIN_TRADE,
) -> RebalancePlan:
    """Trades in held instruments and cash that bring every drift within `threshold_pp`."""
    before_allocation = look_through_values(
        valuation.values_by_symbol(), valuation.cash, instruments
    )
    before = compute_drift(
        before_allocation, asset_class_targets, region_targets, threshold_pp=threshold_pp
    )
    problem, frozen = _build_problem(valuation, instruments, asset_class_targets, region_targets)
    notes = []
    trades: dict[tuple[int, str], int] = {}
    if before.needs_rebalancing and problem.symbols:
        h = _target_holdings(problem, threshold_pp)
        trades = _allocate_trades(problem, h, valuation, min_trade)
        notes.append(
            f"Trades under ${min_trade:,.0f} are left out; sells come from tax-advantaged "
            "accounts first and each account's buys are paid from its own cash and sales."
        )
    if frozen:
        notes.append("Not traded (no price or classification): " + ", ".join(frozen) + ".")

    accounts = valuation.accounts
    values: dict[str, float] = valuation.values_by_symbol()
    sold = [0] * len(accounts)
    bought = [0] * len(accounts)
    trade_models: list[Trade] = []
    for (a, symbol), amount in sorted(
        trades.items(), key=lambda kv: (kv[1] > 0, kv[0][0], kv[0][1])
    ):
        account = accounts[a]
        instrument = instruments[symbol]
        money = amount / 100.0
        values[symbol] = values.get(symbol, 0.0) + money
        if amount < 0:
            sold[a] += -amount
        else:
            bought[a] += amount
        weights = instrument.allocation_asset_class or {}
        price = float(instrument.current_price or 0)
        trade_models.append(
            Trade(
                account_id=account.account_id,
                account_name=account.account_name,
                account_type=account.account_type,
                tax_advantaged=account.tax_advantaged,
                symbol=symbol,
                action="sell" if amount < 0 else "buy",
                amount=cents(abs(money)),
                quantity=round(abs(money) / price, 6) if price else 0.0,
                new_position=all(p.symbol != symbol for p in account.positions),
                asset_class_effect={k: cents(money * w / 100.0) for k, w in weights.items() if w},
            )
        )
    cash_after = [_to_cents(acc.cash) + sold[a] - bought[a] for a, acc in enumerate(accounts)]
    after_allocation = look_through_values(values, sum(cash_after) / 100.0, instruments)
    after = compute_drift(
        after_allocation, asset_class_targets, region_targets, threshold_pp=threshold_pp
    )
    return RebalancePlan(
        threshold_pp=threshold_pp,
        needed=before.needs_rebalancing,
        achievable=not after.needs_rebalancing,
        trades=trade_models,
        total_sold=cents(sum(sold) / 100.0),
        total_bought=cents(sum(bought) / 100.0),
        accounts=[
            AccountCash(
                account_id=acc.account_id,
                account_name=acc.account_name,
                cash_before=acc.cash,
                sold=cents(sold[a] / 100.0),
                bought=cents(bought[a] / 100.0),
                cash_after=cents(cash_after[a] / 100.0),
            )
            for a, acc in enumerate(accounts)
        ],
        drift_before=before,
        drift_after=after,
        reasons=_reasons(problem, after, frozen),
        notes=notes,
    )
