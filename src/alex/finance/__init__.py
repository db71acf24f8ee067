"""Pure finance engines: plain data in, Pydantic models out; no I/O, no database, no network.

Start with `analyse_portfolio` and `project_retirement_for` (plan.py), then
`build_all_charts` (charts.py). docs/finance.md documents the models and assumptions."""

from alex.finance.allocation import Allocation, AllocationSlice, Breakdown, look_through
from alex.finance.assumptions import DEFAULT_ASSUMPTIONS, MarketAssumptions, ReturnAssumption
from alex.finance.charts import (
    ChartChoice,
    ChartPoint,
    ChartSpec,
    ReferenceLine,
    build_all_charts,
    select_charts,
)
from alex.finance.concentration import Concentration, Holding, analyse_concentration
from alex.finance.plan import (
    DataQuality,
    PortfolioAnalysis,
    analyse_portfolio,
    project_retirement_for,
    retirement_inputs_for,
)
from alex.finance.rebalance import (
    DriftItem,
    DriftReport,
    RebalancePlan,
    Trade,
    compute_drift,
    plan_rebalance,
)
from alex.finance.retirement import (
    BandPoint,
    GuardrailSettings,
    RetirementInputs,
    RetirementProjection,
    project_retirement,
)
from alex.finance.valuation import MissingPrice, PortfolioValuation, value_portfolio

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "Allocation",
    "AllocationSlice",
    "BandPoint",
    "Breakdown",
    "ChartChoice",
    "ChartPoint",
    "ChartSpec",
    "Concentration",
    "DataQuality",
    "DriftItem",
    "DriftReport",
    "GuardrailSettings",
    "Holding",
    "MarketAssumptions",
    "MissingPrice",
    "PortfolioAnalysis",
    "PortfolioValuation",
    "RebalancePlan",
    "ReferenceLine",
    "RetirementInputs",
    "RetirementProjection",
    "ReturnAssumption",
    "Trade",
    "analyse_concentration",
    "analyse_portfolio",
    "build_all_charts",
    "compute_drift",
    "look_through",
    "plan_rebalance",
    "project_retirement",
    "project_retirement_for",
    "retirement_inputs_for",
    "select_charts",
    "value_portfolio",
]
