"""Default capital-market assumptions for the retirement Monte Carlo.

Annual, nominal, *arithmetic* means and volatilities per asset class, and one correlation
matrix. Every class has its own return: none silently earns 0. The reasoning and sources are
in docs/finance.md; in short, US history (Shiller data 1871–2022: stocks 10.5 % mean, 17.7 %
volatility; 10-year Treasuries 4.6 % / 6.0 %) trimmed for survivorship and today's
valuations, and long-run REIT, commodity and T-bill records."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field, model_validator

from alex.schemas import ASSET_CLASSES, AssetClass

DEFAULT_INFLATION_PCT = 2.5

FloatArray = NDArray[np.float64]


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


DEFAULT_ASSUMPTIONS = MarketAssumptions(
    returns={
        "equity": ReturnAssumption(
            expected_return_pct=8.5,
            volatility_pct=17.0,
            basis="US stocks 1871–2022 averaged 10.5 % (volatility 17.7 %); trimmed 2 pp for "
            "survivorship and high starting valuations, in line with world-equity history.",
        ),
        "fixed_income": ReturnAssumption(
            expected_return_pct=4.5,
            volatility_pct=6.0,
            basis="10-year US Treasuries 1871–2022 returned 4.6 % (volatility 6.0 %); "
            "investment-grade yields today are about 4–5 %.",
        ),
        "real_estate": ReturnAssumption(
            expected_return_pct=7.5,
            volatility_pct=19.0,
            basis="Listed REITs since 1972 returned about 9–10 % a year with equity-like "
            "volatility; trimmed like equities.",
        ),
        "commodities": ReturnAssumption(
            expected_return_pct=5.0,
            volatility_pct=20.0,
            basis="Broad commodities and gold have earned roughly inflation plus a little "
            "over the long run, with high volatility.",
        ),
        "cash": ReturnAssumption(
            expected_return_pct=3.0,
            volatility_pct=1.0,
            basis="US Treasury bills 1926–2023 averaged about 3.3 %, roughly inflation + 0.5 %.",
        ),
    },
    # Order: equity, fixed_income, real_estate, commodities, cash.
    correlation=[
        [1.00, 0.10, 0.65, 0.30, 0.00],
        [0.10, 1.00, 0.25, -0.05, 0.25],
        [0.65, 0.25, 1.00, 0.20, 0.00],
        [0.30, -0.05, 0.20, 1.00, 0.05],
        [0.00, 0.25, 0.00, 0.05, 1.00],
    ],
)
