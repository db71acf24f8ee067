"""The solver strategy: which bands the plan must reach, and which programs are tried in which
order, from the cheapest acceptable plan down to the least-bad compromise."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

import numpy as np

from alex.finance.money import round_pct
from alex.finance.rebalance.lp import (
    CASH,
    ZERO,
    BoolArray,
    FloatArray,
    LinearModel,
    Options,
    Solution,
    solve_compromise,
    solve_within_band,
)
from alex.schemas import ASSET_CLASSES

# Breaching keys are brought to `threshold − margin`, so rounding to cents and to 2 dp of a
# percentage can never leave a key on the wrong side of the threshold.
_MARGIN_PP = 0.5
_MARGIN_SHARE = 0.1
"""The margin is at most this share of the threshold (0.2 pp for a 2 pp threshold)."""
_MAX_DUST_ROUNDS = 4
_SCORE_TOLERANCE = 1e-4
"""How much worse (in shares, 1e-4 = 0.01 pp) a compromise may get to drop dust trades."""


def _band_and_keep(threshold_pp: float) -> tuple[float, float]:
    """The band breaching keys must reach and the edge up to which a key that is not
    breaching may stay where it is, both as fractions."""
    margin = min(_MARGIN_PP, _MARGIN_SHARE * threshold_pp)
    return max(threshold_pp - margin, 0.0) / 100.0, max(threshold_pp - margin / 10.0, 0.0) / 100.0


def _bands(model: LinearModel, threshold_pp: float) -> list[FloatArray]:
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


def _unreachable(model: LinearModel, threshold_pp: float) -> list[BoolArray]:
    """Per dimension, the keys below their band that no tradable instrument adds to (a
    real-estate target with no real estate held): no trade can close them."""
    band, _ = _band_and_keep(threshold_pp)
    out = []
    for dim, weights in zip(model.dimensions, (model.w_ac, model.w_rg), strict=True):
        exposed: BoolArray = np.asarray((weights > 0).any(axis=0), dtype=bool)
        if dim.vocabulary == ASSET_CLASSES:
            exposed[CASH] = True  # sales raise cash
        out.append(~exposed & (dim.targets - dim.shares() > band))
    return out


def _rescale_targets(
    model: LinearModel, unreachable: list[BoolArray]
) -> tuple[LinearModel, dict[str, float]]:
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
        if not missing.any() or lost >= 1.0 - ZERO:
            dimensions.append(dim)
            continue
        targets = np.where(missing, shares, dim.targets * (1.0 - kept) / (1.0 - lost))
        dimensions.append(replace(dim, targets=targets))
        for k, key in enumerate(dim.vocabulary):
            if not missing[k] and dim.targets[k] > 0:
                rescaled[f"{name}:{key}"] = round_pct(100.0 * float(targets[k]))
    asset_class, region = dimensions
    return replace(model, dimensions=(asset_class, region)), rescaled


def _useful_buys(model: LinearModel) -> BoolArray:
    """Instruments adding exposure to at least one key below its target (cash aside: buying
    never raises cash). Buying anything else only adds to keys already at or over target."""
    asset_class, region = model.dimensions
    # Below by more than 0.005 pp, i.e. a negative drift once rounded to 2 dp.
    under_ac = asset_class.shares() - asset_class.targets < -5e-5
    under_ac[CASH] = False
    under_rg = region.shares() - region.targets < -5e-5
    return np.asarray(
        (model.w_ac[:, under_ac] > 0).any(axis=1) | (model.w_rg[:, under_rg] > 0).any(axis=1),
        dtype=bool,
    )


def _without_dust(
    model: LinearModel,
    solve: Callable[[frozenset[int]], Solution | None],
    min_trade: float,
) -> Solution | None:
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


def _cheapest_within(
    model: LinearModel, bands: list[FloatArray], min_trade: float
) -> Solution | None:
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
        options = Options(allow_buy=allow, taxable_sells=taxable_sells)
        solution = _without_dust(
            model, partial(solve_within_band, model, bands, options), min_trade
        )
        if solution is not None:
            return solution
    return None


def solve(
    model: LinearModel, threshold_pp: float, min_trade: float
) -> tuple[Solution | None, dict[str, float]]:
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
    options = Options(allow_buy=_useful_buys(model), taxable_sells=True)
    compromise = partial(solve_compromise, model, bands, options)
    return _without_dust(model, compromise, min_trade), rescaled
