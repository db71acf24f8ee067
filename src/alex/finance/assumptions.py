"""Default capital-market assumptions for the retirement Monte Carlo's parametric models.

Annual, nominal, *arithmetic* means and volatilities per asset class, and one correlation
matrix, read by the `normal` and `student_t` return models. Every class has its own return:
none silently earns 0.

Calibrated from the shipped history. `scripts/calibrate_assumptions.py` computes the moments of
`history/market_history.csv` (US, 1871–2022, 152 years, January to January; see
`history/NOTICE.md`) and writes `history/calibration.json`; this module builds
`DEFAULT_ASSUMPTIONS` from that file plus the named, documented adjustments below, so the
defaults and the historical and bootstrap models rest on the same data.
`tests/finance/test_calibration.py` keeps the script, the file and these defaults in step.

- **Equity**: the calibrated stocks volatility (18.0 %) and correlations; the mean is the
  calibrated 10.7 % minus `EQUITY_FORWARD_TRIM_PCT` (2 pp).
- **Fixed income** (10-year Treasuries, 4.6 % mean, 6.0 % volatility) and **cash** (the bill
  proxy, 3.0 % / 2.3 %): calibrated as they are, with their correlations with equity and with
  each other. The cash–bonds correlation (+0.54) is partly by construction: the proxy earns
  last January's 10-year yield minus 1.5 pp, and a bond's return starts from the same yield.
- **Real estate** and **commodities** have no long record in the table (the historical models
  replay stocks and inflation for them), so they keep their own documented assumptions and
  correlations (`REAL_ESTATE`, `COMMODITIES`, `UNCALIBRATED_CORRELATIONS`).

Inflation. The parametric models hold inflation fixed at `inflation_pct` (default
`DEFAULT_INFLATION_PCT`, 2.5 %); random inflation, correlated with returns as it was, is what
the historical and bootstrap models provide. The history's own inflation is in
`HISTORICAL_INFLATION`: mean 2.3 % (geometric 2.1 %), volatility 5.9 %; correlation with
nominal stocks +0.12, bonds −0.10, cash +0.18, and with real stocks −0.20, bonds −0.75, cash
−0.93. The default stays 2.5 %: the 1871–2022 mean includes the gold-standard era's deflations
(and before 1913 a producer price index), while 1926–2022 averaged 3.0 %; 2.5 % sits between,
a little above the Federal Reserve's 2 % target.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from importlib import resources

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alex.finance.return_models import SERIES, Series
from alex.schemas import ASSET_CLASSES, AssetClass

DEFAULT_INFLATION_PCT = 2.5
"""The user-facing default inflation rate, percent a year (see the module docstring)."""

EQUITY_FORWARD_TRIM_PCT = 2.0
"""Percentage points taken off the calibrated US stock mean. The US is one of the markets that
did best over the long run (survivorship: an investor in 1871 could not know which would), world
equities since 1900 earned less, and today's valuations are high (high prices for earnings have
been followed by lower returns): a forward-looking mean sits below the US record."""

CALIBRATION_FILE = ("history", "calibration.json")

FloatArray = NDArray[np.float64]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SeriesMoments(_Frozen):
    """Moments of the yearly series, decimals, keyed by series name."""

    mean: dict[Series, float]
    geometric_mean: dict[Series, float]
    volatility: dict[Series, float]
    correlation: dict[Series, dict[Series, float]]

    @model_validator(mode="after")
    def _complete(self) -> SeriesMoments:
        vectors = (self.mean, self.geometric_mean, self.volatility, *self.correlation.values())
        if set(self.correlation) != set(SERIES) or any(set(v) != set(SERIES) for v in vectors):
            raise ValueError(f"every moment needs all of {', '.join(SERIES)}")
        return self

    def correlation_matrix(self) -> FloatArray:
        """Rows and columns in `SERIES` order."""
        return np.array([[self.correlation[r][c] for c in SERIES] for r in SERIES])


class Period(_Frozen):
    first_year: int
    last_year: int


class HistoricalCalibration(_Frozen):
    """`history/calibration.json`, written by `scripts/calibrate_assumptions.py`."""

    description: str
    source: str
    period: Period
    years: int
    series: tuple[Series, ...]
    nominal: SeriesMoments
    real: SeriesMoments
    """Stocks, bonds and cash deflated by CPI; the inflation entries stay nominal inflation."""


@cache
def load_calibration() -> HistoricalCalibration:
    """The shipped calibration, read once (works from an installed package too)."""
    resource = resources.files("alex.finance").joinpath(*CALIBRATION_FILE)
    return HistoricalCalibration.model_validate_json(resource.read_text(encoding="utf-8"))


class InflationRecord(_Frozen):
    """Inflation in the shipped history, for docs and tests; the parametric models do not draw
    it (they use the fixed `inflation_pct`)."""

    first_year: int
    last_year: int
    mean_pct: float
    geometric_mean_pct: float
    volatility_pct: float
    correlation_nominal: dict[Series, float]
    """With the nominal returns of stocks, bonds and cash."""
    correlation_real: dict[Series, float]
    """With the real returns of stocks, bonds and cash."""


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _percent(value: float) -> float:
    """A calibrated decimal as a percentage, to the file's precision (1e-6 → 0.0001 pp)."""
    return round(100 * value, 4)


def _inflation_record(calibration: HistoricalCalibration) -> InflationRecord:
    nominal, real = calibration.nominal, calibration.real
    others = [s for s in SERIES if s != "inflation"]
    return InflationRecord(
        first_year=calibration.period.first_year,
        last_year=calibration.period.last_year,
        mean_pct=_percent(nominal.mean["inflation"]),
        geometric_mean_pct=_percent(nominal.geometric_mean["inflation"]),
        volatility_pct=_percent(nominal.volatility["inflation"]),
        correlation_nominal={s: nominal.correlation["inflation"][s] for s in others},
        correlation_real={s: real.correlation["inflation"][s] for s in others},
    )


class ReturnAssumption(BaseModel):
    expected_return_pct: float = Field(ge=-50, le=50)
    """Arithmetic mean annual nominal return, percent."""
    volatility_pct: float = Field(ge=0, le=100)
    """Standard deviation of the annual return, percent."""
    basis: str = ""


class MarketAssumptions(BaseModel):
    returns: dict[AssetClass, ReturnAssumption]
    correlation: list[list[float]]
    """Correlations of annual returns, rows and columns in `ASSET_CLASSES` order."""

    @model_validator(mode="after")
    def _check(self) -> MarketAssumptions:
        missing = [c for c in ASSET_CLASSES if c not in self.returns]
        if missing:
            raise ValueError(f"returns: missing an assumption for {', '.join(missing)}")
        n = len(ASSET_CLASSES)
        matrix = np.array(self.correlation, dtype=float)
        if matrix.shape != (n, n):
            raise ValueError(f"correlation must be {n}×{n} in the order {', '.join(ASSET_CLASSES)}")
        if not np.allclose(matrix, matrix.T) or not np.allclose(np.diag(matrix), 1.0):
            raise ValueError("correlation must be symmetric with ones on the diagonal")
        if np.abs(matrix).max() > 1.0 or np.linalg.eigvalsh(matrix).min() < -1e-9:
            raise ValueError("correlation must be a valid (positive semi-definite) matrix")
        return self

    def means(self) -> FloatArray:
        return np.array([self.returns[c].expected_return_pct / 100 for c in ASSET_CLASSES])

    def covariance(self) -> FloatArray:
        vols = np.array([self.returns[c].volatility_pct / 100 for c in ASSET_CLASSES])
        covariance: FloatArray = np.outer(vols, vols) * np.array(self.correlation, dtype=float)
        return covariance

    def portfolio_moments(self, allocation_pct: Mapping[str, float]) -> tuple[float, float]:
        """Mean and volatility (fractions) of a portfolio rebalanced yearly to `allocation_pct`."""
        w = np.array([allocation_pct.get(c, 0.0) / 100 for c in ASSET_CLASSES])
        variance = float(w @ self.covariance() @ w)
        return float(w @ self.means()), math.sqrt(max(variance, 0.0))


CALIBRATED_PROXY: dict[AssetClass, Series] = {
    "equity": "stocks",
    "fixed_income": "bonds",
    "cash": "cash",
}
"""The asset classes whose volatility, and correlations with each other, are the history's."""

REAL_ESTATE = ReturnAssumption(
    expected_return_pct=7.5,
    volatility_pct=19.0,
    basis="Documented assumption, not calibrated: the shipped history has no long real-estate "
    "record (the historical models replay stocks for it). Listed REITs since 1972 returned "
    "about 9–10 % a year with equity-like volatility; trimmed like equities.",
)

COMMODITIES = ReturnAssumption(
    expected_return_pct=5.0,
    volatility_pct=20.0,
    basis="Documented assumption, not calibrated: the shipped history has no commodity record "
    "(the historical models replay inflation for it, which understates the volatility). Broad "
    "commodities and gold have earned roughly inflation plus a little over the long run, with "
    "high volatility.",
)

UNCALIBRATED_CORRELATIONS: dict[tuple[AssetClass, AssetClass], float] = {
    ("equity", "real_estate"): 0.65,
    ("equity", "commodities"): 0.30,
    ("fixed_income", "real_estate"): 0.25,
    ("fixed_income", "commodities"): -0.05,
    ("real_estate", "commodities"): 0.20,
    ("real_estate", "cash"): 0.00,
    ("commodities", "cash"): 0.05,
}
"""Documented assumptions for every pair involving real estate or commodities: REITs move with
stocks (about 0.6–0.7) and somewhat with bonds (rates); commodities rise a little with stocks
(growth) and hardly move with bonds or bills."""


def build_assumptions(calibration: HistoricalCalibration) -> MarketAssumptions:
    """`DEFAULT_ASSUMPTIONS` from a calibration: equity, fixed income and cash from their
    series (equity's mean less `EQUITY_FORWARD_TRIM_PCT`), real estate and commodities from
    their documented assumptions."""
    m = calibration.nominal
    years = f"{calibration.period.first_year}–{calibration.period.last_year}"

    def vol(series: Series) -> float:
        return _percent(m.volatility[series])

    stocks, bonds, cash = (m.mean[s] for s in ("stocks", "bonds", "cash"))
    returns: dict[AssetClass, ReturnAssumption] = {
        "equity": ReturnAssumption(
            expected_return_pct=round(_percent(stocks) - EQUITY_FORWARD_TRIM_PCT, 4),
            volatility_pct=vol("stocks"),
            basis=f"Calibrated: US stocks {years} averaged {_pct(stocks)} a year (volatility "
            f"{_pct(m.volatility['stocks'])}); the mean is trimmed "
            f"{EQUITY_FORWARD_TRIM_PCT:g} pp for the survivorship of the US market and today's "
            "high valuations, in line with world-equity history.",
        ),
        "fixed_income": ReturnAssumption(
            expected_return_pct=_percent(bonds),
            volatility_pct=vol("bonds"),
            basis=f"Calibrated: 10-year US Treasuries {years} returned {_pct(bonds)} a year "
            f"(volatility {_pct(m.volatility['bonds'])}); investment-grade yields today are "
            "about 4–5 %.",
        ),
        "real_estate": REAL_ESTATE,
        "commodities": COMMODITIES,
        "cash": ReturnAssumption(
            expected_return_pct=_percent(cash),
            volatility_pct=vol("cash"),
            basis=f"Calibrated: the history's bill proxy (last January's 10-year yield less "
            f"1.5 pp) {years} returned {_pct(cash)} a year (volatility "
            f"{_pct(m.volatility['cash'])}); US Treasury bills 1926–2023 averaged about 3.3 %.",
        ),
    }
    index = {c: i for i, c in enumerate(ASSET_CLASSES)}
    matrix = np.eye(len(ASSET_CLASSES))
    for a, series_a in CALIBRATED_PROXY.items():
        for b, series_b in CALIBRATED_PROXY.items():
            if a != b:
                matrix[index[a], index[b]] = m.correlation[series_a][series_b]
    for (a, b), value in UNCALIBRATED_CORRELATIONS.items():
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = value
    return MarketAssumptions(returns=returns, correlation=matrix.tolist())


HISTORICAL_CALIBRATION = load_calibration()
"""The moments of the shipped history (`history/calibration.json`)."""

HISTORICAL_INFLATION = _inflation_record(HISTORICAL_CALIBRATION)
"""The history's inflation: mean, volatility, correlations (see the module docstring)."""

DEFAULT_ASSUMPTIONS = build_assumptions(HISTORICAL_CALIBRATION)
"""Rows and columns of the correlation matrix in `ASSET_CLASSES` order: equity, fixed_income,
real_estate, commodities, cash."""
