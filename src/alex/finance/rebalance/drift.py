"""Drift: how far each asset-class and region share is from its target, in percentage points
and in money, and which keys breach the threshold."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypeVar

from pydantic import BaseModel

from alex.finance.allocation import Allocation, Breakdown
from alex.finance.money import cents, round_pct
from alex.schemas import ASSET_CLASSES, REGIONS, AssetClass, Region

DEFAULT_DRIFT_THRESHOLD_PP = 5.0

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
