"""Return models built from US market history since 1871 (Shiller's data, public domain).

The shipped table `history/market_history.csv` holds one row per calendar year (January to
January): nominal total returns of stocks (S&P composite, dividends reinvested), a
constant-maturity 10-year Treasury and a cash proxy, and CPI inflation. It is derived by
`scripts/derive_market_history.py`; method, caveats and proxies are in `history/NOTICE.md`.

Models:

- `historical_paths`: every rolling start year with a full window, the real sequence of
  (stocks, bonds, cash, inflation) that followed — inflation is random and correlated with
  returns exactly as it was. No wraparound, so a 30-year window needs 30 real years.
- `bootstrap_paths`: circular block bootstrap of the yearly tuples. Whole years are drawn
  together, so same-year correlations are kept; blocks of consecutive years keep some of the
  serial structure (inflation persistence, mean reversion of bond yields). With uniform
  block starts on a circle every year is equally likely, so the bootstrap's mean and variance
  converge to the history's.
- `calibrate`: means, volatilities and correlations of the same table, nominal and real, to
  set the parametric model's defaults from the same data.

Asset classes without a long record use proxies (`ASSET_CLASS_PROXY`): real estate follows
stocks (listed REITs are equities), commodities follow inflation (zero real return, the
long-run record of spot commodity prices) and cash is the documented bill proxy. The
historical models therefore understate commodities' volatility and overstate real estate's
correlation with stocks; the parametric model keeps its own assumptions for both.

`withdrawal_success` is the Trinity-study test: a constant-mix portfolio rebalanced yearly,
an inflation-adjusted withdrawal taken at the start of each year, success when the money
never runs out.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from alex.schemas import AssetClass

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

Series = Literal["stocks", "bonds", "cash", "inflation"]
SERIES: tuple[Series, ...] = ("stocks", "bonds", "cash", "inflation")

ASSET_CLASS_PROXY: dict[AssetClass, Series] = {
    "equity": "stocks",
    "fixed_income": "bonds",
    "real_estate": "stocks",
    "commodities": "inflation",
    "cash": "cash",
}
"""Which historical series stands in for each asset class (see the module docstring)."""

_HISTORY_FILE = ("history", "market_history.csv")


@dataclass(frozen=True)
class MarketHistory:
    """Yearly decimal nominal returns, index i is calendar year `years[i]` (Jan → Jan)."""

    years: IntArray
    stocks: FloatArray
    bonds: FloatArray
    cash: FloatArray
    inflation: FloatArray

    def __post_init__(self) -> None:
        n = len(self.years)
        if any(len(self.series(name)) != n for name in SERIES):
            raise ValueError("every series needs one value per year")

    def series(self, name: Series) -> FloatArray:
        values: FloatArray = getattr(self, name)
        return values

    def matrix(self) -> FloatArray:
        """Shape (years, 4), columns in `SERIES` order."""
        return np.column_stack([self.series(name) for name in SERIES])


@dataclass(frozen=True)
class ReturnPaths:
    """Paths of yearly returns, each array of shape (paths, years)."""

    stocks: FloatArray
    bonds: FloatArray
    cash: FloatArray
    inflation: FloatArray
    start_years: IntArray | None = None
    """For historical paths, the calendar year each path starts in."""

    def series(self, name: Series) -> FloatArray:
        values: FloatArray = getattr(self, name)
        return values


@dataclass(frozen=True)
class Calibration:
    """Moments of the yearly series, rows and columns in `SERIES` order."""

    series: tuple[Series, ...]
    mean: FloatArray
    """Arithmetic mean, decimal."""
    geometric_mean: FloatArray
    volatility: FloatArray
    """Sample standard deviation (n − 1), decimal."""
    correlation: FloatArray


@dataclass(frozen=True)
class Calibrations:
    nominal: Calibration
    real: Calibration
    """Stocks, bonds and cash deflated by CPI; the inflation row stays nominal inflation, so
    the matrix shows how real returns moved with it."""


def parse_history(text: str) -> MarketHistory:
    rows = list(csv.DictReader(io.StringIO(text)))
    return MarketHistory(
        years=np.array([int(r["year"]) for r in rows], dtype=np.int64),
        **{name: np.array([float(r[name]) for r in rows]) for name in SERIES},
    )


@cache
def load_history() -> MarketHistory:
    """The shipped yearly table, read once (works from an installed package too)."""
    resource = resources.files("alex.finance").joinpath(*_HISTORY_FILE)
    return parse_history(resource.read_text(encoding="utf-8"))


def historical_paths(history: MarketHistory, years: int) -> ReturnPaths:
    """Every full `years`-long window of real history, one path per start year."""
    n = len(history.years)
    if not 1 <= years <= n:
        raise ValueError(f"years must be between 1 and {n}, got {years}")
    windows = n - years + 1
    index = np.arange(windows)[:, None] + np.arange(years)[None, :]
    return ReturnPaths(
        **{name: history.series(name)[index] for name in SERIES},
        start_years=history.years[:windows].copy(),
    )


def bootstrap_paths(
    history: MarketHistory,
    years: int,
    paths: int,
    block_length: int = 5,
    seed: int | np.random.Generator = 0,
) -> ReturnPaths:
    """Circular block bootstrap of whole years: blocks of `block_length` consecutive years,
    starting anywhere (wrapping from the last year to the first), until `years` are filled."""
    n = len(history.years)
    if years < 1 or paths < 1:
        raise ValueError("years and paths must be positive")
    if not 1 <= block_length <= n:
        raise ValueError(f"block_length must be between 1 and {n}, got {block_length}")
    rng = np.random.default_rng(seed)
    blocks = -(-years // block_length)
    starts = rng.integers(0, n, size=(paths, blocks))
    index = (starts[:, :, None] + np.arange(block_length)[None, None, :]) % n
    index = index.reshape(paths, blocks * block_length)[:, :years]
    return ReturnPaths(**{name: history.series(name)[index] for name in SERIES})


def _moments(columns: tuple[Series, ...], data: FloatArray) -> Calibration:
    growth = np.log1p(data)
    correlation: FloatArray = np.atleast_2d(np.corrcoef(data, rowvar=False))
    return Calibration(
        series=columns,
        mean=data.mean(axis=0),
        geometric_mean=np.expm1(growth.mean(axis=0)),
        volatility=data.std(axis=0, ddof=1),
        correlation=correlation,
    )


def calibrate(history: MarketHistory) -> Calibrations:
    nominal = history.matrix()
    real = nominal.copy()
    deflator = 1 + history.inflation
    for i, name in enumerate(SERIES):
        if name != "inflation":
            real[:, i] = (1 + nominal[:, i]) / deflator - 1
    return Calibrations(nominal=_moments(SERIES, nominal), real=_moments(SERIES, real))


@dataclass(frozen=True)
class WithdrawalOutcome:
    ending_balance: FloatArray
    """Per path, nominal, as a multiple of the starting portfolio; 0 once depleted."""
    depleted: NDArray[np.bool_]


def simulate_withdrawals(
    returns_stocks: FloatArray,
    returns_bonds: FloatArray,
    inflation: FloatArray,
    *,
    stock_weight: float,
    initial_rate: float,
    years: int,
) -> WithdrawalOutcome:
    """Trinity-style retirement over paths of shape (paths, ≥ years), starting with 1.

    Each year: take the withdrawal (initial_rate in year 1, then raised by the previous
    year's inflation), fail if the balance cannot cover it, grow the rest at the portfolio
    return of that year, rebalanced to `stock_weight` stocks and the rest bonds."""
    if not 0 <= stock_weight <= 1:
        raise ValueError("stock_weight must be between 0 and 1")
    stocks = np.atleast_2d(np.asarray(returns_stocks, dtype=float))[:, :years]
    bonds = np.atleast_2d(np.asarray(returns_bonds, dtype=float))[:, :years]
    prices = np.atleast_2d(np.asarray(inflation, dtype=float))[:, :years]
    if stocks.shape[1] < years or not stocks.shape == bonds.shape == prices.shape:
        raise ValueError(f"need paired paths of at least {years} years")
    portfolio = stock_weight * stocks + (1 - stock_weight) * bonds
    balance: FloatArray = np.ones(stocks.shape[0])
    withdrawal = np.full(stocks.shape[0], initial_rate)
    depleted = np.zeros(stocks.shape[0], dtype=bool)
    for year in range(years):
        if year > 0:
            withdrawal = withdrawal * (1 + prices[:, year - 1])
        balance = balance - withdrawal
        depleted |= balance < 0
        balance = np.where(depleted, 0.0, balance * (1 + portfolio[:, year]))
    return WithdrawalOutcome(ending_balance=balance, depleted=depleted)


def withdrawal_success(
    returns_stocks: FloatArray,
    returns_bonds: FloatArray,
    inflation: FloatArray,
    *,
    stock_weight: float,
    initial_rate: float,
    years: int,
) -> float:
    """Share of paths whose inflation-adjusted withdrawals never run out (see
    `simulate_withdrawals`)."""
    outcome = simulate_withdrawals(
        returns_stocks,
        returns_bonds,
        inflation,
        stock_weight=stock_weight,
        initial_rate=initial_rate,
        years=years,
    )
    return float(1 - outcome.depleted.mean())
