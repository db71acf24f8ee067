"""Drift against the user's targets, and a rebalancing plan that closes it.

Drift is `current % − target %` per asset class (share of classified value, cash included) and
per region (share of invested classified value, see `allocation`). A key *breaches* when
|drift| > threshold.

The plan is the solution of a linear program (SciPy's HiGHS) over one buy and one sell amount
per account and instrument. It **minimises weighted turnover** (every dollar bought or sold)
subject to:

* every asset-class and region share ending inside a band a little tighter than the threshold
  (shares are ratios, made linear by multiplying out the denominator, so the constraint is
  exact in money);
* each account paying for its buys with its own cash plus its own sales (cash never goes
  negative, money never moves between accounts; idle cash may be invested);
* sells never exceeding what the account holds.

Only instruments the user already holds (priced and classified) are traded; a buy may open
the position in another of the user's accounts. Sells in taxable accounts are used only when
the band cannot be reached without them, and then cost ten times a sale in a tax-advantaged
account; instruments that only add to keys already at or over target are not bought unless
nothing else works. A target no held instrument can reach (real estate with no real estate
held) is left out, and if the others cannot absorb its share they are scaled up in proportion.
When the band still cannot be reached, a second program minimises the breaches (their sum
plus the largest) and then the turnover, and `reasons` says which keys stay out and why.

The plan is then applied to a copy of the portfolio and the drift recomputed with the same
look-through; `achievable` reports what that check finds, not what the optimiser hoped."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Literal, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel
from scipy.optimize import linprog  # type: ignore[import-untyped]

from alex.finance.allocation import Allocation, Breakdown, look_through_values
from alex.finance.money import cents, round_pct
from alex.finance.valuation import AccountValuation, PortfolioValuation
from alex.schemas import ASSET_CLASSES, REGIONS, AccountType, AssetClass, InstrumentRead, Region

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

DEFAULT_DRIFT_THRESHOLD_PP = 5.0
DEFAULT_MIN_TRADE = 25.0
_CASH = ASSET_CLASSES.index("cash")
# Breaching keys are brought to `threshold − margin`, so rounding to cents and to 2 dp of a
# percentage can never leave a key on the wrong side of the threshold.
_MARGIN_PP = 0.5
_MARGIN_SHARE = 0.1
"""The margin is at most this share of the threshold (0.2 pp for a 2 pp threshold)."""
_TAXABLE_SELL_COST = 10.0
"""A dollar sold in a taxable account costs this many dollars of tax-advantaged turnover."""
_NEW_POSITION_COST = 0.05
"""Extra cost per dollar of a buy that opens a position the account does not hold yet."""
_SIZE_TIE_BREAK = 1e-3
"""Among equal sells, the larger holding goes first (fewer, simpler trades)."""
_MAX_DUST_ROUNDS = 4
_SCORE_TOLERANCE = 1e-4
"""How much worse (in shares, 1e-4 = 0.01 pp) a compromise may get to drop dust trades."""
_ZERO = 1e-9

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


# ------------------------------------------------------------------------ the linear model


def _weights(mapping: Mapping[K, float] | None, vocabulary: tuple[K, ...]) -> FloatArray:
    source = mapping or {}
    return np.array([float(source.get(key, 0.0)) / 100.0 for key in vocabulary])


@dataclass
class _Dimension:
    """One dimension's shares as linear functions of the trades `x` (money / scale).

    `money(x) = m0 + g @ x` per key and the denominator is their sum, exactly as
    `compute_drift` measures it (unclassified value is in neither)."""

    vocabulary: tuple[str, ...]
    m0: FloatArray
    g: FloatArray
    targets: FloatArray

    @property
    def denominator(self) -> float:
        return float(self.m0.sum())

    def shares(self, x: FloatArray | None = None) -> FloatArray:
        money = self.m0 if x is None else self.m0 + self.g @ x
        total = float(money.sum())
        return money / total if total > _ZERO else np.zeros_like(money)


@dataclass
class _Model:
    """Variables: `buy[a, i]` then `sell[a, i]`, money divided by `scale`, for every account
    `a` and every tradable instrument `i` (held somewhere, priced, classified)."""

    symbols: list[str]
    accounts: list[AccountValuation]
    held: FloatArray
    """(accounts, symbols): money held."""
    cash: FloatArray
    w_ac: FloatArray
    w_rg: FloatArray
    dimensions: tuple[_Dimension, _Dimension]
    scale: float
    frozen: list[str]
    """Held symbols left untouched (no price, or a missing breakdown)."""

    @property
    def size(self) -> int:
        return len(self.accounts) * len(self.symbols)

    def split(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Buys and sells in money, each (accounts, symbols)."""
        shape = (len(self.accounts), len(self.symbols))
        return (
            x[: self.size].reshape(shape) * self.scale,
            x[self.size : 2 * self.size].reshape(shape) * self.scale,
        )


def _build_model(
    valuation: PortfolioValuation,
    instruments: Mapping[str, InstrumentRead],
    asset_class_targets: Mapping[AssetClass, float],
    region_targets: Mapping[Region, float],
) -> _Model:
    values = valuation.values_by_symbol()
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

    accounts = valuation.accounts
    n_acc, n_sym = len(accounts), len(tradable)
    column = {s: i for i, s in enumerate(tradable)}
    held = np.zeros((n_acc, n_sym))
    for a, account in enumerate(accounts):
        for p in account.positions:
            if p.symbol in column:
                held[a, column[p.symbol]] += p.value
    cash = np.array([account.cash for account in accounts], dtype=np.float64)
    w_ac = np.array(
        [_weights(instruments[s].allocation_asset_class, ASSET_CLASSES) for s in tradable]
    ).reshape(n_sym, len(ASSET_CLASSES))
    w_rg = np.array(
        [_weights(instruments[s].allocation_regions, REGIONS) for s in tradable]
    ).reshape(n_sym, len(REGIONS))
    scale = max(float(valuation.total), 1.0)

    # d(holding of i)/dx: +1 for every buy of i, −1 for every sell; d(cash)/dx the opposite.
    h = np.zeros((n_sym, 2 * n_acc * n_sym))
    for a in range(n_acc):
        for i in range(n_sym):
            h[i, a * n_sym + i] = 1.0
            h[i, (n_acc + a) * n_sym + i] = -1.0
    d_cash = -h.sum(axis=0)
    v0 = held.sum(axis=0)
    m_ac = frozen_ac + v0 @ w_ac
    m_ac[_CASH] += float(cash.sum())
    g_ac = w_ac.T @ h
    g_ac[_CASH] += d_cash
    asset_class = _Dimension(
        ASSET_CLASSES,
        m_ac / scale,
        g_ac,
        _weights(asset_class_targets, ASSET_CLASSES),
    )
    region = _Dimension(
        REGIONS,
        (frozen_rg + v0 @ w_rg) / scale,
        w_rg.T @ h,
        _weights(region_targets, REGIONS),
    )
    return _Model(
        symbols=tradable,
        accounts=list(accounts),
        held=held,
        cash=cash,
        w_ac=w_ac,
        w_rg=w_rg,
        dimensions=(asset_class, region),
        scale=scale,
        frozen=frozen,
    )


def _band_and_keep(threshold_pp: float) -> tuple[float, float]:
    """The band breaching keys must reach and the edge up to which a key that is not
    breaching may stay where it is, both as fractions."""
    margin = min(_MARGIN_PP, _MARGIN_SHARE * threshold_pp)
    return max(threshold_pp - margin, 0.0) / 100.0, max(threshold_pp - margin / 10.0, 0.0) / 100.0


def _bands(model: _Model, threshold_pp: float) -> list[FloatArray]:
    """Allowed |share − target| per key, as fractions.

    Keys outside `threshold − margin` must come inside it; keys already between that and the
    threshold may stay where they are (but not drift further), so the plan does not trade
    just to tidy keys that were never breaching."""
    band, keep = _band_and_keep(threshold_pp)
    out = []
    for dim in model.dimensions:
        drift = np.abs(dim.shares() - dim.targets)
        out.append(np.where((drift > band) & (drift <= keep), drift, band))
    return out


def _unreachable(model: _Model, threshold_pp: float) -> list[BoolArray]:
    """Per dimension, the keys below their band that no tradable instrument adds to (a
    real-estate target with no real estate held): no trade can close them."""
    band, _ = _band_and_keep(threshold_pp)
    out = []
    for dim, weights in zip(model.dimensions, (model.w_ac, model.w_rg), strict=True):
        exposed: BoolArray = np.asarray((weights > 0).any(axis=0), dtype=bool)
        if dim.vocabulary == ASSET_CLASSES:
            exposed[_CASH] = True  # sales raise cash
        out.append(~exposed & (dim.targets - dim.shares() > band))
    return out


def _rescale_targets(
    model: _Model, unreachable: list[BoolArray]
) -> tuple[_Model, dict[str, float]]:
    """The targets with each unreachable key's share made up by the others: its target
    becomes its current share and the dimension's other targets are scaled up in proportion,
    so the plan keeps the rest in the mix the user asked for. Returns the model with those
    targets and the new target (in %) of every other key, by `dimension:key`."""
    dimensions = []
    rescaled: dict[str, float] = {}
    for name, dim, missing in zip(
        ("asset_class", "region"), model.dimensions, unreachable, strict=True
    ):
        shares = dim.shares()
        lost, kept = float(dim.targets[missing].sum()), float(shares[missing].sum())
        if not missing.any() or lost >= 1.0 - _ZERO:
            dimensions.append(dim)
            continue
        targets = np.where(missing, shares, dim.targets * (1.0 - kept) / (1.0 - lost))
        dimensions.append(replace(dim, targets=targets))
        for k, key in enumerate(dim.vocabulary):
            if not missing[k] and dim.targets[k] > 0:
                rescaled[f"{name}:{key}"] = round_pct(100.0 * float(targets[k]))
    asset_class, region = dimensions
    return replace(model, dimensions=(asset_class, region)), rescaled


def _useful_buys(model: _Model) -> BoolArray:
    """Instruments adding exposure to at least one key below its target (cash aside: buying
    never raises cash). Buying anything else only adds to keys already at or over target."""
    asset_class, region = model.dimensions
    # Below by more than 0.005 pp, i.e. a negative drift once rounded to 2 dp.
    under_ac = asset_class.shares() - asset_class.targets < -5e-5
    under_ac[_CASH] = False
    under_rg = region.shares() - region.targets < -5e-5
    return np.asarray(
        (model.w_ac[:, under_ac] > 0).any(axis=1) | (model.w_rg[:, under_rg] > 0).any(axis=1),
        dtype=bool,
    )


# ---------------------------------------------------------------------------- the programs


@dataclass(frozen=True)
class _Options:
    allow_buy: BoolArray
    taxable_sells: bool


@dataclass
class _Solution:
    x: FloatArray
    score: float
    """Remaining breach (0 when every key is inside its band)."""


def _costs(model: _Model) -> FloatArray:
    buy = np.where(model.held > 0, 1.0, 1.0 + _NEW_POSITION_COST)
    largest = float(model.held.max(initial=0.0))
    relative = model.held / largest if largest > 0 else np.zeros_like(model.held)
    taxable = np.array([0.0 if acc.tax_advantaged else 1.0 for acc in model.accounts])
    factor = 1.0 + (_TAXABLE_SELL_COST - 1.0) * taxable[:, None]
    sell = factor * (1.0 + _SIZE_TIE_BREAK * (1.0 - relative))
    return np.concatenate([buy.ravel(), sell.ravel()])


def _bounds(
    model: _Model, options: _Options, fixed_zero: frozenset[int]
) -> list[tuple[float, float | None]]:
    bounds: list[tuple[float, float | None]] = []
    for a in range(len(model.accounts)):
        for i in range(len(model.symbols)):
            allowed = bool(options.allow_buy[i]) and a * len(model.symbols) + i not in fixed_zero
            bounds.append((0.0, None if allowed else 0.0))
    for a, account in enumerate(model.accounts):
        for i in range(len(model.symbols)):
            j = model.size + a * len(model.symbols) + i
            sellable = account.tax_advantaged or options.taxable_sells
            limit = model.held[a, i] / model.scale if sellable and j not in fixed_zero else 0.0
            bounds.append((0.0, limit))
    return bounds


def _band_rows(
    model: _Model, bands: list[FloatArray]
) -> tuple[FloatArray, FloatArray, list[int], list[float]]:
    """`A x ≤ b` rows keeping every key inside its band, the key each row belongs to (index
    over asset classes then regions) and that key's dimension denominator today."""
    rows: list[FloatArray] = []
    rhs: list[float] = []
    owner: list[int] = []
    scale: list[float] = []
    offset = 0
    for dim, band in zip(model.dimensions, bands, strict=True):
        g_total = dim.g.sum(axis=0)
        d0 = dim.denominator
        for k in range(len(dim.vocabulary)):
            # money_k ≤ (t + b)·denominator and money_k ≥ (t − b)·denominator, multiplied out.
            hi = dim.targets[k] + band[k]
            rows.append(dim.g[k] - hi * g_total)
            rhs.append(hi * d0 - float(dim.m0[k]))
            owner.append(offset + k)
            scale.append(max(d0, 1e-6))
            lo = dim.targets[k] - band[k]
            if lo > 0:
                rows.append(lo * g_total - dim.g[k])
                rhs.append(float(dim.m0[k]) - lo * d0)
                owner.append(offset + k)
                scale.append(max(d0, 1e-6))
        offset += len(dim.vocabulary)
    return np.array(rows), np.array(rhs), owner, scale


def _budget_rows(model: _Model) -> tuple[FloatArray, FloatArray]:
    """Per account: buys − sells ≤ cash (cash never goes below zero, or below today's
    balance if that is already negative)."""
    n_acc, n_sym = len(model.accounts), len(model.symbols)
    rows = np.zeros((n_acc, 2 * model.size))
    for a in range(n_acc):
        rows[a, a * n_sym : (a + 1) * n_sym] = 1.0
        rows[a, model.size + a * n_sym : model.size + (a + 1) * n_sym] = -1.0
    return rows, np.maximum(model.cash, 0.0) / model.scale


def _linprog(
    c: FloatArray, a_ub: FloatArray, b_ub: FloatArray, bounds: list[tuple[float, float | None]]
) -> FloatArray | None:
    result = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if result.status != 0 or result.x is None:
        return None
    return np.asarray(result.x, dtype=np.float64)


def _solve_within_band(
    model: _Model, bands: list[FloatArray], options: _Options, fixed_zero: frozenset[int]
) -> _Solution | None:
    """The cheapest trades that bring every key inside its band, or None if there are none."""
    a_band, b_band, _, _ = _band_rows(model, bands)
    a_budget, b_budget = _budget_rows(model)
    x = _linprog(
        _costs(model),
        np.vstack([a_band, a_budget]),
        np.concatenate([b_band, b_budget]),
        _bounds(model, options, fixed_zero),
    )
    return None if x is None else _Solution(x=x, score=0.0)


def _solve_compromise(
    model: _Model, bands: list[FloatArray], options: _Options, fixed_zero: frozenset[int]
) -> _Solution | None:
    """The trades that leave the smallest breaches (their sum plus the largest, each in
    shares of today's denominator), and among those the cheapest."""
    a_band, b_band, owner, denominators = _band_rows(model, bands)
    a_budget, b_budget = _budget_rows(model)
    n_x = 2 * model.size
    n_keys = len(ASSET_CLASSES) + len(REGIONS)
    # Variables: x, one slack per key, the largest slack t.
    band_slack = np.zeros((len(owner), n_keys + 1))
    for r, k in enumerate(owner):
        band_slack[r, k] = -denominators[r]
    largest = np.hstack([np.zeros((n_keys, n_x)), np.eye(n_keys), -np.ones((n_keys, 1))])
    a_ub = np.vstack(
        [
            np.hstack([a_band, band_slack]),
            largest,
            np.hstack([a_budget, np.zeros((len(b_budget), n_keys + 1))]),
        ]
    )
    b_ub = np.concatenate([b_band, np.zeros(n_keys), b_budget])
    bounds = _bounds(model, options, fixed_zero) + [(0.0, None)] * (n_keys + 1)
    breach = np.concatenate([np.zeros(n_x), np.ones(n_keys + 1)])
    first = _linprog(breach, a_ub, b_ub, bounds)
    if first is None:
        return None
    score = float(breach @ first)
    cap = score + 1e-6 + 1e-6 * score
    second = _linprog(
        np.concatenate([_costs(model), np.zeros(n_keys + 1)]),
        np.vstack([a_ub, breach]),
        np.concatenate([b_ub, [cap]]),
        bounds,
    )
    best = first if second is None else second
    return _Solution(x=best[:n_x], score=score)


def _without_dust(
    model: _Model,
    solve: Callable[[frozenset[int]], _Solution | None],
    min_trade: float,
) -> _Solution | None:
    """Solve, then re-solve with every trade under `min_trade` forbidden, as long as the plan
    stays as good; a small trade the plan cannot do without is kept."""
    fixed: frozenset[int] = frozenset()
    best = solve(fixed)
    if best is None or min_trade <= 0:
        return best
    for _ in range(_MAX_DUST_ROUNDS):
        money = best.x * model.scale
        dust = frozenset(int(j) for j in np.flatnonzero((money > 0) & (money < min_trade)))
        if not dust - fixed:
            break
        candidate = solve(fixed | dust)
        if candidate is None or candidate.score > best.score + _SCORE_TOLERANCE:
            break
        fixed, best = fixed | dust, candidate
    return best


def _cheapest_within(model: _Model, bands: list[FloatArray], min_trade: float) -> _Solution | None:
    """The cheapest trades inside the bands, trying in turn: (1) no sells in taxable accounts
    and only buys that add to some key below target; (2) any buy; (3) taxable sells (at ×10)
    with useful buys; (4) with any buy. None if no program reaches the bands."""
    useful = _useful_buys(model)
    anything = np.ones(len(model.symbols), dtype=bool)
    has_taxable = any(
        not acc.tax_advantaged and model.held[a].any() for a, acc in enumerate(model.accounts)
    )
    tried: set[tuple[bool, bool]] = set()
    for allow, taxable_sells in (
        (useful, False),
        (anything, False),
        (useful, True),
        (anything, True),
    ):
        variant = (bool(allow.all()), taxable_sells and has_taxable)
        if variant in tried:
            continue  # the same program as one already tried
        tried.add(variant)
        options = _Options(allow_buy=allow, taxable_sells=taxable_sells)
        solution = _without_dust(
            model, partial(_solve_within_band, model, bands, options), min_trade
        )
        if solution is not None:
            return solution
    return None


def _solve(
    model: _Model, threshold_pp: float, min_trade: float
) -> tuple[_Solution | None, dict[str, float]]:
    """The plan's trades, and the rescaled targets it aimed at if it had to (see
    `_rescale_targets`).

    1. Every key inside its band, at the least cost.
    2. If some keys are unreachable: every *other* key inside its band of the user's targets.
    3. Failing that, every other key inside its band of the rescaled targets.
    4. Failing that, the compromise (least breach, then least cost) on those targets."""
    bands = _bands(model, threshold_pp)
    unreachable = _unreachable(model, threshold_pp)
    rescaled: dict[str, float] = {}
    if any(missing.any() for missing in unreachable):
        bands = [np.where(m, 1.0, b) for m, b in zip(unreachable, bands, strict=True)]
    solution = _cheapest_within(model, bands, min_trade)
    if solution is not None:
        return solution, rescaled
    if any(missing.any() for missing in unreachable):
        model, rescaled = _rescale_targets(model, unreachable)
        bands = _bands(model, threshold_pp)
        solution = _cheapest_within(model, bands, min_trade)
        if solution is not None:
            return solution, rescaled
    options = _Options(allow_buy=_useful_buys(model), taxable_sells=True)
    compromise = partial(_solve_compromise, model, bands, options)
    return _without_dust(model, compromise, min_trade), rescaled


# ------------------------------------------------------------------------------ the plan


def _trades_in_cents(model: _Model, x: FloatArray) -> dict[tuple[int, str], int]:
    """Signed trade in cents per (account index, symbol): net of buys and sells, sells capped
    at the holding, each account's buys trimmed (largest first) to its cash plus sales."""
    buys, sells = model.split(x)
    net = buys - sells
    trades: dict[tuple[int, str], int] = {}
    for a in range(len(model.accounts)):
        for i, symbol in enumerate(model.symbols):
            amount = round(float(net[a, i]) * 100)
            amount = max(amount, -round(float(model.held[a, i]) * 100))
            if amount:
                trades[(a, symbol)] = amount
    for a, account in enumerate(model.accounts):
        mine = {key: v for key, v in trades.items() if key[0] == a}
        excess = sum(mine.values()) - max(round(account.cash * 100), 0)
        for key in sorted(mine, key=lambda k: -mine[k]):
            if excess <= 0 or mine[key] <= 0:
                break
            cut = min(excess, mine[key])
            trades[key] -= cut
            excess -= cut
    return {key: amount for key, amount in trades.items() if amount != 0}


def _exposure(instrument: InstrumentRead | None, dimension: DriftDimension, key: str) -> float:
    if instrument is None:
        return 0.0
    if dimension == "asset_class":
        return float((instrument.allocation_asset_class or {}).get(key, 0.0))  # type: ignore[call-overload]
    return float((instrument.allocation_regions or {}).get(key, 0.0))  # type: ignore[call-overload]


def _tradable(model: _Model, item: DriftItem) -> bool:
    """Whether some tradable instrument adds exposure to the item's key."""
    if item.dimension == "asset_class":
        return bool((model.w_ac[:, ASSET_CLASSES.index(item.key)] > 0).any())
    return bool((model.w_rg[:, REGIONS.index(item.key)] > 0).any())


# Mid-sentence names of allocation keys (proper nouns keep their capitals).
_PROPER = {"north_america": "North America", "europe": "Europe", "asia_pacific": "Asia-Pacific"}
_OVERLAP = (
    "the funds you hold cannot meet every target at once, because a fund that adds to one "
    "part of your mix also adds to others (a US bond fund adds both fixed income and North "
    "America)."
)


def _label(key: str) -> str:
    return _PROPER.get(key, key.replace("_", " "))


def _rescaled_reason(
    away: str, item: DriftItem, after: DriftReport, rescaled: Mapping[str, float]
) -> str:
    """Why a key misses its target when the plan aimed at rescaled targets: the targets
    nothing held can reach (every key of the dimension with a target that was not rescaled)
    had their share handed to the others."""
    items = after.asset_class if item.dimension == "asset_class" else after.region
    missing = [
        other
        for other in items
        if other.target_pct > 0 and f"{other.dimension}:{other.key}" not in rescaled
    ]
    names = " or ".join(_label(other.key) for other in missing)
    shares = " and ".join(f"{other.target_pct:g}%" for other in missing)
    goal = rescaled[f"{item.dimension}:{item.key}"]
    text = (
        f"{away}. Nothing you hold adds {names}, so the plan spreads "
        f"{'that target' if len(missing) == 1 else 'those targets'} ({shares}) over your "
        f"other targets in proportion and aims {_label(item.key)} at {goal:g}%."
    )
    if abs(item.current_pct - goal) > after.threshold_pp:
        text += f" Even that is out of reach: {_OVERLAP}"
    return text


def _reasons(
    model: _Model,
    after: DriftReport,
    instruments: Mapping[str, InstrumentRead],
    rescaled: Mapping[str, float],
) -> list[str]:
    if not after.needs_rebalancing:
        return []
    if not model.symbols:
        return [
            "You hold no priced, classified instrument to trade, so the drift cannot be "
            "closed with what you already own."
        ]
    reasons = []
    for item in after.asset_class + after.region:
        if not item.breach:
            continue
        label = _label(item.key)
        side = "above" if item.drift_pp > 0 else "below"
        away = f"{label[:1].upper()}{label[1:]} stays {abs(item.drift_pp):.1f} pp {side} its "
        away += f"{item.target_pct:g}% target"
        frozen_with_key = [
            s for s in model.frozen if _exposure(instruments.get(s), item.dimension, item.key)
        ]
        tradable = _tradable(model, item)
        if item.drift_pp < 0 and item.key != "cash" and not tradable:
            reasons.append(
                f"Nothing you hold adds {label}, so the {item.target_pct:g}% {label} target "
                f"cannot be reached without buying something new (currently {item.current_pct:g}%)."
            )
        elif item.drift_pp > 0 and not tradable and frozen_with_key:
            reasons.append(
                f"{away}: it comes only from holdings that cannot be traded here "
                f"({', '.join(frozen_with_key)})."
            )
        elif f"{item.dimension}:{item.key}" in rescaled:
            reasons.append(_rescaled_reason(away, item, after, rescaled))
        else:
            reasons.append(f"{away}: {_OVERLAP}")
    if model.frozen and reasons:
        reasons.append(
            "Holdings without a price or a full classification were left untouched: "
            + ", ".join(model.frozen)
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
    """The least turnover, in held instruments and cash, that brings every drift within
    `threshold_pp`; the closest it can get when that is impossible."""
    before_allocation = look_through_values(
        valuation.values_by_symbol(), valuation.cash, instruments
    )
    before = compute_drift(
        before_allocation, asset_class_targets, region_targets, threshold_pp=threshold_pp
    )
    model = _build_model(valuation, instruments, asset_class_targets, region_targets)
    notes = []
    trades: dict[tuple[int, str], int] = {}
    rescaled: dict[str, float] = {}
    if before.needs_rebalancing and model.symbols:
        solution, rescaled = _solve(model, threshold_pp, min_trade)
        if solution is not None:
            trades = _trades_in_cents(model, solution.x)
    if trades:
        notes.append(
            "The plan trades as little as possible: idle cash is invested before anything is "
            "sold, sells in taxable accounts are used only when tax-advantaged accounts cannot "
            "close the drift, and each account's buys are paid from its own cash and sales."
        )
        if any(abs(v) < round(min_trade * 100) for v in trades.values()):
            notes.append(f"Some trades are under ${min_trade:,.0f} because the plan needs them.")
        if any(v < 0 and not model.accounts[a].tax_advantaged for (a, _), v in trades.items()):
            notes.append(
                "Sells in a taxable account may realise capital gains; they are used only "
                "because the tax-advantaged accounts cannot close the drift on their own."
            )
    if rescaled:
        notes.append(
            "Some targets cannot be reached with what you hold, so the plan aims at the other "
            "targets scaled up in proportion: "
            + ", ".join(f"{k.split(':')[1].replace('_', ' ')} {v:g}%" for k, v in rescaled.items())
            + "."
        )
    if model.frozen:
        notes.append("Not traded (no price or classification): " + ", ".join(model.frozen) + ".")

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
    cash_after = [round(acc.cash * 100) + sold[a] - bought[a] for a, acc in enumerate(accounts)]
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
        reasons=_reasons(model, after, instruments, rescaled),
        notes=notes,
    )
