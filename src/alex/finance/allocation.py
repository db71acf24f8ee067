"""Look-through allocation by asset class, region and sector.

Each priced position contributes its value split by its instrument's breakdown. Account cash
is asset class `cash`. Cash is deliberately left out of the region and sector look-through:
it has no meaningful region or sector, and counting it in the user's home region would quietly
inflate that region. So the region and sector percentages describe the invested, classified
value, while asset-class percentages describe classified value including cash.

An instrument missing the breakdown for a dimension is *unclassified* for that dimension: its
value is excluded from that dimension's percentages and reported through `coverage_pct` and
`unclassified_symbols`, never spread by a guess."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel

from alex.finance.money import cents, pct
from alex.finance.valuation import PortfolioValuation
from alex.schemas import ASSET_CLASSES, REGIONS, SECTORS, InstrumentRead

Dimension = Literal["asset_class", "region", "sector"]

_VOCABULARY: dict[Dimension, tuple[str, ...]] = {
    "asset_class": ASSET_CLASSES,
    "region": REGIONS,
    "sector": SECTORS,
}


class AllocationSlice(BaseModel):
    key: str
    value: float
    pct: float


class Breakdown(BaseModel):
    """One dimension of the look-through; `pct` values are shares of `classified_value`."""

    dimension: Dimension
    slices: list[AllocationSlice]
    classified_value: float
    unclassified_value: float
    coverage_pct: float
    unclassified_symbols: list[str]
    includes_cash: bool

    def pct_of(self, key: str) -> float:
        return next((s.pct for s in self.slices if s.key == key), 0.0)

    def value_of(self, key: str) -> float:
        return next((s.value for s in self.slices if s.key == key), 0.0)


class Allocation(BaseModel):
    asset_class: Breakdown
    region: Breakdown
    sector: Breakdown
    coverage_pct: float
    """Share of the portfolio's valued money (cash included) whose asset class is known."""
    unclassified_symbols: list[str]
    """Held symbols missing at least one breakdown."""


def _breakdown_of(instrument: InstrumentRead | None, dimension: Dimension) -> dict[str, float]:
    if instrument is None:
        return {}
    if dimension == "asset_class":
        return {str(k): v for k, v in (instrument.allocation_asset_class or {}).items()}
    if dimension == "region":
        return {str(k): v for k, v in (instrument.allocation_regions or {}).items()}
    return {str(k): v for k, v in (instrument.allocation_sectors or {}).items()}


def exposures(
    values_by_symbol: Mapping[str, float],
    cash: float,
    instruments: Mapping[str, InstrumentRead],
    dimension: Dimension,
) -> tuple[dict[str, float], float, list[str]]:
    """Unrounded look-through money per key, the unclassified value and its symbols."""
    money: dict[str, float] = {}
    unclassified_value = 0.0
    unclassified: list[str] = []
    for symbol, value in values_by_symbol.items():
        weights = _breakdown_of(instruments.get(symbol), dimension)
        if not weights:
            unclassified_value += value
            unclassified.append(symbol)
            continue
        for key, weight in weights.items():
            money[key] = money.get(key, 0.0) + value * weight / 100.0
    if dimension == "asset_class" and cash:
        money["cash"] = money.get("cash", 0.0) + cash
    return money, unclassified_value, sorted(unclassified)


def _breakdown(
    values_by_symbol: Mapping[str, float],
    cash: float,
    instruments: Mapping[str, InstrumentRead],
    dimension: Dimension,
) -> Breakdown:
    money, unclassified_value, unclassified = exposures(
        values_by_symbol, cash, instruments, dimension
    )
    classified = sum(money.values())
    order = {key: i for i, key in enumerate(_VOCABULARY[dimension])}
    slices = [
        AllocationSlice(key=key, value=cents(value), pct=pct(value, classified))
        for key, value in money.items()
        if value > 0
    ]
    slices.sort(key=lambda s: (-s.value, order.get(s.key, len(order))))
    return Breakdown(
        dimension=dimension,
        slices=slices,
        classified_value=cents(classified),
        unclassified_value=cents(unclassified_value),
        coverage_pct=100.0
        if classified + unclassified_value == 0
        else pct(classified, classified + unclassified_value),
        unclassified_symbols=unclassified,
        includes_cash=dimension == "asset_class",
    )


def look_through_values(
    values_by_symbol: Mapping[str, float],
    cash: float,
    instruments: Mapping[str, InstrumentRead],
) -> Allocation:
    """Look-through of arbitrary holdings (used for hypothetical, post-trade portfolios too)."""
    asset_class = _breakdown(values_by_symbol, cash, instruments, "asset_class")
    region = _breakdown(values_by_symbol, cash, instruments, "region")
    sector = _breakdown(values_by_symbol, cash, instruments, "sector")
    missing_any = set(asset_class.unclassified_symbols)
    missing_any |= set(region.unclassified_symbols) | set(sector.unclassified_symbols)
    return Allocation(
        asset_class=asset_class,
        region=region,
        sector=sector,
        coverage_pct=asset_class.coverage_pct,
        unclassified_symbols=sorted(missing_any),
    )


def look_through(
    valuation: PortfolioValuation, instruments: Mapping[str, InstrumentRead]
) -> Allocation:
    """Look-through of a valued portfolio; positions without a price are not included."""
    return look_through_values(valuation.values_by_symbol(), valuation.cash, instruments)
