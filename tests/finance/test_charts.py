"""Chart specs: every builder produces a spec that validates and round-trips as JSON."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from alex.core.errors import ValidationFailedError
from alex.finance.charts import (
    BAD,
    GOOD,
    PORTFOLIO_BUILDERS,
    RETIREMENT_BUILDERS,
    ChartChoice,
    ChartPoint,
    ChartSpec,
    build_all_charts,
    select_charts,
)
from alex.finance.plan import PortfolioAnalysis, analyse_portfolio
from alex.finance.retirement import BandPoint, RetirementProjection

from .factories import account, snapshot


def test_every_builder_produces_a_valid_spec(
    demo_analysis: PortfolioAnalysis, demo_projection: RetirementProjection
) -> None:
    charts = build_all_charts(demo_analysis, demo_projection)
    assert set(charts) == set(PORTFOLIO_BUILDERS) | set(RETIREMENT_BUILDERS)
    for key, spec in charts.items():
        assert spec.key == key
        again = ChartSpec.model_validate_json(spec.model_dump_json())
        assert again == spec
        assert spec.data or spec.bands
        assert all(p.color is None or p.color.startswith("#") for p in spec.data)


def test_allocation_charts_carry_the_look_through_numbers(
    demo_analysis: PortfolioAnalysis,
) -> None:
    charts = build_all_charts(demo_analysis)
    donut = charts["asset_class_donut"]
    assert donut.type == "donut"
    assert sum(p.value for p in donut.data) == pytest.approx(100, abs=0.05)
    expected = {s.key: s.pct for s in demo_analysis.allocation.asset_class.slices}
    assert {p.name.lower().replace(" ", "_"): p.value for p in donut.data} == expected
    assert "ARKK" in donut.description  # coverage is stated when below 100 %
    accounts = charts["account_split"]
    assert sum(p.value for p in accounts.data) == pytest.approx(demo_analysis.valuation.total)
    top = charts["top_holdings"]
    assert [p.name for p in top.data] == [
        h.symbol for h in demo_analysis.concentration.top_holdings
    ]


def test_drift_chart_marks_breaches(demo_analysis: PortfolioAnalysis) -> None:
    chart = build_all_charts(demo_analysis)["asset_class_drift"]
    by_name = {p.name: p for p in chart.data}
    for item in demo_analysis.drift.asset_class:
        point = by_name[item.key.replace("_", " ").capitalize()]
        assert (point.value, point.target) == (item.current_pct, item.target_pct)
        assert point.color == (BAD if item.breach else GOOD)


def test_fan_chart_uses_real_wealth_bands(demo_projection: RetirementProjection) -> None:
    fan = build_all_charts(
        analyse_portfolio(snapshot(account("A", "401k", "10", {"SPY": 1}))), demo_projection
    )["retirement_fan"]
    assert fan.bands == demo_projection.wealth_bands_real
    assert fan.reference_lines[0].value == demo_projection.retirement_age
    assert fan.type == "area" and fan.unit == "currency"


def test_portfolio_without_holdings_leaves_out_empty_charts() -> None:
    charts = build_all_charts(analyse_portfolio(snapshot(account("A", "taxable", "0", {}))))
    assert charts == {}


def test_selection_keeps_numbers_and_takes_the_agents_titles(
    demo_analysis: PortfolioAnalysis,
) -> None:
    charts = build_all_charts(demo_analysis)
    chosen = select_charts(
        charts,
        [
            ChartChoice(key="region_pie", title="Where your money is invested"),
            ChartChoice(key="asset_class_donut", title="Your mix", description="Mostly stocks."),
            ChartChoice(key="region_pie", title="Duplicate"),
        ],
    )
    assert [c.key for c in chosen] == ["region_pie", "asset_class_donut"]
    assert chosen[0].title == "Where your money is invested"
    assert chosen[0].data == charts["region_pie"].data
    assert chosen[1].description == "Mostly stocks."
    with pytest.raises(ValidationFailedError, match="made_up"):
        select_charts(charts, [ChartChoice(key="made_up", title="x")])


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "pie", "data": [{"name": "a", "value": -1}]},
        {"type": "bar", "data": []},
        {"type": "bar", "data": [{"name": "a", "value": 1, "color": "blue"}]},
        {
            "type": "bar",
            "bands": [
                {"year_index": 0, "age": 40, "p10": 1, "p25": 2, "p50": 3, "p75": 4, "p90": 5}
            ],
        },
        {
            "type": "area",
            "bands": [
                {"year_index": 0, "age": 40, "p10": 5, "p25": 2, "p50": 3, "p75": 4, "p90": 5}
            ],
        },
        {"type": "radar", "data": [{"name": "a", "value": 1}]},
    ],
)
def test_malformed_specs_are_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ChartSpec.model_validate(
            {"key": "x", "title": "X", "description": "", "unit": "percent", **fields}
        )


def test_schema_accepts_both_point_and_band_charts() -> None:
    ChartSpec(
        key="pie",
        title="Pie",
        type="pie",
        description="",
        unit="percent",
        data=[ChartPoint(name="a", value=1.0, color="#209DD7")],
    )
    ChartSpec(
        key="fan",
        title="Fan",
        type="area",
        description="",
        unit="currency",
        bands=[BandPoint(year_index=0, age=40, p10=1, p25=2, p50=3, p75=4, p90=5)],
    )
