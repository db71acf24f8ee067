"""Pydantic v2 domain schemas shared by the API, the agents, the worker and the engines.

`Literal` vocabularies live here once; allocation dicts are validated to sum to 100 ± 0.01 with
an error that names the dict and its sum."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

AssetClass = Literal["equity", "fixed_income", "real_estate", "commodities", "cash"]
Region = Literal["north_america", "europe", "asia_pacific", "emerging_markets", "other"]
Sector = Literal[
    "technology",
    "healthcare",
    "financials",
    "consumer_discretionary",
    "consumer_staples",
    "industrials",
    "energy",
    "utilities",
    "real_estate",
    "materials",
    "communication",
    "government_bonds",
    "corporate_bonds",
    "securitized",
    "precious_metals",
    "cash",
    "other",
]
InstrumentType = Literal["etf", "mutual_fund", "stock", "bond", "bond_fund", "commodity", "reit"]
ClassificationSource = Literal["seed", "reference", "user", "tagger"]
"""seed: the curated fund facts; reference: exact from a shipped file (an S&P 500 stock);
user: the user's own (their overlay only); tagger: the tagger agent."""
InstrumentOrigin = Literal["curated", "sp500", "fund_list", "user"]
"""Where a symbol is known from; 'user' symbols are visible only to the users who hold them."""
AccountType = Literal[
    "401k",
    "roth_401k",
    "403b",
    "traditional_ira",
    "roth_ira",
    "sep_ira",
    "hsa",
    "529",
    "taxable",
    "other",
]
JobType = Literal["portfolio_analysis"]
JobStatus = Literal["pending", "running", "completed", "failed"]
AgentName = Literal["planner", "tagger", "reporter", "charter", "retirement", "researcher"]
EventKind = Literal["started", "tool", "progress", "completed", "failed"]

ASSET_CLASSES: tuple[AssetClass, ...] = get_args(AssetClass)
REGIONS: tuple[Region, ...] = get_args(Region)
SECTORS: tuple[Sector, ...] = get_args(Sector)
TAX_ADVANTAGED_ACCOUNT_TYPES: frozenset[str] = frozenset(
    {"401k", "roth_401k", "403b", "traditional_ira", "roth_ira", "sep_ira", "hsa", "529"}
)

ALLOCATION_TOLERANCE = Decimal("0.01")
_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{0,9}(?:[.\-][A-Z0-9]{1,4})?$")


def _normalise_symbol(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _check_symbol(value: str) -> str:
    if not _SYMBOL.fullmatch(value):
        raise ValueError(
            f"'{value}' is not a valid ticker symbol: use letters and digits, optionally one "
            "'.' or '-' class suffix (e.g. VOO, BRK.B)"
        )
    return value


Symbol = Annotated[str, BeforeValidator(_normalise_symbol), AfterValidator(_check_symbol)]


def check_allocation(name: str, allocation: dict[str, float]) -> dict[str, float]:
    """Raise ValueError naming `name` unless the weights are within [0, 100] and sum to 100."""
    for key, weight in allocation.items():
        if not 0 <= weight <= 100:
            raise ValueError(f"{name}: weight for '{key}' is {weight}, must be between 0 and 100")
    total = Decimal(str(round(sum(allocation.values()), 9)))
    if abs(total - 100) > ALLOCATION_TOLERANCE:
        raise ValueError(f"{name} must sum to 100 (±0.01), but sums to {total.normalize():f}")
    return allocation


def _allocation_validator(name: str) -> AfterValidator:
    return AfterValidator(lambda value: check_allocation(name, value))


AssetClassAllocation = Annotated[
    dict[AssetClass, float], _allocation_validator("allocation_asset_class")
]
RegionAllocation = Annotated[dict[Region, float], _allocation_validator("allocation_regions")]
SectorAllocation = Annotated[dict[Sector, float], _allocation_validator("allocation_sectors")]
AssetClassTargets = Annotated[dict[AssetClass, float], _allocation_validator("asset_class_targets")]
RegionTargets = Annotated[dict[Region, float], _allocation_validator("region_targets")]

Money = Annotated[Decimal, Field(max_digits=20, decimal_places=4)]
Price = Annotated[Decimal, Field(ge=0, max_digits=20, decimal_places=6)]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=8)]
InterestRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4)]
ExpenseRatio = Annotated[Decimal, Field(ge=0, le=5, max_digits=8, decimal_places=6)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]

DEFAULT_ASSET_CLASS_TARGETS: dict[AssetClass, float] = {
    "equity": 70.0,
    "fixed_income": 25.0,
    "cash": 5.0,
}
DEFAULT_REGION_TARGETS: dict[Region, float] = {
    "north_america": 65.0,
    "europe": 15.0,
    "asia_pacific": 10.0,
    "emerging_markets": 10.0,
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --------------------------------------------------------------------------- retirement plan
# Inputs of the retirement engine that the user stores with their profile. The engine's own
# modules (alex.finance.income, .taxes, .retirement) use these very models.

Bucket = Literal["taxable", "pretax", "roth"]
WithdrawalOrder = Literal["conventional", "proportional"]
WithdrawalRule = Literal["constant_real", "percent_of_portfolio", "guardrails"]
ReturnModel = Literal["normal", "student_t", "historical", "bootstrap"]
AllocationBasis = Literal["as_held", "targets"]
MAX_PLAN_AMOUNT = 1e12
"""Largest yearly amount a plan accepts: far beyond any real plan, and small enough that
decades of growth stay finite."""
"""Which weights a projection uses: the portfolio as it is, or the user's target allocation."""

IncomeKind = Literal["social_security", "pension"]
SpendingShape = Literal["flat", "declining"]

# Blanchett (2014): real spending falls by about 1–2 % a year through the middle of
# retirement; the low end is the cautious choice for a plan.
DEFAULT_DECLINE_PCT = 1.0
DEFAULT_DECLINE_FROM_AGE = 75


class IncomeStream(BaseModel):
    """Income paid every year from `start_age` for life."""

    model_config = ConfigDict(extra="forbid")

    kind: IncomeKind
    start_age: int = Field(ge=0, le=120)
    annual_amount: float = Field(ge=0, le=MAX_PLAN_AMOUNT, allow_inf_nan=False)
    """Yearly payment in today's money (for a non-indexed stream, the fixed nominal payment)."""
    indexed: bool
    """Raised with inflation every year: true of Social Security (COLA), of few private
    pensions. Required rather than defaulted, since a wrong guess moves the plan a lot."""


class OneOff(BaseModel):
    """A single cash flow in today's money: positive is an expense or goal, negative a
    windfall. Placed by `age` or by calendar `year`, exactly one of the two."""

    model_config = ConfigDict(extra="forbid")

    amount: float = Field(ge=-MAX_PLAN_AMOUNT, le=MAX_PLAN_AMOUNT, allow_inf_nan=False)
    label: str = Field(default="", max_length=200)
    age: int | None = Field(default=None, ge=0, le=120)
    year: int | None = Field(default=None, ge=1900, le=2200)

    @model_validator(mode="after")
    def _one_anchor(self) -> OneOff:
        if (self.age is None) == (self.year is None):
            raise ValueError("a one-off needs exactly one of 'age' or 'year'")
        return self

    def age_in(self, first_age: int, start_year: int | None) -> int:
        """The age it falls at, for a projection whose first age is in `start_year`."""
        if self.age is not None:
            return self.age
        if self.year is None or start_year is None:
            raise ValueError(f"one-off {self.label!r} is placed by year but start_year is unknown")
        return first_age + self.year - start_year


class SpendingPath(BaseModel):
    """How the real spending target moves through retirement (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    shape: SpendingShape = "flat"
    decline_pct: float = Field(default=DEFAULT_DECLINE_PCT, ge=0, lt=100)
    """Yearly fall in real spending under `declining`."""
    decline_from_age: int = Field(default=DEFAULT_DECLINE_FROM_AGE, ge=0, le=120)
    """Last age at the full target; each later year is one step lower."""


class TaxRates(BaseModel):
    """Rates in percent, as the user enters them."""

    model_config = ConfigDict(extra="forbid")

    pretax_effective_pct: float = Field(ge=0, lt=100)
    """Effective (average) income-tax rate on pre-tax withdrawals."""
    capital_gains_pct: float = Field(default=15.0, ge=0, lt=100)
    taxable_gains_share_pct: float = Field(default=50.0, ge=0, le=100)
    """Share of a taxable withdrawal that is realised gain (the rest is basis)."""


DEFAULT_PRETAX_EFFECTIVE_PCT = 12.0
"""A typical average federal rate on a retiree's ordinary income (IRS SOI: most retirees'
taxable income sits in the 10–12 % brackets); users set their own."""


class RetirementPlan(_Strict):
    """Everything about retirement beyond the profile's four figures (age, years to go,
    target income, contribution). Every field has a default, so an empty plan is valid."""

    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    """Sets the RMD age; defaults to this year minus the current age."""
    planning_age: int | None = Field(default=None, ge=50, le=120)
    """Age the money must last to; 95 by default."""
    income_streams: list[IncomeStream] = Field(default_factory=list, max_length=10)
    one_offs: list[OneOff] = Field(default_factory=list, max_length=50)
    spending: SpendingPath = Field(default_factory=SpendingPath)
    withdrawal_rule: WithdrawalRule = "constant_real"
    withdrawal_rate_pct: float = Field(default=4.0, gt=0, le=100)
    return_model: ReturnModel = "normal"
    bootstrap_block_years: int = Field(default=5, ge=1, le=30)
    success_target_pct: float = Field(default=90.0, gt=0, lt=100)
    taxes: bool = True
    """Model taxes by account type (False: one untaxed pot, as before this setting)."""
    tax_rates: TaxRates = Field(
        default_factory=lambda: TaxRates(pretax_effective_pct=DEFAULT_PRETAX_EFFECTIVE_PCT)
    )
    withdrawal_order: WithdrawalOrder = "conventional"
    allocation_basis: AllocationBasis = "as_held"
    retirement_allocation_pct: AssetClassTargets | None = None
    """The mix to hold in retirement (and glide to); None keeps the pre-retirement mix."""
    glide_years: int = Field(default=0, ge=0, le=40)


# --------------------------------------------------------------------------- users


class UserUpdate(_Strict):
    display_name: ShortText | None = None
    current_age: int | None = Field(default=None, ge=16, le=100)
    years_until_retirement: int | None = Field(default=None, ge=0, le=70)
    target_retirement_income: Money | None = Field(default=None, ge=0)
    annual_contribution: Money | None = Field(default=None, ge=0)
    asset_class_targets: AssetClassTargets | None = None
    region_targets: RegionTargets | None = None
    retirement_plan: RetirementPlan | None = None


class UserCreate(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=128)]
    display_name: ShortText = "Investor"
    current_age: int = Field(default=40, ge=16, le=100)
    years_until_retirement: int = Field(default=25, ge=0, le=70)
    target_retirement_income: Money = Field(default=Decimal("60000"), ge=0)
    annual_contribution: Money = Field(default=Decimal("10000"), ge=0)
    asset_class_targets: AssetClassTargets = Field(
        default_factory=lambda: dict(DEFAULT_ASSET_CLASS_TARGETS)
    )
    region_targets: RegionTargets = Field(default_factory=lambda: dict(DEFAULT_REGION_TARGETS))


class UserRead(_Read):
    id: str
    display_name: str
    current_age: int
    years_until_retirement: int
    target_retirement_income: Decimal
    annual_contribution: Decimal
    asset_class_targets: dict[AssetClass, float]
    region_targets: dict[Region, float]
    retirement_plan: RetirementPlan = Field(default_factory=RetirementPlan)

    @field_validator("retirement_plan", mode="before")
    @classmethod
    def _default_plan(cls, value: Any) -> Any:
        return RetirementPlan() if value is None else value

    profile_completed_at: datetime | None = Field(
        default=None,
        description="When the user saved their own figures; null while they are placeholders.",
    )
    created_at: datetime
    updated_at: datetime


# --------------------------------------------------------------------------- instruments


class InstrumentClassification(_Strict):
    """What a tagger (model or user) asserts about an instrument. Validated like user input."""

    name: ShortText
    instrument_type: InstrumentType
    allocation_asset_class: AssetClassAllocation
    allocation_regions: RegionAllocation
    allocation_sectors: SectorAllocation


class InstrumentCreate(_Strict):
    symbol: Symbol
    name: ShortText
    instrument_type: InstrumentType
    current_price: Price | None = None
    price_as_of: date | None = None
    allocation_asset_class: AssetClassAllocation | None = None
    allocation_regions: RegionAllocation | None = None
    allocation_sectors: SectorAllocation | None = None
    classification_source: ClassificationSource | None = None
    expense_ratio: ExpenseRatio | None = None
    origin: InstrumentOrigin = "curated"
    classification_note: Annotated[str, Field(max_length=500)] | None = None
    classified_as_of: date | None = None


class InstrumentRead(_Read):
    symbol: str
    name: str
    instrument_type: InstrumentType | None
    current_price: Decimal | None
    price_as_of: date | None
    allocation_asset_class: dict[AssetClass, float] | None
    allocation_regions: dict[Region, float] | None
    allocation_sectors: dict[Sector, float] | None
    classification_source: ClassificationSource | None
    expense_ratio: Decimal | None
    origin: InstrumentOrigin = "user"
    classification_note: str | None = None
    classified_as_of: date | None = None
    price_source: str | None = Field(
        default=None,
        description="Where the price comes from: seed, a provider (polygon, tiingo), 'user' "
        "(typed by this user) or 'import:<broker>' (this user's broker export).",
    )
    price_error: str | None = Field(
        default=None, description="Why the last provider refresh failed; the price was kept."
    )

    @property
    def is_classified(self) -> bool:
        return bool(
            self.allocation_asset_class and self.allocation_regions and self.allocation_sectors
        )


# --------------------------------------------------------------------------- accounts


class AccountCreate(_Strict):
    account_name: ShortText
    account_type: AccountType
    account_purpose: Annotated[str, Field(max_length=500)] = ""
    cash_balance: Money = Field(default=Decimal("0"), ge=0)
    cash_interest: Annotated[Decimal, Field(ge=0, le=100, max_digits=8, decimal_places=4)] = (
        Decimal("0")
    )


class AccountUpdate(_Strict):
    account_name: ShortText | None = None
    account_type: AccountType | None = None
    account_purpose: Annotated[str, Field(max_length=500)] | None = None
    cash_balance: Money | None = Field(default=None, ge=0)
    cash_interest: InterestRate | None = None


class AccountRead(_Read):
    id: uuid.UUID
    user_id: str
    account_name: str
    account_type: AccountType
    account_purpose: str
    cash_balance: Decimal
    cash_interest: Decimal
    created_at: datetime
    updated_at: datetime


# --------------------------------------------------------------------------- positions


class PositionCreate(_Strict):
    symbol: Symbol
    quantity: Quantity
    cost_basis: Money | None = Field(default=None, ge=0)
    as_of_date: date | None = None


class PositionUpdate(_Strict):
    quantity: Quantity | None = None
    cost_basis: Money | None = Field(default=None, ge=0)
    as_of_date: date | None = None


class PositionRead(_Read):
    id: uuid.UUID
    account_id: uuid.UUID
    symbol: str
    quantity: Decimal
    cost_basis: Decimal | None
    as_of_date: date
    created_at: datetime
    updated_at: datetime


# --------------------------------------------------------------------------- portfolio snapshot


class AccountWithPositions(AccountRead):
    positions: list[PositionRead]


class PortfolioSnapshot(BaseModel):
    """A user's whole portfolio, loaded in one call: the input every engine and agent reads."""

    user: UserRead
    accounts: list[AccountWithPositions]
    instruments: dict[str, InstrumentRead]
    valued_on: date = Field(default_factory=date.today)
    """The day the portfolio is valued: a price's age is counted from it."""
    price_max_age_days: int = Field(default=7, ge=1)
    """A price older than this (by its own date) is reported stale."""

    @property
    def unclassified_symbols(self) -> list[str]:
        return sorted(s for s, i in self.instruments.items() if not i.is_classified)


# --------------------------------------------------------------------------- jobs


class JobEventCreate(_Strict):
    agent: AgentName
    kind: EventKind
    message: Annotated[str, Field(max_length=2000)]
    data: dict[str, Any] | None = None
    tokens_in: int = Field(default=0, ge=0)
    tokens_out: int = Field(default=0, ge=0)
    cost_usd: Decimal = Field(default=Decimal("0"), ge=0)


class JobEventRead(_Read):
    id: int
    job_id: uuid.UUID
    seq: int
    agent: AgentName
    kind: EventKind
    message: str
    data: dict[str, Any] | None
    tokens_in: int
    tokens_out: int
    cost_usd: Decimal
    created_at: datetime

    @field_validator("data", mode="before")
    @classmethod
    def _empty_as_none(cls, value: Any) -> Any:
        return value or None


class AgentUsage(BaseModel):
    """One agent's model usage: tokens as the provider reported them, dollars from LiteLLM's
    bundled price map; `cost_known` is false when a model it used has no price there."""

    agent: str
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Decimal = Decimal("0")
    cost_known: bool = True
