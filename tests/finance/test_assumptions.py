"""Default market assumptions: complete, valid, and in line with US history."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from pydantic import ValidationError

from alex.core.config import PROJECT_ROOT
from alex.finance.assumptions import DEFAULT_ASSUMPTIONS, DEFAULT_INFLATION_PCT, MarketAssumptions
from alex.schemas import ASSET_CLASSES

# Shipped with the project (public domain, see data/shiller/NOTICE.md).
SHILLER_CSV = PROJECT_ROOT / "data" / "shiller" / "shiller_monthly.csv"


def test_every_asset_class_has_a_return_and_a_risk() -> None:
    for asset_class in ASSET_CLASSES:
        assumption = DEFAULT_ASSUMPTIONS.returns[asset_class]
        assert assumption.expected_return_pct > 0, asset_class
        assert assumption.volatility_pct > 0, asset_class
        assert assumption.basis
    # Riskier classes are expected to earn more.
    r = {c: DEFAULT_ASSUMPTIONS.returns[c].expected_return_pct for c in ASSET_CLASSES}
    assert r["cash"] < r["fixed_income"] < r["real_estate"] < r["equity"]


def test_default_correlation_matrix_is_valid() -> None:
    matrix = np.array(DEFAULT_ASSUMPTIONS.correlation)
    assert np.allclose(matrix, matrix.T)
    assert np.linalg.eigvalsh(matrix).min() > 0  # positive definite, so Cholesky works
    np.linalg.cholesky(DEFAULT_ASSUMPTIONS.covariance())


@pytest.mark.parametrize(
    ("row", "values", "message"),
    [
        (0, [1.0, 0.9, 0.9, 0.9, 0.0], "symmetric"),
        (1, [0.1, 2.0, 0.25, -0.05, 0.25], "ones on the diagonal"),
        (4, None, "5×5"),
    ],
)
def test_invalid_correlations_are_rejected(
    row: int, values: list[float] | None, message: str
) -> None:
    matrix = [list(r) for r in DEFAULT_ASSUMPTIONS.correlation]
    if values is None:
        del matrix[row]
    else:
        matrix[row] = values
    with pytest.raises(ValidationError, match=message):
        MarketAssumptions(returns=DEFAULT_ASSUMPTIONS.returns, correlation=matrix)


def test_non_positive_semidefinite_matrix_is_rejected() -> None:
    matrix = np.eye(5)
    matrix[0, 1] = matrix[1, 0] = 0.9
    matrix[0, 2] = matrix[2, 0] = 0.9
    matrix[1, 2] = matrix[2, 1] = -0.9
    with pytest.raises(ValidationError, match="positive semi-definite"):
        MarketAssumptions(returns=DEFAULT_ASSUMPTIONS.returns, correlation=matrix.tolist())


def test_missing_asset_class_is_rejected() -> None:
    returns = {k: v for k, v in DEFAULT_ASSUMPTIONS.returns.items() if k != "commodities"}
    with pytest.raises(ValidationError, match="commodities"):
        MarketAssumptions(returns=returns, correlation=DEFAULT_ASSUMPTIONS.correlation)


def test_portfolio_moments_match_sampled_multi_asset_returns() -> None:
    """The engine's one-draw-per-year shortcut has the moments of the full asset vector."""
    weights = {"equity": 50.0, "fixed_income": 20.0, "real_estate": 15.0, "commodities": 10.0}
    weights["cash"] = 5.0
    mean, vol = DEFAULT_ASSUMPTIONS.portfolio_moments(weights)
    w = np.array([weights[c] / 100 for c in ASSET_CLASSES])
    rng = np.random.default_rng(0)
    draws = rng.multivariate_normal(
        DEFAULT_ASSUMPTIONS.means(), DEFAULT_ASSUMPTIONS.covariance(), 200_000
    )
    portfolio = draws @ w
    assert mean == pytest.approx(portfolio.mean(), abs=0.0005)
    assert vol == pytest.approx(portfolio.std(), rel=0.01)
    explicit = sum(
        w[i] * w[j] * DEFAULT_ASSUMPTIONS.covariance()[i, j] for i in range(5) for j in range(5)
    )
    assert vol == pytest.approx(math.sqrt(explicit), rel=1e-12)


# ------------------------------------------------------------------ history (Shiller)


def shiller_annual() -> dict[str, np.ndarray]:
    """January-to-January stock total return, 10-year bond return and CPI inflation."""
    rows = []
    with SHILLER_CSV.open() as handle:
        for row in csv.DictReader(handle):
            fields = ("Dividend", "Consumer Price Index", "Long Interest Rate")
            if row["Date"].endswith("-01-01") and all(float(row[f]) > 0 for f in fields):
                rows.append(row)
    years = [int(r["Date"][:4]) for r in rows]
    assert years == list(range(years[0], years[0] + len(years))), "gap in the history"
    price = np.array([float(r["SP500"]) for r in rows])
    dividend = np.array([float(r["Dividend"]) for r in rows])
    cpi = np.array([float(r["Consumer Price Index"]) for r in rows])
    y = np.array([float(r["Long Interest Rate"]) / 100 for r in rows])
    # A 10-year par bond bought at y0, sold a year later as a 9-year bond at y1, plus coupon.
    nine = y[1:]
    bond_price = y[:-1] * (1 - (1 + nine) ** -9) / nine + (1 + nine) ** -9
    return {
        "stocks": (price[1:] + dividend[1:]) / price[:-1] - 1,
        "bonds": bond_price + y[:-1] - 1,
        "inflation": cpi[1:] / cpi[:-1] - 1,
    }


def test_defaults_are_in_line_with_us_history() -> None:
    history = shiller_annual()
    assert len(history["stocks"]) > 140
    stocks_mean = 100 * history["stocks"].mean()
    stocks_vol = 100 * history["stocks"].std(ddof=1)
    equity = DEFAULT_ASSUMPTIONS.returns["equity"]
    # Deliberately below the US record (survivorship, valuations), but by at most 3 pp.
    assert stocks_mean - 3 <= equity.expected_return_pct <= stocks_mean
    assert abs(equity.volatility_pct - stocks_vol) <= 3
    bonds = DEFAULT_ASSUMPTIONS.returns["fixed_income"]
    assert abs(bonds.expected_return_pct - 100 * history["bonds"].mean()) <= 1
    assert abs(bonds.volatility_pct - 100 * history["bonds"].std(ddof=1)) <= 2
    assert abs(DEFAULT_INFLATION_PCT - 100 * history["inflation"].mean()) <= 1
    correlation = np.corrcoef(history["stocks"], history["bonds"])[0, 1]
    assert abs(DEFAULT_ASSUMPTIONS.correlation[0][1] - correlation) <= 0.15
