"""Chart data: one `ChartSpec` schema for every chart, and the builders that fill it.

A spec is Recharts-ready JSON: `data` is a list of `{name, value, color?, target?}` points for
pies, donuts and bars; the retirement fan chart carries `bands` (one `BandPoint` per age with
p10…p90) instead. Builders compute every number here, so an agent only *chooses* charts by key
and gives them titles (`select_charts`); it never touches a figure."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alex.core.errors import ValidationFailedError
from alex.core.format import label, number, pct, pts
from alex.finance.allocation import Breakdown
from alex.finance.plan import PortfolioAnalysis
from alex.finance.rebalance import DriftItem
from alex.finance.retirement import BandPoint, RetirementProjection

ChartType = Literal["pie", "donut", "bar", "horizontal_bar", "area", "line"]
ChartUnit = Literal["currency", "percent", "pp"]

PRIMARY = "#209DD7"
AI = "#753991"
ACCENT = "#FFB707"
DARK = "#062147"
GOOD = "#16A34A"
BAD = "#DC2626"
# Extras chosen to sit with the brand colours: a light and a deep blue, teal, slate, rose,
# and a soft purple.
SKY = "#7CC8EC"
NAVY = "#1E4E8C"
TEAL = "#14B8A6"
SLATE = "#94A3B8"
ROSE = "#E76F8A"
LAVENDER = "#B48CD0"
PALETTE: tuple[str, ...] = (PRIMARY, DARK, AI, ACCENT, TEAL, SKY, NAVY, ROSE, LAVENDER, SLATE)

ASSET_CLASS_COLORS: dict[str, str] = {
    "equity": PRIMARY,
    "fixed_income": DARK,
    "real_estate": AI,
    "commodities": ACCENT,
    "cash": SLATE,
}

_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class _Shape(BaseModel):
    # Every field is in what the API sends (defaults included), so the web app's generated
    # types need no optional checks.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)


class ChartPoint(_Shape):
    name: str = Field(min_length=1)
    value: float
    color: str | None = None
    target: float | None = None
    """A comparison value on the same scale, e.g. the target share in a drift chart."""

    @field_validator("color")
    @classmethod
    def _hex(cls, value: str | None) -> str | None:
        if value is not None and not _HEX.fullmatch(value):
            raise ValueError(f"color '{value}' must be a #RRGGBB hex colour")
        return value


class ReferenceLine(_Shape):
    axis: Literal["x", "y"]
    value: float
    label: str


class ChartSpec(_Shape):
    key: str
    title: str = Field(min_length=1, max_length=120)
    type: ChartType
    description: str
    unit: ChartUnit
    x_label: str | None = None
    y_label: str | None = None
    data: list[ChartPoint] = Field(default_factory=list)
    bands: list[BandPoint] = Field(default_factory=list)
    """Fan chart series: x is `age` (or `year`), the band edges are p10…p90."""
    reference_lines: list[ReferenceLine] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError("key must be snake_case, starting with a letter")
        return value

    @model_validator(mode="after")
    def _shape(self) -> ChartSpec:
        if self.bands and self.data:
            raise ValueError("a chart has either data points or bands, not both")
        if not self.bands and not self.data:
            raise ValueError("a chart needs data points or bands")
        if self.bands and self.type not in ("area", "line"):
            raise ValueError("band series are drawn as 'area' or 'line' charts")
        if self.type in ("pie", "donut") and any(p.value < 0 for p in self.data):
            raise ValueError("pie and donut values cannot be negative")
        return self


class ChartChoice(BaseModel):
    """What the charter agent returns for each chart: a key it picked and its title."""

    key: str
    title: str = Field(min_length=1, max_length=120)
    description: str | None = None


def _slices(breakdown: Breakdown, colors: Mapping[str, str] | None = None) -> list[ChartPoint]:
    return [
        ChartPoint(
            name=label(s.key),
            value=s.pct,
            color=(colors or {}).get(s.key, PALETTE[i % len(PALETTE)]),
        )
        for i, s in enumerate(breakdown.slices)
    ]


def _coverage(breakdown: Breakdown) -> str:
    if breakdown.coverage_pct >= 100:
        return ""
    return (
        f" Covers {breakdown.coverage_pct:g}% of the value; unclassified: "
        f"{', '.join(breakdown.unclassified_symbols)}."
    )


def asset_class_donut(analysis: PortfolioAnalysis) -> ChartSpec | None:
    breakdown = analysis.allocation.asset_class
    if not breakdown.slices:
        return None
    return ChartSpec(
        key="asset_class_donut",
        title="Asset allocation",
        type="donut",
        unit="percent",
        description="Look-through share of each asset class, cash included." + _coverage(breakdown),
        data=_slices(breakdown, ASSET_CLASS_COLORS),
    )


def region_pie(analysis: PortfolioAnalysis) -> ChartSpec | None:
    breakdown = analysis.allocation.region
    if not breakdown.slices:
        return None
    return ChartSpec(
        key="region_pie",
        title="Regional exposure",
        type="pie",
        unit="percent",
        description="Look-through share of invested value by region (cash excluded)."
        + _coverage(breakdown),
        data=_slices(breakdown),
    )


def sector_bar(analysis: PortfolioAnalysis) -> ChartSpec | None:
    breakdown = analysis.allocation.sector
    if not breakdown.slices:
        return None
    return ChartSpec(
        key="sector_bar",
        title="Sector exposure",
        type="horizontal_bar",
        unit="percent",
        description="Look-through share of invested value by sector (cash excluded)."
        + _coverage(breakdown),
        data=[p.model_copy(update={"color": PRIMARY}) for p in _slices(breakdown)],
    )


def account_split(analysis: PortfolioAnalysis) -> ChartSpec | None:
    accounts = [a for a in analysis.valuation.accounts if a.total > 0]
    if not accounts:
        return None
    return ChartSpec(
        key="account_split",
        title="Value by account",
        type="pie",
        unit="currency",
        description="Value of each account, cash included.",
        data=[
            ChartPoint(name=a.account_name, value=a.total, color=PALETTE[i % len(PALETTE)])
            for i, a in enumerate(accounts)
        ],
    )


def top_holdings(analysis: PortfolioAnalysis) -> ChartSpec | None:
    holdings = analysis.concentration.top_holdings
    if not holdings:
        return None
    return ChartSpec(
        key="top_holdings",
        title="Top holdings",
        type="horizontal_bar",
        unit="currency",
        description=(
            f"The {len(holdings)} largest holdings across all accounts. Effective number of "
            f"holdings: {number(analysis.concentration.diversification_score, 1)}."
        ),
        data=[ChartPoint(name=h.symbol, value=h.value, color=PRIMARY) for h in holdings],
    )


def _drift_chart(items: list[DriftItem], key: str, title: str, threshold: float) -> ChartSpec:
    return ChartSpec(
        key=key,
        title=title,
        type="bar",
        unit="percent",
        description=(
            "Current share (value) against target; red bars are more than "
            f"{pts(threshold, signed=False)} from target."
        ),
        data=[
            ChartPoint(
                name=label(i.key),
                value=i.current_pct,
                target=i.target_pct,
                color=BAD if i.breach else GOOD,
            )
            for i in items
        ],
    )


def asset_class_drift(analysis: PortfolioAnalysis) -> ChartSpec | None:
    drift = analysis.drift
    if not drift.asset_class or analysis.allocation.asset_class.classified_value <= 0:
        return None
    return _drift_chart(
        drift.asset_class, "asset_class_drift", "Asset classes vs target", drift.threshold_pp
    )


def region_drift(analysis: PortfolioAnalysis) -> ChartSpec | None:
    drift = analysis.drift
    if not drift.region or analysis.allocation.region.classified_value <= 0:
        return None
    return _drift_chart(drift.region, "region_drift", "Regions vs target", drift.threshold_pp)


def retirement_fan(projection: RetirementProjection) -> ChartSpec:
    return ChartSpec(
        key="retirement_fan",
        title="Projected wealth",
        type="area",
        unit="currency",
        description=(
            "Portfolio value in today's money: the middle line is the median path, the "
            "shaded bands hold the middle 50% (p25–p75) and 80% (p10–p90) of "
            f"{number(projection.inputs.paths)} simulated paths. Success: "
            f"{pct(projection.success_pct)}."
        ),
        x_label="Age",
        y_label="Today's money",
        bands=projection.wealth_bands_real,
        reference_lines=[
            ReferenceLine(axis="x", value=projection.retirement_age, label="Retirement")
        ],
    )


def retirement_income_fan(projection: RetirementProjection) -> ChartSpec:
    return ChartSpec(
        key="retirement_income_fan",
        title="Retirement income",
        type="line",
        unit="currency",
        description="Yearly income paid in retirement, in today's money (p10–p90 across paths).",
        x_label="Age",
        y_label="Today's money",
        bands=projection.income_bands_real,
        reference_lines=[
            ReferenceLine(axis="y", value=projection.inputs.target_income, label="Target")
        ],
    )


PORTFOLIO_BUILDERS: dict[str, Callable[[PortfolioAnalysis], ChartSpec | None]] = {
    "asset_class_donut": asset_class_donut,
    "region_pie": region_pie,
    "sector_bar": sector_bar,
    "account_split": account_split,
    "top_holdings": top_holdings,
    "asset_class_drift": asset_class_drift,
    "region_drift": region_drift,
}
RETIREMENT_BUILDERS: dict[str, Callable[[RetirementProjection], ChartSpec]] = {
    "retirement_fan": retirement_fan,
    "retirement_income_fan": retirement_income_fan,
}


def build_all_charts(
    analysis: PortfolioAnalysis, projection: RetirementProjection | None = None
) -> dict[str, ChartSpec]:
    """Every chart that has data, by key (a chart with nothing to show is left out)."""
    charts: dict[str, ChartSpec] = {}
    for key, build in PORTFOLIO_BUILDERS.items():
        spec = build(analysis)
        if spec is not None:
            charts[key] = spec
    if projection is not None:
        for key, build_retirement in RETIREMENT_BUILDERS.items():
            charts[key] = build_retirement(projection)
    return charts


def select_charts(
    available: Mapping[str, ChartSpec], choices: list[ChartChoice]
) -> list[ChartSpec]:
    """The chosen charts, in the chosen order, with the agent's titles and descriptions."""
    unknown = [c.key for c in choices if c.key not in available]
    if unknown:
        raise ValidationFailedError(
            f"Unknown chart key(s): {', '.join(unknown)}. Available: {', '.join(available)}.",
            field="key",
        )
    selected = []
    seen: set[str] = set()
    for choice in choices:
        if choice.key in seen:
            continue
        seen.add(choice.key)
        update: dict[str, str] = {"title": choice.title}
        if choice.description:
            update["description"] = choice.description
        selected.append(available[choice.key].model_copy(update=update))
    return selected
