"""Retirement Monte Carlo: accumulation, then decumulation to a planning age.

Model (docs/finance.md has the full write-up):

* The portfolio is rebalanced every year to fixed asset-class weights (one set before
  retirement, optionally another after). Asset-class returns are jointly normal (or
  multivariate Student-t) with the means, volatilities and correlations in
  `MarketAssumptions`, so the portfolio's annual return is exactly one draw with mean w·μ and
  variance wᵀΣw (for the multivariate t, the same scalar scaled by the shared χ² factor). We
  therefore draw paths × years numbers, not paths × years × assets. Returns are floored at
  −100 %.
* Inflation is a fixed rate (`inflation_pct`). Contributions and the target income are in
  today's money and grow with inflation. Contributions arrive at the end of each working
  year; withdrawals are taken at the start of each retirement year, from the retirement age
  to the year before the planning age.
* Withdrawal rules: `constant_real` pays the target every year; `percent_of_portfolio` pays a
  fixed share of the portfolio; `guardrails` follows Guyton-Klinger. The two variable rules
  never pay less than `income_floor_pct` of the target (today's money) while money remains.
* A path *succeeds* when every withdrawal its rule asks for is paid in full up to the
  planning age; the first year one is not is the year the money runs out.
* Draws depend only on (seed, paths, years, return model), never on contributions, income or
  allocation, so scenarios with the same seed use common random numbers and compare
  path by path.

Everything is vectorised over paths; the only Python loops run over years."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, model_validator

from alex.finance.assumptions import DEFAULT_ASSUMPTIONS, DEFAULT_INFLATION_PCT, MarketAssumptions
from alex.finance.money import cents, round_pct
from alex.schemas import AssetClass, check_allocation

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

WithdrawalRule = Literal["constant_real", "percent_of_portfolio", "guardrails"]
ReturnModel = Literal["normal", "student_t"]

DEFAULT_PATHS = 10_000
# 200,000 paths × 60 years already needs about 300 MB; more buys no visible precision.
MAX_PATHS = 200_000
DEFAULT_SEED = 20_240_601
DEFAULT_PLANNING_AGE = 95
DEFAULT_SUCCESS_TARGET_PCT = 90.0
DEFAULT_INCOME_FLOOR_PCT = 75.0
PERCENTILES = (10, 25, 50, 75, 90)
_QUANTILES = np.array(PERCENTILES, dtype=float) / 100.0


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


class RetirementInputs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    portfolio_by_asset_class: dict[AssetClass, float]
    """Current value per asset class (money)."""
    annual_contribution: float = Field(default=0.0, ge=0)
    """Per working year, in today's money (grows with inflation)."""
    current_age: int = Field(ge=16, le=100)
    years_until_retirement: int = Field(ge=0, le=70)
    planning_age: int = Field(default=DEFAULT_PLANNING_AGE, le=120)
    target_income: float = Field(ge=0)
    """Yearly retirement income wanted, in today's money."""
    inflation_pct: float = Field(default=DEFAULT_INFLATION_PCT, ge=-5, le=20)
    allocation_pct: dict[AssetClass, float] | None = None
    """Weights before retirement; defaults to the current portfolio's weights."""
    allocation_in_retirement_pct: dict[AssetClass, float] | None = None
    """Weights after retirement; defaults to `allocation_pct`."""
    assumptions: MarketAssumptions = DEFAULT_ASSUMPTIONS
    return_model: ReturnModel = "normal"
    student_t_df: float = Field(default=5.0, gt=2, le=1000)
    withdrawal_rule: WithdrawalRule = "constant_real"
    withdrawal_rate_pct: float = Field(default=4.0, gt=0, le=100)
    """Share of the portfolio withdrawn each year under `percent_of_portfolio`."""
    guardrails: GuardrailSettings = GuardrailSettings()
    income_floor_pct: float = Field(default=DEFAULT_INCOME_FLOOR_PCT, ge=0, le=100)
    """Variable rules never pay less than this share of the target (in today's money) while
    money remains; 0 means no floor."""
    success_target_pct: float = Field(default=DEFAULT_SUCCESS_TARGET_PCT, gt=0, lt=100)
    """Success rate that `sustainable_income` is solved for."""
    paths: int = Field(default=DEFAULT_PATHS, ge=100, le=MAX_PATHS)
    seed: int = Field(default=DEFAULT_SEED, ge=0)
    start_year: int | None = Field(default=None, ge=1900, le=2200)
    """Calendar year of age `current_age`, only used to label the bands."""

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

    def accumulation_weights(self) -> dict[str, float]:
        if self.allocation_pct is not None:
            return _as_str_keys(self.allocation_pct)
        total = self.current_value
        return {k: 100.0 * v / total for k, v in self.portfolio_by_asset_class.items()}

    def retirement_weights(self) -> dict[str, float]:
        if self.allocation_in_retirement_pct is not None:
            return _as_str_keys(self.allocation_in_retirement_pct)
        return self.accumulation_weights()


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


class RetirementProjection(BaseModel):
    inputs: RetirementInputs
    retirement_age: int
    planning_age: int
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
    wealth_bands: list[BandPoint]
    """Nominal wealth at each age, from today to the planning age."""
    wealth_bands_real: list[BandPoint]
    """The same in today's money."""
    income_bands_real: list[BandPoint]
    """Income paid in each retirement year, in today's money."""
    depletion: Depletion
    sustainable_income: float | None
    """Highest target income (today's money) whose success rate reaches the target rate;
    None when the rule cannot run out whatever the target."""
    sustainable_income_success_pct: float
    success_target_pct: float
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


# ------------------------------------------------------------------------------ kernel


@dataclass
class Market:
    """Everything random, drawn once and shared by every evaluation (common random numbers)."""

    growth: FloatArray
    """(years, paths): 1 + nominal portfolio return in each year."""
    cpi: FloatArray
    """(years + 1,): price level relative to today."""


@dataclass
class Paths:
    wealth: FloatArray
    """(years + 1, paths) nominal wealth at each age (before that year's withdrawal)."""
    income_real: FloatArray
    """(retirement years, paths) income paid, in today's money."""
    short: BoolArray
    """(retirement years, paths) True when the withdrawal could not be paid in full."""
    success: BoolArray
    """(paths,)."""


def draw_shocks(inputs: RetirementInputs) -> FloatArray:
    """Standardised (unit-variance) shocks, shape (years, paths)."""
    rng = np.random.default_rng(inputs.seed)
    shape = (inputs.years, inputs.paths)
    z = rng.standard_normal(shape)
    if inputs.return_model == "student_t":
        df = inputs.student_t_df
        # Multivariate t: every asset in a year shares one χ² scale, so the portfolio return
        # is the normal draw times that scale; (df − 2)/χ² keeps the variance at wᵀΣw.
        z *= np.sqrt((df - 2.0) / rng.chisquare(df, size=shape))
    return z


def build_market(inputs: RetirementInputs, shocks: FloatArray | None = None) -> Market:
    """Turn shocks into yearly growth factors (in place when shocks are drawn here)."""
    growth = draw_shocks(inputs) if shocks is None else shocks.copy()
    r = inputs.years_until_retirement
    mu_a, sd_a = inputs.assumptions.portfolio_moments(inputs.accumulation_weights())
    mu_r, sd_r = inputs.assumptions.portfolio_moments(inputs.retirement_weights())
    growth[:r] *= sd_a
    growth[:r] += 1.0 + mu_a
    growth[r:] *= sd_r
    growth[r:] += 1.0 + mu_r
    np.maximum(growth, 0.0, out=growth)
    cpi = (1.0 + inputs.inflation_pct / 100.0) ** np.arange(inputs.years + 1, dtype=float)
    return Market(growth=growth, cpi=cpi)


def _accumulate(inputs: RetirementInputs, market: Market, contribution: float) -> FloatArray:
    years, paths = market.growth.shape
    wealth = np.empty((years + 1, paths))
    wealth[0] = inputs.current_value
    contributions = contribution * market.cpi[1:]
    growth = market.growth
    for t in range(inputs.years_until_retirement):
        np.multiply(wealth[t], growth[t], out=wealth[t + 1])
        wealth[t + 1] += contributions[t]
    return wealth


def _decumulate(
    inputs: RetirementInputs, market: Market, wealth: FloatArray, target: float
) -> Paths:
    """Run the withdrawal rule from the retirement year on, filling `wealth` in place."""
    growth, cpi = market.growth, market.cpi
    start, years = inputs.years_until_retirement, inputs.years
    paid = np.empty((years - start, wealth.shape[1]))
    short = np.empty(paid.shape, dtype=bool)
    if inputs.withdrawal_rule == "constant_real":
        need = target * cpi[start:years]
        for k, t in enumerate(range(start, years)):
            np.minimum(wealth[t], need[k], out=paid[k])
            np.subtract(wealth[t], paid[k], out=wealth[t + 1])
            wealth[t + 1] *= growth[t]
        np.less(wealth[start:years], need[:, None], out=short)
    elif inputs.withdrawal_rule == "percent_of_portfolio":
        rate = inputs.withdrawal_rate_pct / 100.0
        floor = target * inputs.income_floor_pct / 100.0 * cpi[start:years]
        want = np.empty(wealth.shape[1])
        for k, t in enumerate(range(start, years)):
            np.multiply(wealth[t], rate, out=want)
            np.maximum(want, floor[k], out=want)
            np.less(wealth[t], want, out=short[k])
            np.minimum(wealth[t], want, out=paid[k])
            np.subtract(wealth[t], paid[k], out=wealth[t + 1])
            wealth[t + 1] *= growth[t]
    else:
        _guardrails(inputs, market, wealth, paid, short, target)
    income = paid
    income /= cpi[start:years, None]
    success = np.asarray(~short.any(axis=0), dtype=np.bool_)
    return Paths(wealth=wealth, income_real=income, short=short, success=success)


def _guardrails(
    inputs: RetirementInputs,
    market: Market,
    wealth: FloatArray,
    paid: FloatArray,
    short: BoolArray,
    target: float,
) -> None:
    """Guyton-Klinger: inflation rule, capital-preservation cut, prosperity raise, floor."""
    growth, cpi = market.growth, market.cpi
    start, years = inputs.years_until_retirement, inputs.years
    settings = inputs.guardrails
    upper = 1.0 + settings.band_pct / 100.0
    lower = 1.0 - settings.band_pct / 100.0
    cut = 1.0 - settings.adjustment_pct / 100.0
    raise_ = 1.0 + settings.adjustment_pct / 100.0
    inflation = 1.0 + inputs.inflation_pct / 100.0
    floor = target * inputs.income_floor_pct / 100.0 * cpi
    withdrawal = np.full(wealth.shape[1], target * cpi[start])
    with np.errstate(divide="ignore", invalid="ignore"):
        initial_rate = np.where(wealth[start] > 0, withdrawal / wealth[start], np.inf)
        for k, t in enumerate(range(start, years)):
            current = wealth[t]
            if k > 0:
                # Skip the inflation raise after a losing year if it would lift the rate
                # above the initial rate (Guyton's modified withdrawal rule).
                raised = withdrawal * inflation
                skip = (growth[t - 1] < 1.0) & (raised > initial_rate * current)
                withdrawal = np.where(skip, withdrawal, raised)
                rate = np.where(current > 0, withdrawal / current, np.inf)
                if years - t > settings.no_cuts_final_years:
                    withdrawal = np.where(rate > initial_rate * upper, withdrawal * cut, withdrawal)
                withdrawal = np.where(rate < initial_rate * lower, withdrawal * raise_, withdrawal)
                np.maximum(withdrawal, floor[t], out=withdrawal)
            np.less(current, withdrawal, out=short[k])
            np.minimum(current, withdrawal, out=paid[k])
            np.subtract(current, paid[k], out=wealth[t + 1])
            wealth[t + 1] *= growth[t]


def simulate(
    inputs: RetirementInputs,
    market: Market | None = None,
    *,
    target_income: float | None = None,
    contribution: float | None = None,
) -> Paths:
    """All paths for one scenario; `market` lets callers reuse draws across scenarios."""
    market = market if market is not None else build_market(inputs)
    wealth = _accumulate(
        inputs, market, inputs.annual_contribution if contribution is None else contribution
    )
    target = inputs.target_income if target_income is None else target_income
    return _decumulate(inputs, market, wealth, target)


# ----------------------------------------------------------------- sustainable income


def _max_income_per_path(inputs: RetirementInputs, market: Market, paths: Paths) -> FloatArray:
    """Constant real rule: the highest target each path can pay in full.

    Wealth before the k-th withdrawal is A_k − X·B_k, with A the wealth without withdrawals
    and B the grown sum of past unit withdrawals, so the path pays X in full every year iff
    X ≤ min_k A_k / (B_k + cpi_k). One pass replaces a simulation per bisection step."""
    start, years = inputs.years_until_retirement, inputs.years
    growth, cpi = market.growth, market.cpi
    a = paths.wealth[start].copy()
    b = np.zeros_like(a)
    best = np.full_like(a, np.inf)
    ratio = np.empty_like(a)
    for t in range(start, years):
        np.divide(a, b + cpi[t], out=ratio)
        np.minimum(best, ratio, out=best)
        a *= growth[t]
        b += cpi[t]
        b *= growth[t]
    result: FloatArray = best
    return result


_UNBOUNDED_INCOME = 1e12


def _bisect(success_at: Callable[[float], float], rate: float, guess: float, tol: float) -> float:
    """Highest x with success_at(x) ≥ rate, for success_at non-increasing and success_at(0)=1.
    Stops at `tol` or at float resolution, whichever comes first: for incomes beyond ~1e13 the
    gap between neighbouring floats exceeds an absolute `tol`, and halving would never end."""
    lo, hi = 0.0, max(guess, 1.0)
    while success_at(hi) >= rate and math.isfinite(hi):
        lo, hi = hi, hi * 2.0
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            break
        if success_at(mid) >= rate:
            lo = mid
        else:
            hi = mid
    return lo


def sustainable_income(
    inputs: RetirementInputs, market: Market, paths: Paths
) -> tuple[float | None, float]:
    """Bisection on common random numbers: the highest target income whose success rate
    reaches `success_target_pct`, with that rate. None when no target income can fail (a
    percent-of-portfolio rule without a floor never runs out)."""
    rate = inputs.success_target_pct / 100.0
    if inputs.withdrawal_rule == "constant_real":
        ceiling = _max_income_per_path(inputs, market, paths)

        def success_at(x: float) -> float:
            return float(np.count_nonzero(ceiling >= x)) / ceiling.size

        tol = 0.001
    else:
        retired = inputs.years_until_retirement
        accumulated = paths.wealth[: retired + 1].copy()
        scratch = np.empty_like(paths.wealth)

        def success_at(x: float) -> float:
            scratch[: retired + 1] = accumulated
            return float(_decumulate(inputs, market, scratch, x).success.mean())

        if success_at(_UNBOUNDED_INCOME) >= rate:
            return None, 100.0
        # Each step here is a full simulation; $10 or 0.05 % is finer than any report shows.
        tol = max(10.0, inputs.target_income * 5e-4)
    income = math.floor(_bisect(success_at, rate, inputs.target_income, tol) * 100.0) / 100.0
    return income, round_pct(100.0 * success_at(income))


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
    paths = short.shape[1]
    ran_out = short.any(axis=0)
    first = short.argmax(axis=0)[ran_out]
    counts = np.bincount(first, minlength=short.shape[0])
    start = inputs.years_until_retirement
    cumulative = np.cumsum(counts)
    by_age = [
        DepletionYear(
            age=inputs.retirement_age + k,
            year_index=start + k,
            pct_of_paths=round_pct(100.0 * counts[k] / paths),
            cumulative_pct=round_pct(100.0 * cumulative[k] / paths),
        )
        for k in range(short.shape[0])
    ]
    median = float(np.median(first)) + inputs.retirement_age if first.size else None
    return Depletion(
        pct_of_paths=round_pct(100.0 * first.size / paths), median_age=median, by_age=by_age
    )


def _success_definition(inputs: RetirementInputs) -> str:
    span = f"every year from age {inputs.retirement_age} until age {inputs.planning_age}"
    if inputs.withdrawal_rule == "constant_real":
        return f"The target income, raised with inflation, is paid in full {span}."
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
    return f"Withdrawing {rule}{floor}, the withdrawal is paid in full {span}."


def _notes(inputs: RetirementInputs) -> list[str]:
    notes = [
        f"Inflation is assumed constant at {inputs.inflation_pct:g}% a year; contributions and "
        "income are in today's money and rise with it.",
        "The portfolio is rebalanced yearly to fixed weights; fees and taxes are not modelled.",
    ]
    if inputs.return_model == "student_t":
        notes.append(
            f"Fat-tailed returns: multivariate Student-t with {inputs.student_t_df:g} degrees "
            "of freedom, scaled to the same volatility."
        )
    if inputs.withdrawal_rule != "constant_real":
        notes.append(
            "Income varies with the markets under this rule; see the income bands for the "
            "spread of yearly income in today's money."
        )
    return notes


def project_retirement(inputs: RetirementInputs) -> RetirementProjection:
    """Run the Monte Carlo for `inputs` and summarise it."""
    market = build_market(inputs)
    paths = simulate(inputs, market)
    p = float(paths.success.mean())
    income, income_success = sustainable_income(inputs, market, paths)
    depletion = _depletion(inputs, paths.short)

    start = inputs.years_until_retirement
    # Percentiles sort the path arrays in place, so they come after everything that reads
    # paths in order. Inflation is deterministic: real percentiles = nominal ones / CPI.
    nominal = _quantile_rows(paths.wealth)
    real = nominal / market.cpi[:, None]
    income_bands = _quantile_rows(paths.income_real)
    mu_a, sd_a = inputs.assumptions.portfolio_moments(inputs.accumulation_weights())
    mu_r, sd_r = inputs.assumptions.portfolio_moments(inputs.retirement_weights())
    median = PERCENTILES.index(50)
    return RetirementProjection(
        inputs=inputs,
        retirement_age=inputs.retirement_age,
        planning_age=inputs.planning_age,
        success_pct=round_pct(100.0 * p),
        success_standard_error_pct=round_pct(100.0 * math.sqrt(p * (1.0 - p) / inputs.paths)),
        success_definition=_success_definition(inputs),
        expected_return_pct=round_pct(100.0 * mu_a),
        volatility_pct=round_pct(100.0 * sd_a),
        expected_return_in_retirement_pct=round_pct(100.0 * mu_r),
        volatility_in_retirement_pct=round_pct(100.0 * sd_r),
        median_wealth_at_retirement=cents(nominal[start, median]),
        median_wealth_at_retirement_real=cents(real[start, median]),
        median_wealth_at_planning_age=cents(nominal[-1, median]),
        median_wealth_at_planning_age_real=cents(real[-1, median]),
        wealth_bands=_band_points(nominal, inputs, 0),
        wealth_bands_real=_band_points(real, inputs, 0),
        income_bands_real=_band_points(income_bands, inputs, start),
        depletion=depletion,
        sustainable_income=income,
        sustainable_income_success_pct=income_success,
        success_target_pct=inputs.success_target_pct,
        notes=_notes(inputs),
    )
