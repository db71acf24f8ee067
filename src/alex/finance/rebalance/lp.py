"""The linear programs: the portfolio as linear functions of the trades, and the two programs
solved over them (SciPy's HiGHS): the cheapest trades inside given bands, and the trades
leaving the smallest breaches. Which program runs when is `strategy.py`'s business."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from alex.finance.rebalance.drift import K
from alex.finance.valuation import AccountValuation, PortfolioValuation
from alex.schemas import ASSET_CLASSES, REGIONS, AssetClass, InstrumentRead, Region

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

CASH = ASSET_CLASSES.index("cash")
ZERO = 1e-9
_TAXABLE_SELL_COST = 10.0
"""A dollar sold in a taxable account costs this many dollars of tax-advantaged turnover."""
_NEW_POSITION_COST = 0.05
"""Extra cost per dollar of a buy that opens a position the account does not hold yet."""
_SIZE_TIE_BREAK = 1e-3
"""Among equal sells, the larger holding goes first (fewer, simpler trades)."""


def _weights(mapping: Mapping[K, float] | None, vocabulary: tuple[K, ...]) -> FloatArray:
    source = mapping or {}
    return np.array([float(source.get(key, 0.0)) / 100.0 for key in vocabulary])


@dataclass
class Dimension:
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
        return money / total if total > ZERO else np.zeros_like(money)


@dataclass
class LinearModel:
    """Variables: `buy[a, i]` then `sell[a, i]`, money divided by `scale`, for every account
    `a` and every tradable instrument `i` (held somewhere, priced, classified)."""

    symbols: list[str]
    accounts: list[AccountValuation]
    held: FloatArray
    """(accounts, symbols): money held."""
    cash: FloatArray
    w_ac: FloatArray
    w_rg: FloatArray
    dimensions: tuple[Dimension, Dimension]
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


def build_model(
    valuation: PortfolioValuation,
    instruments: Mapping[str, InstrumentRead],
    asset_class_targets: Mapping[AssetClass, float],
    region_targets: Mapping[Region, float],
) -> LinearModel:
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
    m_ac[CASH] += float(cash.sum())
    g_ac = w_ac.T @ h
    g_ac[CASH] += d_cash
    asset_class = Dimension(
        ASSET_CLASSES,
        m_ac / scale,
        g_ac,
        _weights(asset_class_targets, ASSET_CLASSES),
    )
    region = Dimension(
        REGIONS,
        (frozen_rg + v0 @ w_rg) / scale,
        w_rg.T @ h,
        _weights(region_targets, REGIONS),
    )
    return LinearModel(
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


@dataclass(frozen=True)
class Options:
    allow_buy: BoolArray
    taxable_sells: bool


@dataclass
class Solution:
    x: FloatArray
    score: float
    """Remaining breach (0 when every key is inside its band)."""


def _costs(model: LinearModel) -> FloatArray:
    buy = np.where(model.held > 0, 1.0, 1.0 + _NEW_POSITION_COST)
    largest = float(model.held.max(initial=0.0))
    relative = model.held / largest if largest > 0 else np.zeros_like(model.held)
    taxable = np.array([0.0 if acc.tax_advantaged else 1.0 for acc in model.accounts])
    factor = 1.0 + (_TAXABLE_SELL_COST - 1.0) * taxable[:, None]
    sell = factor * (1.0 + _SIZE_TIE_BREAK * (1.0 - relative))
    return np.concatenate([buy.ravel(), sell.ravel()])


def _bounds(
    model: LinearModel, options: Options, fixed_zero: frozenset[int]
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
    model: LinearModel, bands: list[FloatArray]
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


def _budget_rows(model: LinearModel) -> tuple[FloatArray, FloatArray]:
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
    # Imported on the first solve: SciPy's optimizer takes ~0.5 s to import, and most callers
    # of the finance package (every API route's response models) never rebalance.
    from scipy.optimize import linprog  # type: ignore[import-untyped]

    result = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if result.status != 0 or result.x is None:
        return None
    return np.asarray(result.x, dtype=np.float64)


def solve_within_band(
    model: LinearModel, bands: list[FloatArray], options: Options, fixed_zero: frozenset[int]
) -> Solution | None:
    """The cheapest trades that bring every key inside its band, or None if there are none."""
    a_band, b_band, _, _ = _band_rows(model, bands)
    a_budget, b_budget = _budget_rows(model)
    x = _linprog(
        _costs(model),
        np.vstack([a_band, a_budget]),
        np.concatenate([b_band, b_budget]),
        _bounds(model, options, fixed_zero),
    )
    return None if x is None else Solution(x=x, score=0.0)


def solve_compromise(
    model: LinearModel, bands: list[FloatArray], options: Options, fixed_zero: frozenset[int]
) -> Solution | None:
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
    return Solution(x=best[:n_x], score=score)
