"""Why a plan falls short, and what the user should know about it, as codes with the figures
they need. The sentences are in `wording.py`; this module only decides which apply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, Field

from alex.finance.rebalance.drift import DriftDimension, DriftItem, DriftReport
from alex.finance.rebalance.lp import LinearModel
from alex.schemas import ASSET_CLASSES, REGIONS, InstrumentRead

ReasonCode = Literal[
    "no_tradable_holdings",  # nothing priced and classified to trade at all
    "nothing_held_adds",  # a key below target that no holding adds to
    "only_untradable_holdings",  # a key above target that only untradable holdings add to
    "target_shared_out",  # the plan aimed at rescaled targets and this key still misses
    "funds_overlap",  # the held funds cannot meet every target at once
    "untouched_holdings",  # holdings without a price or classification were not traded
]
NoteCode = Literal[
    "least_turnover",  # how the plan chose its trades
    "small_trades_needed",  # some trades are under the minimum because the plan needs them
    "taxable_sells",  # sells in a taxable account may realise gains
    "targets_rescaled",  # unreachable targets handed to the others
    "not_traded",  # holdings without a price or classification
]


class Reason(BaseModel):
    """Why one key stays off target (or, for the codes without a key, the plan as a whole)."""

    code: ReasonCode
    dimension: DriftDimension | None = None
    key: str | None = None
    drift_pp: float = 0.0
    current_pct: float = 0.0
    target_pct: float = 0.0
    symbols: list[str] = Field(default_factory=list)
    """The holdings concerned (untradable ones)."""
    unreachable: list[tuple[str, float]] = Field(default_factory=list)
    """(key, target %) of the dimension's targets nothing held can reach."""
    goal_pct: float | None = None
    """The rescaled target the plan aimed this key at."""
    goal_out_of_reach: bool = False


class Note(BaseModel):
    code: NoteCode
    min_trade: float | None = None
    targets: dict[str, float] = Field(default_factory=dict)
    """Rescaled targets by `dimension:key`."""
    symbols: list[str] = Field(default_factory=list)


def _exposure(instrument: InstrumentRead | None, dimension: DriftDimension, key: str) -> float:
    if instrument is None:
        return 0.0
    if dimension == "asset_class":
        return float((instrument.allocation_asset_class or {}).get(key, 0.0))  # type: ignore[call-overload]
    return float((instrument.allocation_regions or {}).get(key, 0.0))  # type: ignore[call-overload]


def _tradable(model: LinearModel, item: DriftItem) -> bool:
    """Whether some tradable instrument adds exposure to the item's key."""
    if item.dimension == "asset_class":
        return bool((model.w_ac[:, ASSET_CLASSES.index(item.key)] > 0).any())
    return bool((model.w_rg[:, REGIONS.index(item.key)] > 0).any())


def _shared_out(item: DriftItem, after: DriftReport, rescaled: Mapping[str, float]) -> Reason:
    """A key that misses its target when the plan aimed at rescaled targets: the targets
    nothing held can reach (every key of the dimension with a target that was not rescaled)
    had their share handed to the others."""
    items = after.asset_class if item.dimension == "asset_class" else after.region
    goal = rescaled[f"{item.dimension}:{item.key}"]
    return Reason(
        code="target_shared_out",
        dimension=item.dimension,
        key=item.key,
        drift_pp=item.drift_pp,
        current_pct=item.current_pct,
        target_pct=item.target_pct,
        unreachable=[
            (other.key, other.target_pct)
            for other in items
            if other.target_pct > 0 and f"{other.dimension}:{other.key}" not in rescaled
        ],
        goal_pct=goal,
        goal_out_of_reach=abs(item.current_pct - goal) > after.threshold_pp,
    )


def shortfall(
    model: LinearModel,
    after: DriftReport,
    instruments: Mapping[str, InstrumentRead],
    rescaled: Mapping[str, float],
) -> list[Reason]:
    """Why each key still breaching after the plan does, most specific cause first."""
    if not after.needs_rebalancing:
        return []
    if not model.symbols:
        return [Reason(code="no_tradable_holdings")]
    reasons = []
    for item in after.asset_class + after.region:
        if not item.breach:
            continue
        about = {
            "dimension": item.dimension,
            "key": item.key,
            "drift_pp": item.drift_pp,
            "current_pct": item.current_pct,
            "target_pct": item.target_pct,
        }
        frozen_with_key = [
            s for s in model.frozen if _exposure(instruments.get(s), item.dimension, item.key)
        ]
        tradable = _tradable(model, item)
        if item.drift_pp < 0 and item.key != "cash" and not tradable:
            reasons.append(Reason(code="nothing_held_adds", **about))
        elif item.drift_pp > 0 and not tradable and frozen_with_key:
            reasons.append(
                Reason(code="only_untradable_holdings", symbols=frozen_with_key, **about)
            )
        elif f"{item.dimension}:{item.key}" in rescaled:
            reasons.append(_shared_out(item, after, rescaled))
        else:
            reasons.append(Reason(code="funds_overlap", **about))
    if model.frozen and reasons:
        reasons.append(Reason(code="untouched_holdings", symbols=list(model.frozen)))
    return reasons


def notes(
    model: LinearModel,
    trades: Mapping[tuple[int, str], int],
    rescaled: Mapping[str, float],
    min_trade: float,
) -> list[Note]:
    """What the user should know about the plan: how it was chosen and what it left alone."""
    out: list[Note] = []
    if trades:
        out.append(Note(code="least_turnover"))
        if any(abs(v) < round(min_trade * 100) for v in trades.values()):
            out.append(Note(code="small_trades_needed", min_trade=min_trade))
        if any(v < 0 and not model.accounts[a].tax_advantaged for (a, _), v in trades.items()):
            out.append(Note(code="taxable_sells"))
    if rescaled:
        out.append(Note(code="targets_rescaled", targets=dict(rescaled)))
    if model.frozen:
        out.append(Note(code="not_traded", symbols=list(model.frozen)))
    return out
