"""Retirement Monte Carlo: accumulation, then decumulation to a planning age.

Model (docs/finance.md has the full write-up):

* The portfolio is rebalanced every year to asset-class weights: one set before retirement,
  optionally another after, with an optional linear glide between them over the last
  `glide_years` before retirement.
* Return models (`return_model`):
  - `normal` / `student_t` (parametric): asset-class returns jointly normal (or multivariate
    Student-t) with the means, volatilities and correlations in `MarketAssumptions`, so the
    portfolio's annual return is one draw with mean w·μ and variance wᵀΣw (for the t, the
    same scalar scaled by the shared χ² factor): paths × years numbers, not × assets.
    Inflation is the fixed rate `inflation_pct`.
  - `historical`: every rolling window of US history since 1871 long enough for the plan, one
    path per start year, with that window's real stock, bond and cash returns *and* its
    inflation (random and correlated with returns, as it was). `paths` is ignored.
  - `bootstrap`: circular block bootstrap of those yearly tuples (`bootstrap_block_years`),
    seeded; inflation comes with each year drawn.
  Returns are floored at −100 %.
* Contributions and the target income are in today's money and grow with each path's
  inflation. Contributions arrive at the end of each working year; withdrawals, income
  streams and one-offs happen at the start of each year.
* Income streams (Social Security, pensions) and one-offs (`alex.finance.income`) change what
  the portfolio must pay; a year whose income exceeds its spending saves the surplus.
* Withdrawal rules: `constant_real` spends the target (shaped by `spending`) every year, the
  portfolio paying what income does not; `percent_of_portfolio` draws a fixed share of the
  portfolio; `guardrails` follows Guyton-Klinger on the portfolio draw. The two variable rules
  never let spending (draw plus income) fall below `income_floor_pct` of the target while
  money remains.
* Taxes (`taxes`, optional): the portfolio is split into taxable, pre-tax and Roth buckets that
  grow alike; the need is after tax and `alex.finance.taxes.withdraw` takes the gross amount
  in the chosen order, with required minimum distributions from the RMD age.
* A path *succeeds* when every amount its rule asks for is paid in full up to the planning
  age; the first year one is not is the year the money runs out.
* Draws depend only on (seed, paths, years, return model), never on contributions, income or
  allocation, so scenarios with the same seed use common random numbers and compare
  path by path.

Everything is vectorised over paths; the only Python loops run over years."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alex.finance.assumptions import DEFAULT_ASSUMPTIONS, DEFAULT_INFLATION_PCT, MarketAssumptions
from alex.finance.income import (
    IncomeStream,
    OneOff,
    SpendingPath,
    one_offs_real,
    spending_target_real,
)
from alex.finance.money import cents, round_pct
from alex.finance.return_models import (
    ASSET_CLASS_PROXY,
    ReturnPaths,
    bootstrap_paths,
    historical_paths,
    load_history,
)
from alex.finance.taxes import (
    BUCKETS,
    PRETAX,
    ROTH,
    TAXABLE,
    Bucket,
    TaxRates,
    WithdrawalOrder,
    keep_per_dollar,
    rmd_age,
    rmd_divisor,
    withdraw,
)
from alex.schemas import (
    ASSET_CLASSES,
    AssetClass,
    ReturnModel,
    WithdrawalRule,
    check_allocation,
)

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

RETURN_MODELS: tuple[ReturnModel, ...] = ("normal", "student_t", "historical", "bootstrap")
RETURN_MODEL_LABELS: dict[ReturnModel, str] = {
    "normal": "Normal (parametric)",
    "student_t": "Fat tails (Student-t)",
    "historical": "Historical since 1871",
    "bootstrap": "Bootstrap of history",
}

DEFAULT_PATHS = 10_000
# 200,000 paths × 60 years already needs about 300 MB; more buys no visible precision.
MAX_PATHS = 200_000
DEFAULT_SEED = 20_240_601
DEFAULT_PLANNING_AGE = 95
DEFAULT_SUCCESS_TARGET_PCT = 90.0
DEFAULT_INCOME_FLOOR_PCT = 75.0
DEFAULT_BLOCK_YEARS = 5
MAX_YEARS_UNTIL_RETIREMENT = 70
MAX_INCOME_STREAMS = 10
MAX_ONE_OFFS = 50
# The historical model needs enough start years to say anything: at least this many windows.
MIN_HISTORICAL_WINDOWS = 10
PERCENTILES = (10, 25, 50, 75, 90)
_QUANTILES = np.array(PERCENTILES, dtype=float) / 100.0
_Z95 = 1.959963984540054


def _as_str_keys(mapping: Mapping[AssetClass, float]) -> dict[str, float]:
    return {str(key): value for key, value in mapping.items()}


class GuardrailSettings(BaseModel):
    """Guyton-Klinger decision rules around the initial withdrawal rate."""

    model_config = ConfigDict(extra="forbid")

    band_pct: float = Field(default=20.0, gt=0, lt=100)
    """Cut when the current rate exceeds the initial rate by this much, raise when below."""
    adjustment_pct: float = Field(default=10.0, gt=0, lt=100)
    """Size of each cut or raise."""
    no_cuts_final_years: int = Field(default=15, ge=0)
    """The capital-preservation cut is not applied in the last years of the plan."""


class TaxSettings(BaseModel):
    """How the portfolio splits into tax buckets and how withdrawals from them are taxed."""

    model_config = ConfigDict(extra="forbid")

    bucket_pct: dict[Bucket, float]
    """Today's portfolio by bucket, percent (sums to 100)."""
    contribution_pct: dict[Bucket, float] | None = None
    """Where contributions go, percent (sums to 100); defaults to `bucket_pct`."""
    rates: TaxRates = TaxRates(pretax_effective_pct=15.0)
    order: WithdrawalOrder = "conventional"
    birth_year: int = Field(ge=1900, le=2100)
    """Sets the RMD age (SECURE 2.0)."""

    @model_validator(mode="after")
    def _check(self) -> TaxSettings:
        check_allocation("taxes.bucket_pct", _as_str_keys(self.bucket_pct))  # type: ignore[arg-type]
        if self.contribution_pct is not None:
            check_allocation("taxes.contribution_pct", _as_str_keys(self.contribution_pct))  # type: ignore[arg-type]
        return self

    def shares(self, which: Literal["bucket", "contribution"]) -> FloatArray:
        source = self.bucket_pct if which == "bucket" else self.contribution_pct or self.bucket_pct
        return np.array([source.get(b, 0.0) / 100.0 for b in BUCKETS])


class RetirementInputs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portfolio_by_asset_class: dict[AssetClass, float]
    """Current value per asset class (money)."""
    annual_contribution: float = Field(default=0.0, ge=0)
    """Per working year, in today's money (grows with inflation)."""
    current_age: int = Field(ge=16, le=100)
    years_until_retirement: int = Field(ge=0, le=MAX_YEARS_UNTIL_RETIREMENT)
    planning_age: int = Field(default=DEFAULT_PLANNING_AGE, le=120)
    target_income: float = Field(ge=0)
    """Yearly retirement spending wanted, after tax, in today's money (income streams
    included: the portfolio pays the rest)."""
    inflation_pct: float = Field(default=DEFAULT_INFLATION_PCT, ge=-5, le=20)
    """Inflation of the parametric models; the historical ones carry their own."""
    allocation_pct: dict[AssetClass, float] | None = None
    """Weights before retirement; defaults to the current portfolio's weights."""
    allocation_in_retirement_pct: dict[AssetClass, float] | None = None
    """Weights after retirement; defaults to `allocation_pct`."""
    glide_years: int = Field(default=0, ge=0, le=40)
    """Years before retirement over which the weights move linearly to the retirement ones."""
    assumptions: MarketAssumptions = DEFAULT_ASSUMPTIONS
    return_model: ReturnModel = "normal"
    student_t_df: float = Field(default=5.0, gt=2, le=1000)
    bootstrap_block_years: int = Field(default=DEFAULT_BLOCK_YEARS, ge=1, le=30)
    withdrawal_rule: WithdrawalRule = "constant_real"
    withdrawal_rate_pct: float = Field(default=4.0, gt=0, le=100)
    """Share of the portfolio withdrawn each year under `percent_of_portfolio`."""
    guardrails: GuardrailSettings = GuardrailSettings()
    income_floor_pct: float = Field(default=DEFAULT_INCOME_FLOOR_PCT, ge=0, le=100)
    """Variable rules never pay less than this share of the target (in today's money) while
    money remains; 0 means no floor."""
    spending: SpendingPath = SpendingPath()
    income_streams: list[IncomeStream] = Field(default_factory=list, max_length=MAX_INCOME_STREAMS)
    one_offs: list[OneOff] = Field(default_factory=list, max_length=MAX_ONE_OFFS)
    taxes: TaxSettings | None = None
    """None: withdrawals are not taxed (one pot)."""
    success_target_pct: float = Field(default=DEFAULT_SUCCESS_TARGET_PCT, gt=0, lt=100)
    """Success rate that `sustainable_income` is solved for."""
    paths: int = Field(default=DEFAULT_PATHS, ge=100, le=MAX_PATHS)
    seed: int = Field(default=DEFAULT_SEED, ge=0)
    start_year: int | None = Field(default=None, ge=1900, le=2200)
    """Calendar year of age `current_age`: labels the bands, places one-offs given by year."""

    @model_validator(mode="after")
    def _check(self) -> RetirementInputs:
        for key, value in self.portfolio_by_asset_class.items():
            if value < 0 or not math.isfinite(value):
                raise ValueError(f"portfolio_by_asset_class: '{key}' is {value}, must be ≥ 0")
        if self.allocation_pct is not None:
            check_allocation("allocation_pct", _as_str_keys(self.allocation_pct))
        if self.allocation_in_retirement_pct is not None:
            check_allocation(
                "allocation_in_retirement_pct", _as_str_keys(self.allocation_in_retirement_pct)
            )
        if self.planning_age <= self.retirement_age:
            raise ValueError(
                f"planning_age ({self.planning_age}) must be after the retirement age "
                f"({self.retirement_age})"
            )
        if self.current_value <= 0 and self.allocation_pct is None:
            raise ValueError("allocation_pct is required when the portfolio is empty")
        if self.return_model == "historical":
            longest = len(load_history().years) - MIN_HISTORICAL_WINDOWS + 1
            if self.years > longest:
                raise ValueError(
                    f"return_model: the historical model covers plans up to {longest} years "
                    f"(this one runs {self.years}); use bootstrap"
                )
        # A one-off outside the projection would silently vanish: refuse it here.
        one_offs_real(self.one_offs, self.ages(), self.start_year)
        return self

    @property
    def retirement_age(self) -> int:
        return self.current_age + self.years_until_retirement

    @property
    def years(self) -> int:
        return self.planning_age - self.current_age

    @property
    def current_value(self) -> float:
        return float(sum(self.portfolio_by_asset_class.values()))

    def ages(self) -> IntArray:
        """(years,) the age in each simulated year."""
        return np.arange(self.current_age, self.planning_age, dtype=np.int64)

    def accumulation_weights(self) -> dict[str, float]:
        if self.allocation_pct is not None:
            return _as_str_keys(self.allocation_pct)
        total = self.current_value
        return {k: 100.0 * v / total for k, v in self.portfolio_by_asset_class.items()}

    def retirement_weights(self) -> dict[str, float]:
        if self.allocation_in_retirement_pct is not None:
            return _as_str_keys(self.allocation_in_retirement_pct)
        return self.accumulation_weights()

    def weights_by_year(self) -> FloatArray:
        """(years, assets) weights as fractions, columns in `ASSET_CLASSES` order."""
        before = np.array([self.accumulation_weights().get(c, 0.0) / 100 for c in ASSET_CLASSES])
        after = np.array([self.retirement_weights().get(c, 0.0) / 100 for c in ASSET_CLASSES])
        t = np.arange(self.years, dtype=float)
        r, g = self.years_until_retirement, min(self.glide_years, self.years_until_retirement)
        share = np.where(t >= r, 1.0, 0.0)
        if g > 0:
            # Year r − g still holds today's mix; each later year moves 1/g of the way.
            share = np.clip((t - (r - g)) / g, 0.0, 1.0)
        result: FloatArray = (
            before[None, :] * (1 - share[:, None]) + after[None, :] * share[:, None]
        )
        return result


class BandPoint(BaseModel):
    """Percentiles across paths at one point in time (one x-position of a fan chart)."""

    year_index: int
    age: int
    year: int | None = None
    p10: float
    p25: float
    p50: float
    p75: float
    p90: float

    @model_validator(mode="after")
    def _ordered(self) -> BandPoint:
        if not self.p10 <= self.p25 <= self.p50 <= self.p75 <= self.p90:
            raise ValueError("percentiles must be ordered p10 ≤ p25 ≤ p50 ≤ p75 ≤ p90")
        return self


class DepletionYear(BaseModel):
    age: int
    year_index: int
    pct_of_paths: float
    """Share of all paths whose money runs out in this year."""
    cumulative_pct: float


class Depletion(BaseModel):
    """When the money runs out (a withdrawal can no longer be paid in full)."""

    pct_of_paths: float
    median_age: float | None
    """Median age at depletion among the paths that run out."""
    by_age: list[DepletionYear]


class SpendingCut(BaseModel):
    """Per path, the deepest shortfall of spending below the plan in any retirement year (in
    today's money); summarised across paths. Zero for constant spending that is paid."""

    median_pct: float
    p90_pct: float
    """One path in ten cuts at least this deep in its worst year."""


class RetirementProjection(BaseModel):
    inputs: RetirementInputs
    retirement_age: int
    planning_age: int
    paths: int = 0
    """Paths simulated: `inputs.paths`, or the number of start years for `historical`."""
    success_pct: float
    """Probability (%) that the plan succeeds, see `success_definition`."""
    success_standard_error_pct: float
    """Monte Carlo sampling error of `success_pct`, sqrt(p(1−p)/paths), in pp."""
    success_definition: str
    expected_return_pct: float
    volatility_pct: float
    expected_return_in_retirement_pct: float
    volatility_in_retirement_pct: float
    median_wealth_at_retirement: float
    median_wealth_at_retirement_real: float
    median_wealth_at_planning_age: float
    median_wealth_at_planning_age_real: float
    p10_wealth_at_planning_age_real: float = 0.0
    wealth_bands: list[BandPoint]
    """Nominal wealth at each age, from today to the planning age."""
    wealth_bands_real: list[BandPoint]
    """The same in today's money."""
    income_bands_real: list[BandPoint]
    """Spending paid in each retirement year (portfolio and income streams), today's money."""
    depletion: Depletion
    worst_spending_cut: SpendingCut | None = None
    sustainable_income: float | None
    """Highest target income (today's money) whose success rate reaches the target rate;
    None when the rule cannot run out whatever the target."""
    sustainable_income_success_pct: float
    sustainable_income_range: tuple[float, float] | None = None
    """95 % sampling interval of `sustainable_income`: the incomes whose success rates are
    the target rate ± 1.96 standard errors."""
    success_target_pct: float
    failed_start_years: list[int] = Field(default_factory=list)
    """Historical model: the start years whose sequence ran out."""
    notes: list[str]

    def summary(self) -> dict[str, Any]:
        """The headline figures as JSON, without the per-age bands (for compact tool results)."""
        return self.model_dump(
            mode="json",
            exclude={
                "wealth_bands": True,
                "wealth_bands_real": True,
                "income_bands_real": True,
                "depletion": {"by_age"},
                "inputs": {"assumptions"},
            },
        )


# ------------------------------------------------------------------------------ markets


@dataclass
class Market:
    """Everything random, drawn once and shared by every evaluation (common random numbers)."""

    growth: FloatArray
    """(years, paths): 1 + nominal portfolio return in each year."""
    cpi: FloatArray
    """(years + 1, paths), or (years + 1, 1) when inflation is the same on every path: price
    level relative to today."""
    start_years: IntArray | None = None
    """Historical model: the calendar year each path starts in."""

    @property
    def paths(self) -> int:
        return int(self.growth.shape[1])

    def subset(self, index: IntArray) -> Market:
        return Market(
            growth=self.growth[:, index],
            cpi=self.cpi if self.cpi.shape[1] == 1 else self.cpi[:, index],
            start_years=None if self.start_years is None else self.start_years[index],
        )


def _standard_shocks(
    model: ReturnModel, seed: int, paths: int, years: int, df: float
) -> FloatArray:
    rng = np.random.default_rng(seed)
    shape = (years, paths)
    z = rng.standard_normal(shape)
    if model == "student_t":
        # Multivariate t: every asset in a year shares one χ² scale, so the portfolio return
        # is the normal draw times that scale; (df − 2)/χ² keeps the variance at wᵀΣw.
        z *= np.sqrt((df - 2.0) / rng.chisquare(df, size=shape))
    return z


def draw_shocks(inputs: RetirementInputs) -> FloatArray:
    """Standardised (unit-variance) shocks of the parametric models, shape (years, paths)."""
    return _standard_shocks(
        inputs.return_model, inputs.seed, inputs.paths, inputs.years, inputs.student_t_df
    )


def _fixed_cpi(inputs: RetirementInputs) -> FloatArray:
    levels = (1.0 + inputs.inflation_pct / 100.0) ** np.arange(inputs.years + 1, dtype=float)
    result: FloatArray = levels[:, None]
    return result


def _parametric(inputs: RetirementInputs, shocks: FloatArray | None) -> Market:
    growth = draw_shocks(inputs) if shocks is None else shocks.copy()
    weights = inputs.weights_by_year()
    means = weights @ inputs.assumptions.means()
    variance = np.einsum("ti,ij,tj->t", weights, inputs.assumptions.covariance(), weights)
    growth *= np.sqrt(np.maximum(variance, 0.0))[:, None]
    growth += (1.0 + means)[:, None]
    np.maximum(growth, 0.0, out=growth)
    return Market(growth=growth, cpi=_fixed_cpi(inputs))


def historical_returns(inputs: RetirementInputs) -> ReturnPaths:
    """The yearly (stocks, bonds, cash, inflation) sequences of a historical or bootstrap run."""
    history = load_history()
    if inputs.return_model == "historical":
        return historical_paths(history, inputs.years)
    return bootstrap_paths(
        history, inputs.years, inputs.paths, inputs.bootstrap_block_years, inputs.seed
    )


def _from_history(inputs: RetirementInputs, returns: ReturnPaths) -> Market:
    weights = inputs.weights_by_year()  # (years, assets)
    growth = np.ones((inputs.years, returns.stocks.shape[0]))
    for i, asset in enumerate(ASSET_CLASSES):
        w = weights[:, i]
        if np.any(w):
            growth += w[:, None] * returns.series(ASSET_CLASS_PROXY[asset]).T
    np.maximum(growth, 0.0, out=growth)
    cpi = np.ones((inputs.years + 1, growth.shape[1]))
    np.cumprod(1.0 + returns.inflation.T, axis=0, out=cpi[1:])
    return Market(growth=growth, cpi=cpi, start_years=returns.start_years)


Draws = FloatArray | ReturnPaths
"""What a market is built from: standard shocks (parametric models) or historical sequences."""


@functools.lru_cache(maxsize=8)
def _shared_shocks(model: ReturnModel, seed: int, paths: int, years: int, df: float) -> FloatArray:
    """Shocks depend on these alone; a what-if session asks for the same ones again and again
    (drawing 500,000 normals costs ~8 ms, with the χ² ~16 ms). Read-only: markets copy them."""
    shocks = _standard_shocks(model, seed, paths, years, df)
    shocks.flags.writeable = False
    return shocks


def draw(inputs: RetirementInputs) -> Draws:
    """The random part of a projection, independent of every money amount and weight, so
    scenarios built from the same draws compare path by path (common random numbers)."""
    if inputs.return_model in ("normal", "student_t"):
        return _shared_shocks(
            inputs.return_model, inputs.seed, inputs.paths, inputs.years, inputs.student_t_df
        )
    return historical_returns(inputs)


def build_market(inputs: RetirementInputs, draws: Draws | None = None) -> Market:
    """The paths of one projection, from `draws` when given (see `draw`)."""
    if draws is None:
        draws = draw(inputs)
    if isinstance(draws, ReturnPaths):
        if inputs.return_model in ("normal", "student_t"):
            raise ValueError(f"{inputs.return_model} draws shocks, not historical sequences")
        return _from_history(inputs, draws)
    if inputs.return_model not in ("normal", "student_t"):
        raise ValueError(f"{inputs.return_model} draws historical sequences, not shocks")
    return _parametric(inputs, draws)


# ------------------------------------------------------------------------------ flows


@dataclass
class Flows:
    """Everything the withdrawal rule adds to or takes from the need, before the target."""

    spending_shape: FloatArray
    """(years,) planned real spending per dollar of target: 0 before retirement."""
    income: FloatArray
    """(years, paths or 1) income streams paid, nominal."""
    one_offs: FloatArray
    """(years, paths or 1) one-offs, nominal (positive spends)."""
    contribution_share: FloatArray
    """(3,) where contributions go (taxes) or [1] (one pot)."""

    def subset(self, index: IntArray) -> Flows:
        def pick(matrix: FloatArray) -> FloatArray:
            return matrix if matrix.shape[1] == 1 else matrix[:, index]

        return Flows(
            self.spending_shape, pick(self.income), pick(self.one_offs), self.contribution_share
        )


def _flows(inputs: RetirementInputs, market: Market) -> Flows:
    ages = inputs.ages()
    cpi = market.cpi[:-1]
    indexed = np.zeros(inputs.years)
    fixed = np.zeros(inputs.years)
    for stream in inputs.income_streams:
        paying = (ages >= stream.start_age) * stream.annual_amount
        if stream.indexed:
            indexed += paying
        else:
            fixed += paying
    income = indexed[:, None] * cpi + fixed[:, None]
    one_offs = one_offs_real(inputs.one_offs, ages, inputs.start_year)[:, None] * cpi
    shape = spending_target_real(1.0, inputs.spending, ages, inputs.retirement_age)
    share = inputs.taxes.shares("contribution") if inputs.taxes else np.ones(1)
    return Flows(shape, income, one_offs, share)


# ------------------------------------------------------------------------------ ledgers


class Ledger(Protocol):
    """The money on every path: one pot, or tax buckets that grow alike."""

    def total(self) -> FloatArray: ...

    def take(self, need: FloatArray, age: int) -> FloatArray:
        """Pay `need` (nominal, after tax; negative deposits); returns the shortfall."""
        ...

    def grow(self, growth: FloatArray) -> None: ...

    def deposit(self, amount: FloatArray) -> None: ...

    def copy(self) -> Ledger: ...

    def distributes(self, age: int) -> bool:
        """Whether money must come out at this age even with nothing to pay (RMDs)."""
        ...

    def subset(self, index: IntArray) -> Ledger:
        """A copy holding only the paths in `index`."""
        ...


class Pot:
    """No taxes: one balance per path."""

    def __init__(self, balance: FloatArray) -> None:
        self.balance = balance

    def total(self) -> FloatArray:
        return self.balance

    def take(self, need: FloatArray, age: int) -> FloatArray:
        shortfall = np.maximum(need - self.balance, 0.0)
        self.balance = np.maximum(self.balance - need, 0.0)
        return shortfall

    def grow(self, growth: FloatArray) -> None:
        self.balance *= growth

    def deposit(self, amount: FloatArray) -> None:
        self.balance = self.balance + amount

    def copy(self) -> Pot:
        return Pot(self.balance.copy())

    def distributes(self, age: int) -> bool:
        return False

    def subset(self, index: IntArray) -> Pot:
        return Pot(self.balance[index])


class Buckets:
    """Taxable, pre-tax and Roth balances, rows of a (3, paths) array in `BUCKETS` order.

    The conventional order runs an in-place kernel (the projection's hot loop); it follows
    `alex.finance.taxes.withdraw` step for step, and a test holds the two equal. The
    proportional order calls `withdraw` itself."""

    def __init__(self, balances: FloatArray, settings: TaxSettings) -> None:
        self.balances = balances
        self.settings = settings
        self.rmd_from = rmd_age(settings.birth_year)
        self.keep = keep_per_dollar(settings.rates)

    def total(self) -> FloatArray:
        result: FloatArray = self.balances.sum(axis=0)
        return result

    def take(self, need: FloatArray, age: int) -> FloatArray:
        rmd = None
        if age >= self.rmd_from:
            rmd = self.balances[PRETAX] / float(rmd_divisor(age))
        if self.settings.order != "conventional":
            result = withdraw(
                need,
                self.balances.T,
                self.settings.order,
                self.settings.rates,
                0.0 if rmd is None else rmd,
            )
            self.balances = np.ascontiguousarray(result.balances.T)
            return result.shortfall
        return self._conventional(need, rmd)

    def _conventional(self, need: FloatArray, rmd: FloatArray | None) -> FloatArray:
        balances, keep = self.balances, self.keep
        spend = np.maximum(need, 0.0)
        saved = np.maximum(-need, 0.0)
        if rmd is not None:
            forced = np.minimum(rmd, balances[PRETAX])
            forced_net = forced * keep[PRETAX]
            balances[PRETAX] -= forced
            saved += np.maximum(forced_net - spend, 0.0)
            remaining = np.maximum(spend - forced_net, 0.0)
        else:
            remaining = spend
        grossed_up = np.empty_like(remaining)
        for bucket in (TAXABLE, PRETAX, ROTH):
            row = balances[bucket]
            np.divide(remaining, keep[bucket], out=grossed_up)
            # What the bucket cannot cover, back in net terms. Where it covers the rest,
            # grossed_up ≤ row exactly and the rest is exactly 0 (not n − (n / k)·k).
            np.subtract(grossed_up, row, out=remaining)
            np.minimum(grossed_up, row, out=grossed_up)
            row -= grossed_up
            np.maximum(remaining, 0.0, out=remaining)
            remaining *= keep[bucket]
        balances[TAXABLE] += saved
        np.maximum(balances, 0.0, out=balances)
        shortfall: FloatArray = np.maximum(remaining, 0.0)
        return shortfall

    def grow(self, growth: FloatArray) -> None:
        self.balances *= growth[None, :]

    def deposit(self, amount: FloatArray) -> None:
        self.balances += self.settings.shares("contribution")[:, None] * amount[None, :]

    def copy(self) -> Buckets:
        return Buckets(self.balances.copy(), self.settings)

    def distributes(self, age: int) -> bool:
        return age >= self.rmd_from

    def subset(self, index: IntArray) -> Buckets:
        return Buckets(self.balances[:, index], self.settings)


def _open_ledger(inputs: RetirementInputs, paths: int) -> Ledger:
    start = np.full(paths, inputs.current_value)
    if inputs.taxes is None:
        return Pot(start)
    return Buckets(inputs.taxes.shares("bucket")[:, None] * start[None, :], inputs.taxes)


# ------------------------------------------------------------------------------ kernel


@dataclass
class Paths:
    wealth: FloatArray
    """(years + 1, paths) nominal wealth at each age (before that year's withdrawal)."""
    income_real: FloatArray
    """(retirement years, paths) spending paid (portfolio draw plus income), today's money."""
    planned_real: FloatArray
    """(retirement years, paths) spending the plan aimed at, today's money (variable rules
    only; empty for constant spending, which is paid in full or fails)."""
    short: BoolArray
    """(years, paths) True when that year's need could not be paid in full."""
    success: BoolArray
    """(paths,)."""


Target = float | FloatArray


class _Rule:
    """The portfolio draw each retirement year asks for (nominal, after tax, before
    one-offs), and the spending it plans."""

    def __init__(self, inputs: RetirementInputs, market: Market, flows: Flows, target: Target):
        self.inputs, self.market, self.flows = inputs, market, flows
        self.target = target
        self.withdrawal: FloatArray | None = None
        self.initial_rate: FloatArray | None = None

    def planned(self, t: int) -> FloatArray:
        result: FloatArray = self.target * self.flows.spending_shape[t] * self.market.cpi[t]
        return result

    def draw(self, t: int, wealth: FloatArray) -> FloatArray:
        inputs, flows = self.inputs, self.flows
        planned = self.planned(t)
        income = flows.income[t]
        if inputs.withdrawal_rule == "constant_real":
            result: FloatArray = planned - income
            return result
        floor = planned * (inputs.income_floor_pct / 100.0) - income
        if inputs.withdrawal_rule == "percent_of_portfolio":
            share: FloatArray = np.maximum(wealth * (inputs.withdrawal_rate_pct / 100.0), floor)
            return share
        return self._guardrails(t, wealth, planned, income, floor)

    def _guardrails(
        self,
        t: int,
        wealth: FloatArray,
        planned: FloatArray,
        income: FloatArray,
        floor: FloatArray,
    ) -> FloatArray:
        """Guyton-Klinger. Spending (draw plus income) follows inflation and the spending
        path; the decision rules act on the portfolio's draw and its rate: skipped inflation
        raise, capital-preservation cut, prosperity raise, floor. So an income stream that
        starts later lowers the draw rather than adding to spending, and only a portfolio
        that can afford it raises spending (the prosperity rule, 10 % at a time)."""
        settings = self.inputs.guardrails
        start, years = self.inputs.years_until_retirement, self.inputs.years
        growth, cpi = self.market.growth, self.market.cpi
        shape = self.flows.spending_shape
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.withdrawal is None or self.initial_rate is None or t == start:
                spending = np.broadcast_to(planned, wealth.shape).astype(float)
                draw = spending - income
                # No draw yet (income covers the plan): the rate is set by the first draw.
                self.initial_rate = np.where((wealth > 0) & (draw > 0), draw / wealth, np.nan)
            else:
                previous = self.withdrawal
                path = shape[t] / shape[t - 1] if shape[t - 1] > 0 else 1.0
                raised = previous * (cpi[t] / cpi[t - 1]) * path
                unset = np.isnan(self.initial_rate) & (raised - income > 0) & (wealth > 0)
                self.initial_rate = np.where(unset, (raised - income) / wealth, self.initial_rate)
                initial_rate = self.initial_rate
                # Skip the inflation raise after a losing year if it would lift the rate
                # above the initial rate (Guyton's modified withdrawal rule).
                skip = (growth[t - 1] < 1.0) & (raised - income > initial_rate * wealth)
                spending = np.where(skip, previous * path, raised)
                draw = spending - income
                rate = np.where(wealth > 0, draw / wealth, np.inf)
                if years - t > settings.no_cuts_final_years:
                    upper = 1.0 + settings.band_pct / 100.0
                    cut = 1.0 - settings.adjustment_pct / 100.0
                    draw = np.where((draw > 0) & (rate > initial_rate * upper), draw * cut, draw)
                lower = 1.0 - settings.band_pct / 100.0
                raise_ = 1.0 + settings.adjustment_pct / 100.0
                draw = np.where((draw > 0) & (rate < initial_rate * lower), draw * raise_, draw)
                draw = np.maximum(draw, floor)
                spending = draw + income
        self.withdrawal = spending
        result: FloatArray = spending - income
        return result


def _accumulate(
    inputs: RetirementInputs, market: Market, flows: Flows, contribution: float
) -> tuple[FloatArray, BoolArray, Ledger]:
    """Working years: one-offs and income (rarely) net against the portfolio, growth, then
    the year's contribution. Returns wealth rows 0..r, the pre-retirement shortfalls and the
    ledger at retirement."""
    r, paths = inputs.years_until_retirement, market.paths
    wealth = np.empty((inputs.years + 1, paths))
    short = np.zeros((inputs.years, paths), dtype=bool)
    ledger = _open_ledger(inputs, paths)
    ages = inputs.ages()
    has_flows = bool(np.any(flows.income[:r]) or np.any(flows.one_offs[:r]))
    for t in range(r):
        wealth[t] = ledger.total()
        if has_flows or ledger.distributes(int(ages[t])):
            need = np.broadcast_to(flows.one_offs[t] - flows.income[t], (paths,))
            short[t] = ledger.take(need, int(ages[t])) > 0
        ledger.grow(market.growth[t])
        if contribution:
            ledger.deposit(np.broadcast_to(contribution * market.cpi[t + 1], (paths,)))
    return wealth, short, ledger


def _decumulate(
    inputs: RetirementInputs,
    market: Market,
    flows: Flows,
    ledger: Ledger,
    target: Target,
    wealth: FloatArray,
    short: BoolArray,
) -> Paths:
    """Retirement years: the rule's draw plus one-offs, paid from `ledger` (consumed)."""
    start, years = inputs.years_until_retirement, inputs.years
    paths = market.paths
    ages = inputs.ages()
    rule = _Rule(inputs, market, flows, target)
    spent = np.empty((years - start, paths))
    # What the plan aimed at only matters where spending can fall short of it by rule.
    variable = inputs.withdrawal_rule != "constant_real"
    planned = np.empty((years - start, paths) if variable else (0, paths))
    for k, t in enumerate(range(start, years)):
        current = ledger.total()
        wealth[t] = current
        draw = rule.draw(t, current)
        need = draw + flows.one_offs[t]
        shortfall = ledger.take(np.broadcast_to(need, (paths,)), int(ages[t]))
        np.greater(shortfall, 0.0, out=short[t])
        cpi = market.cpi[t]
        # Spending reached: the draw plus income, less what could not be paid (a surplus
        # of income over the plan is saved, not spent).
        spent[k] = np.maximum(draw + flows.income[t] - shortfall, 0.0) / cpi
        if variable:
            planned[k] = np.maximum(rule.planned(t), 0.0) / cpi
        ledger.grow(market.growth[t])
    wealth[years] = ledger.total()
    success = np.asarray(~short.any(axis=0), dtype=np.bool_)
    return Paths(
        wealth=wealth, income_real=spent, planned_real=planned, short=short, success=success
    )


@dataclass
class _Start:
    """A scenario's state at retirement: target-independent, so bisection reuses it."""

    wealth: FloatArray
    short: BoolArray
    ledger: Ledger

    def run(self, inputs: RetirementInputs, market: Market, flows: Flows, target: Target) -> Paths:
        return _decumulate(
            inputs,
            market,
            flows,
            self.ledger.copy(),
            target,
            self.wealth.copy(),
            self.short.copy(),
        )

    def pays(
        self,
        inputs: RetirementInputs,
        market: Market,
        flows: Flows,
        target: Target,
        index: IntArray | None = None,
    ) -> BoolArray:
        """Which of the paths in `index` (default: all) pay every year in full at `target`
        (one per path): the retirement years only, recording nothing else (the search's inner
        loop)."""
        start, years = inputs.years_until_retirement, inputs.years
        if index is None:
            ledger = self.ledger.copy()
            short = self.short[:start]
        else:
            market, flows = market.subset(index), flows.subset(index)
            ledger = self.ledger.subset(index)
            short = self.short[:start, index]
        ok: BoolArray = np.asarray(~short.any(axis=0), dtype=np.bool_)
        rule = _Rule(inputs, market, flows, target)
        ages = inputs.ages()
        for t in range(start, years):
            need = rule.draw(t, ledger.total()) + flows.one_offs[t]
            ok &= ledger.take(np.broadcast_to(need, ok.shape), int(ages[t])) <= 0.0
            ledger.grow(market.growth[t])
        return ok


def _start(
    inputs: RetirementInputs, market: Market, flows: Flows, contribution: float | None = None
) -> _Start:
    amount = inputs.annual_contribution if contribution is None else contribution
    wealth, short, ledger = _accumulate(inputs, market, flows, amount)
    return _Start(wealth, short, ledger)


def simulate(
    inputs: RetirementInputs,
    market: Market | None = None,
    *,
    target_income: float | None = None,
    contribution: float | None = None,
) -> Paths:
    """All paths for one scenario; `market` lets callers reuse draws across scenarios."""
    market = market if market is not None else build_market(inputs)
    flows = _flows(inputs, market)
    start = _start(inputs, market, flows, contribution)
    target = inputs.target_income if target_income is None else target_income
    return _decumulate(inputs, market, flows, start.ledger, target, start.wealth, start.short)


# ----------------------------------------------------------------- sustainable income


def _linear(inputs: RetirementInputs) -> bool:
    """Constant spending without taxes: wealth is linear in the target, so each path's
    highest sustainable target has a closed form."""
    return inputs.withdrawal_rule == "constant_real" and inputs.taxes is None


def _max_income_per_path(inputs: RetirementInputs, market: Market, start: _Start) -> FloatArray:
    """Constant real rule, no taxes: the highest target each path pays in full.

    Wealth before the k-th withdrawal is A_k − X·B_k, with A the wealth with every flow but
    the target and B the grown sum of past unit targets; the year's need is X·c_k + d_k
    (c: planned unit spending, d: one-offs less income), so the path pays in full every year
    iff X ≤ min_k (A_k − d_k) / (B_k + c_k). One pass replaces a simulation per bisection
    step. A path already short before retirement sustains nothing."""
    first, years = inputs.years_until_retirement, inputs.years
    growth, cpi = market.growth, market.cpi
    flows = _flows(inputs, market)
    a = start.ledger.total().copy()
    b = np.zeros_like(a)
    best = np.where(start.short[:first].any(axis=0), -np.inf, np.inf)
    ratio = np.empty_like(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        for t in range(first, years):
            c = flows.spending_shape[t] * cpi[t]
            d = flows.one_offs[t] - flows.income[t]
            headroom = a - d
            denominator = b + c
            np.divide(headroom, denominator, out=ratio)
            # No spending planned this year: only the other flows can break the path.
            ratio = np.where(denominator > 0, ratio, np.where(headroom >= 0, np.inf, -np.inf))
            np.minimum(best, ratio, out=best)
            a = (a - d) * growth[t]
            b = (b + c) * growth[t]
    result: FloatArray = best
    return result


_UNBOUNDED_INCOME = 1e12


@dataclass
class SustainableIncome:
    income: float | None
    success_pct: float
    low: float | None = None
    high: float | None = None


# Per path, the highest target is found to this relative precision ($1 at least): $30 on
# $60,000, finer than any page shows.
_CEILING_PRECISION = 5e-4
_MAX_DOUBLINGS = 40


def _ceilings(
    inputs: RetirementInputs,
    market: Market,
    flows: Flows,
    start: _Start,
    ranks: list[int],
    upper: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Per path, a bracket [lo, hi) of the highest target it pays in full, refined only as far
    as the `ranks`-th highest ceilings (1-based) need: a path whose bracket cannot hold one of
    those order statistics is left coarse. Each step runs the retirement years on the paths
    still refined only, each at its own target."""
    n = market.paths
    lo = np.zeros(n)
    hi = np.full(n, 2.0 * max(inputs.target_income, 1.0))
    # A known upper bound (the untaxed ceiling) replaces the doubling search where finite.
    bounded = np.zeros(n, dtype=bool) if upper is None else np.isfinite(upper)
    if upper is not None:
        hi[bounded] = np.maximum(upper[bounded], 0.0)

    def pays(index: IntArray, target: FloatArray) -> BoolArray:
        return start.pays(inputs, market, flows, target, index)

    active = np.flatnonzero(~bounded)
    for _ in range(_MAX_DOUBLINGS if active.size else 0):
        ok = pays(active, hi[active])
        active = active[ok]
        if active.size == 0:
            break
        lo[active] = hi[active]
        hi[active] *= 2.0
        if hi[active[0]] > _UNBOUNDED_INCOME:
            hi[active] = np.inf
            break
    while True:
        lo_desc, hi_desc = np.sort(lo)[::-1], np.sort(hi)[::-1]
        candidates = np.zeros(n, dtype=bool)
        for k in ranks:
            candidates |= (hi > lo_desc[k - 1]) & (lo <= hi_desc[k - 1])
        wide = hi - lo > np.maximum(1.0, _CEILING_PRECISION * hi)
        index = np.flatnonzero(candidates & wide & np.isfinite(hi))
        if index.size == 0:
            return lo, hi
        mid = 0.5 * (lo[index] + hi[index])
        ok = pays(index, mid)
        lo[index[ok]] = mid[ok]
        hi[index[~ok]] = mid[~ok]


def _rank(rate: float, n: int) -> int:
    """How many paths must pay in full for a success rate of at least `rate`."""
    return min(max(math.ceil(rate * n - 1e-9), 1), n)


def _bisect_down(
    success_at: Callable[[float], float], rate: float, high: float
) -> tuple[float, float]:
    """Highest x ≤ `high` (to $1 or 0.01 %) with success_at(x) ≥ rate, and that rate."""
    low = 0.9 * high
    while low >= 1.0 and success_at(low) < rate:
        high, low = low, 0.5 * low
    if low < 1.0:
        return 0.0, success_at(0.0)
    while high - low > max(1.0, _CEILING_PRECISION * low):
        mid = 0.5 * (low + high)
        if success_at(mid) >= rate:
            low = mid
        else:
            high = mid
    income = math.floor(low * 100.0) / 100.0
    return income, success_at(income)


def sustainable_income(
    inputs: RetirementInputs, market: Market, start: _Start, *, with_range: bool = True
) -> SustainableIncome:
    """The highest target income whose success rate reaches `success_target_pct`, with that
    rate and its 95 % sampling interval.

    The income is an order statistic of the paths' own highest sustainable targets (the
    k-th highest, k = ⌈rate · paths⌉), so its sampling interval is the order statistics at
    k ± 1.96·√(paths·rate·(1 − rate)). For constant spending without taxes each path's
    target has a closed form; otherwise it is bracketed path by path on common random
    numbers. None when no target income can fail (a percent rule without a floor)."""
    rate = inputs.success_target_pct / 100.0
    flows = _flows(inputs, market)
    n = market.paths
    spread = _Z95 * math.sqrt(n * rate * (1.0 - rate))
    k = _rank(rate, n)
    ranks = [k]
    if with_range:
        ranks += [min(math.ceil(k + spread), n), max(math.floor(k - spread), 1)]
    if _linear(inputs):
        lo = _max_income_per_path(inputs, market, start)
    elif inputs.withdrawal_rule == "constant_real":
        # Taxes only ever take money, so the untaxed closed form bounds each path's ceiling.
        upper = _max_income_per_path(inputs, market, start)
        lo, _ = _ceilings(inputs, market, flows, start, ranks, upper)
    else:
        if start.pays(inputs, market, flows, _UNBOUNDED_INCOME).mean() >= rate:
            return SustainableIncome(None, 100.0)
        lo, _ = _ceilings(inputs, market, flows, start, ranks)
    at = np.sort(np.maximum(lo, 0.0))[::-1]
    if not at[k - 1] < _UNBOUNDED_INCOME:
        # Beyond $1e12 a year the plan cannot meaningfully fail: report it as unbounded.
        return SustainableIncome(None, 100.0)
    income = math.floor(float(at[k - 1]) * 100.0) / 100.0

    def success_at(x: float) -> float:
        return float(start.pays(inputs, market, flows, x).mean())

    paid = success_at(income)
    if paid < rate:
        # Guardrails are not strictly monotone path by path (a higher target can dodge a
        # cut): fall back to bisection on the success rate itself, below the estimate.
        income, paid = _bisect_down(success_at, rate, income)
    result = SustainableIncome(income, round_pct(100.0 * float(paid)))
    if with_range:
        result.low = math.floor(float(at[ranks[1] - 1]))
        result.high = float(math.floor(min(float(at[ranks[2] - 1]), _UNBOUNDED_INCOME)))
        result.high = max(result.high, income)
    return result


# ---------------------------------------------------------------------------- summary


def _quantile_rows(matrix: FloatArray) -> FloatArray:
    """Percentiles of each row (linear interpolation), one column per `_QUANTILES`."""
    result: FloatArray = np.quantile(matrix, _QUANTILES, axis=1).T
    # Interpolation can break ties by an ulp; keep the bands monotone.
    return np.maximum.accumulate(result, axis=1)


def _band_points(
    quantiles: FloatArray, inputs: RetirementInputs, first_index: int
) -> list[BandPoint]:
    points = []
    for row, (p10, p25, p50, p75, p90) in enumerate(np.round(quantiles, 2).tolist()):
        index = first_index + row
        points.append(
            BandPoint(
                year_index=index,
                age=inputs.current_age + index,
                year=None if inputs.start_year is None else inputs.start_year + index,
                p10=p10,
                p25=p25,
                p50=p50,
                p75=p75,
                p90=p90,
            )
        )
    return points


def _depletion(inputs: RetirementInputs, short: BoolArray) -> Depletion:
    """Failure ages from the retirement year (or from the first failure before it, when a
    one-off breaks a path while still working)."""
    paths = short.shape[1]
    ran_out = short.any(axis=0)
    first = short.argmax(axis=0)[ran_out]
    start = inputs.years_until_retirement
    if first.size:
        start = min(start, int(first.min()))
    counts = np.bincount(first, minlength=short.shape[0])
    cumulative = np.cumsum(counts)
    by_age = [
        DepletionYear(
            age=inputs.current_age + t,
            year_index=t,
            pct_of_paths=round_pct(100.0 * counts[t] / paths),
            cumulative_pct=round_pct(100.0 * cumulative[t] / paths),
        )
        for t in range(start, short.shape[0])
    ]
    median = float(np.median(first)) + inputs.current_age if first.size else None
    return Depletion(
        pct_of_paths=round_pct(100.0 * first.size / paths), median_age=median, by_age=by_age
    )


def _spending_cut(inputs: RetirementInputs, paths: Paths) -> SpendingCut | None:
    """Variable rules only: constant spending is either paid in full or the plan fails."""
    if inputs.withdrawal_rule == "constant_real" or paths.planned_real.size == 0:
        return None
    # A plan of a few cents over income can overflow the ratio: that is no cut (clipped to 0).
    with np.errstate(over="ignore"):
        ratio = np.divide(
            paths.income_real,
            paths.planned_real,
            out=np.ones_like(paths.income_real),
            where=paths.planned_real > 0,
        )
    worst = np.clip(1.0 - ratio.min(axis=0), 0.0, 1.0)
    return SpendingCut(
        median_pct=round_pct(100.0 * float(np.median(worst))),
        p90_pct=round_pct(100.0 * float(np.quantile(worst, 0.9))),
    )


def _success_definition(inputs: RetirementInputs) -> str:
    span = f"every year from age {inputs.retirement_age} until age {inputs.planning_age}"
    after_tax = ", after tax," if inputs.taxes is not None else ""
    if inputs.withdrawal_rule == "constant_real":
        what = "The target income"
        if inputs.spending.shape == "declining":
            what += (
                f" (falling {inputs.spending.decline_pct:g}% a year in real terms after age "
                f"{inputs.spending.decline_from_age})"
            )
        return f"{what}, raised with inflation, is paid in full{after_tax} {span}."
    rule = (
        f"{inputs.withdrawal_rate_pct:g}% of the portfolio"
        if inputs.withdrawal_rule == "percent_of_portfolio"
        else "the Guyton-Klinger guardrails amount, starting at the target income"
    )
    floor = (
        f", but never less than {inputs.income_floor_pct:g}% of the target in today's money"
        if inputs.income_floor_pct > 0
        else ""
    )
    return f"Withdrawing {rule}{floor}, the withdrawal is paid in full{after_tax} {span}."


def _model_note(inputs: RetirementInputs, market: Market) -> str:
    if inputs.return_model == "historical":
        first = int(market.start_years[0]) if market.start_years is not None else 1871
        last = int(market.start_years[-1]) if market.start_years is not None else first
        return (
            f"Historical sequences: every {inputs.years}-year window of US returns and "
            f"inflation starting {first}–{last} ({market.paths} start years), as they happened. "
            "The windows overlap, so they are not independent draws: the ± figure treats them "
            "as if they were and understates the uncertainty."
        )
    if inputs.return_model == "bootstrap":
        return (
            f"Bootstrap of US history since 1871: blocks of {inputs.bootstrap_block_years} "
            "consecutive years (returns and inflation together) drawn at random."
        )
    note = (
        f"Inflation is assumed constant at {inputs.inflation_pct:g}% a year; contributions and "
        "income are in today's money and rise with it."
    )
    if inputs.return_model == "student_t":
        note += (
            f" Fat-tailed returns: multivariate Student-t with {inputs.student_t_df:g} degrees "
            "of freedom, scaled to the same volatility."
        )
    return note


def _notes(inputs: RetirementInputs, market: Market) -> list[str]:
    notes = [_model_note(inputs, market)]
    if inputs.taxes is None:
        notes.append(
            "The portfolio is rebalanced yearly to fixed weights; fees and taxes are not modelled."
        )
    else:
        t = inputs.taxes
        notes.append(
            f"Taxes: pre-tax withdrawals at {t.rates.pretax_effective_pct:g}%, taxable ones at "
            f"{t.rates.capital_gains_pct:g}% on a {t.rates.taxable_gains_share_pct:g}% gains "
            f"share, Roth untaxed; {t.order} order; required minimum distributions from age "
            f"{rmd_age(t.birth_year)}. The target income is after tax."
        )
    if inputs.glide_years and inputs.allocation_in_retirement_pct is not None:
        notes.append(
            f"The allocation glides to the retirement mix over the {inputs.glide_years} years "
            "before retirement."
        )
    if inputs.withdrawal_rule != "constant_real":
        notes.append(
            "Income varies with the markets under this rule; see the income bands for the "
            "spread of yearly income in today's money."
        )
    return notes


def portfolio_moments(
    inputs: RetirementInputs, weights: Mapping[str, float]
) -> tuple[float, float]:
    """Arithmetic mean and volatility of the portfolio under the model's own returns."""
    if inputs.return_model in ("normal", "student_t"):
        return inputs.assumptions.portfolio_moments(weights)
    history = load_history()
    portfolio = sum(
        (weights.get(c, 0.0) / 100.0) * history.series(ASSET_CLASS_PROXY[c]) for c in ASSET_CLASSES
    )
    series = np.asarray(portfolio, dtype=float)
    return float(series.mean()), float(series.std(ddof=1))


def project_retirement(
    inputs: RetirementInputs, *, market: Market | None = None, with_range: bool = True
) -> RetirementProjection:
    """Run the Monte Carlo for `inputs` and summarise it."""
    market = market if market is not None else build_market(inputs)
    flows = _flows(inputs, market)
    start = _start(inputs, market, flows)
    paths = start.run(inputs, market, flows, inputs.target_income)
    n = market.paths
    p = float(paths.success.mean())
    income = sustainable_income(inputs, market, start, with_range=with_range)
    depletion = _depletion(inputs, paths.short)
    cut = _spending_cut(inputs, paths)
    failed = (
        sorted(int(y) for y in market.start_years[~paths.success])
        if market.start_years is not None
        else []
    )

    r = inputs.years_until_retirement
    nominal = _quantile_rows(paths.wealth)
    if market.cpi.shape[1] == 1:
        # One price level for every path: real percentiles are the nominal ones deflated.
        real = nominal / market.cpi
    else:
        real = _quantile_rows(paths.wealth / market.cpi)
    income_bands = _quantile_rows(paths.income_real)
    mu_a, sd_a = portfolio_moments(inputs, inputs.accumulation_weights())
    mu_r, sd_r = portfolio_moments(inputs, inputs.retirement_weights())
    median, p10 = PERCENTILES.index(50), PERCENTILES.index(10)
    return RetirementProjection(
        inputs=inputs,
        retirement_age=inputs.retirement_age,
        planning_age=inputs.planning_age,
        paths=n,
        success_pct=round_pct(100.0 * p),
        success_standard_error_pct=round_pct(100.0 * math.sqrt(p * (1.0 - p) / n)),
        success_definition=_success_definition(inputs),
        expected_return_pct=round_pct(100.0 * mu_a),
        volatility_pct=round_pct(100.0 * sd_a),
        expected_return_in_retirement_pct=round_pct(100.0 * mu_r),
        volatility_in_retirement_pct=round_pct(100.0 * sd_r),
        median_wealth_at_retirement=cents(nominal[r, median]),
        median_wealth_at_retirement_real=cents(real[r, median]),
        median_wealth_at_planning_age=cents(nominal[-1, median]),
        median_wealth_at_planning_age_real=cents(real[-1, median]),
        p10_wealth_at_planning_age_real=cents(real[-1, p10]),
        wealth_bands=_band_points(nominal, inputs, 0),
        wealth_bands_real=_band_points(real, inputs, 0),
        income_bands_real=_band_points(income_bands, inputs, r),
        depletion=depletion,
        worst_spending_cut=cut,
        sustainable_income=income.income,
        sustainable_income_success_pct=income.success_pct,
        sustainable_income_range=(
            (income.low, income.high)
            if income.low is not None and income.high is not None
            else None
        ),
        success_target_pct=inputs.success_target_pct,
        failed_start_years=failed,
        notes=_notes(inputs, market),
    )


def success_rate(inputs: RetirementInputs, market: Market | None = None) -> float:
    """Share of paths (0–1) that succeed, without the summary (levers and model comparisons)."""
    return float(simulate(inputs, market).success.mean())
