"""Request and response shapes that exist only at the HTTP edge. Domain shapes (UserRead,
AccountCreate, …) live in `alex.schemas`."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from alex.finance.charts import ChartSpec
from alex.finance.plan import PortfolioAnalysis
from alex.knowledge.extract import Metadata
from alex.payloads import Headline, JobRead
from alex.schemas import (
    AccountRead,
    AccountWithPositions,
    ClassificationSource,
    InstrumentType,
    JobEventRead,
    JobStatus,
    PositionRead,
    UserRead,
)

Email = Annotated[
    str,
    Field(
        min_length=3,
        max_length=320,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        examples=["jordan@example.com"],
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --------------------------------------------------------------------------- auth


class AuthConfig(BaseModel):
    mode: Literal["local", "clerk"]
    demo_enabled: bool
    clerk_publishable_key: str | None


class SignUpRequest(_Strict):
    email: Email
    password: Annotated[str, Field(min_length=8, max_length=256)]
    display_name: Annotated[str, Field(min_length=1, max_length=200)] = "Investor"


class SignInRequest(_Strict):
    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")
    user_id: str


# --------------------------------------------------------------------------- accounts


class AccountSummary(AccountRead):
    positions_count: int
    positions_value: Decimal = Field(description="Value of the priced positions.")
    total_value: Decimal = Field(description="Cash plus the value of the priced positions.")
    unpriced_positions: int = Field(
        description="Positions with no price: left out of the totals above."
    )
    stale_positions: int = Field(
        description="Positions valued at a price older than the configured age, or whose last "
        "refresh failed."
    )
    unclassified_positions: int = Field(
        description="Positions whose asset class, region or sector breakdown is unknown."
    )


class PositionDetail(PositionRead):
    instrument_name: str
    instrument_type: InstrumentType | None
    price: Decimal | None
    price_as_of: date | None = Field(description="The price's own date (provider's or file's).")
    price_source: str | None = Field(
        description="seed, a provider name, 'user' (yours) or 'import:<format>' (your file)."
    )
    price_stale: bool
    price_note: str | None = Field(description="Why the price is stale, when it is.")
    value: Decimal | None = Field(description="quantity × price; null when the price is missing.")
    weight_pct: float | None = Field(description="Share of the account's total value, in %.")
    classified: bool
    classification_source: ClassificationSource | None


class AccountDetail(AccountSummary):
    positions: list[PositionDetail]


class PortfolioView(BaseModel):
    analysis: PortfolioAnalysis
    charts: dict[str, ChartSpec] = Field(
        description="Dashboard charts by key (asset_class_donut, region_pie, sector_bar, "
        "account_split, top_holdings, asset_class_drift, region_drift); a chart with no data "
        "is left out."
    )


# --------------------------------------------------------------------------- prices


class UserPriceSet(_Strict):
    price: Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=6)]
    as_of: date | None = Field(default=None, description="The price's date; default today.")


class PriceHistoryEntry(BaseModel):
    price: Decimal
    as_of: date
    source: str
    yours: bool = Field(description="Your own price (typed or imported), not a shared one.")


# --------------------------------------------------------------------------- import

ImportFormat = Literal["simple", "fidelity", "schwab", "vanguard", "mapped"]


class ImportRow(BaseModel):
    line: int
    symbol: str
    description: str | None = Field(
        default=None, description="The file's name for the holding (plain text)."
    )
    quantity: Decimal
    price: Decimal | None = Field(
        default=None,
        description="Price per share in the file; stored as your own price, dated `as_of`.",
    )
    cost_basis: Decimal | None = Field(
        description="Total cost basis; when the file has none, the position keeps its own."
    )
    action: Literal["add", "update"]
    known_instrument: bool


class ImportRowError(BaseModel):
    line: int
    message: str


class ImportSourceAccount(BaseModel):
    number: str = Field(description="The broker's account number or label, as in the file.")
    name: str | None


class ImportResult(BaseModel):
    format: ImportFormat | None = Field(
        default=None, description="The layout recognised (null: unrecognised, pick the columns)."
    )
    as_of: date = Field(description="The date given to the positions and prices.")
    as_of_source: Literal["file", "request", "today"] = Field(
        description="Where `as_of` comes from: the file (Schwab's title, Fidelity's download "
        "date), the `as_of` parameter, or today.",
    )
    rows: list[ImportRow]
    errors: list[ImportRowError]
    ignored: list[ImportRowError] = Field(
        default_factory=list,
        description="Lines read on purpose as something other than a holding (totals, notes, "
        "a transactions section), with the reason.",
    )
    cash_balance: Decimal | None = Field(
        default=None,
        description="The account's cash from the file's cash lines (money-market core or "
        "settlement fund, cash, pending activity), summed; null when it has none.",
    )
    cash_lines: list[int] = Field(default_factory=list)
    columns: list[str] = Field(
        default_factory=list, description="The header's columns, for the column mapping."
    )
    needs_mapping: bool = Field(
        default=False,
        description="The header was not understood: choose the symbol and quantity columns "
        "(`symbol_column`, `quantity_column`, …).",
    )
    source_accounts: list[ImportSourceAccount] = Field(
        default_factory=list,
        description="Broker accounts in the file; with several, choose one (`source_account`).",
    )
    not_in_file: list[str] = Field(
        default_factory=list,
        description="Symbols this account holds that the file does not list (left unchanged).",
    )
    committed: bool


# --------------------------------------------------------------------------- jobs


class AnalyzeResponse(BaseModel):
    job_id: uuid.UUID
    status: JobStatus


class JobSummary(BaseModel):
    id: uuid.UUID
    status: JobStatus
    attempts: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    error_message: str | None
    headline: str | None = Field(description="The start of the executive summary.")
    headline_figures: Headline | None = Field(
        description="The planner's headline numbers (total value, success %, …)."
    )


class JobExport(JobRead):
    events: list[JobEventRead]


class ClassificationExport(_Read):
    symbol: str
    name: str | None
    instrument_type: str | None
    allocation_asset_class: dict[str, float] | None
    allocation_regions: dict[str, float] | None
    allocation_sectors: dict[str, float] | None
    classification_source: str | None


class PriceExport(_Read):
    symbol: str
    price: Decimal
    as_of: date
    source: str


class UserExport(BaseModel):
    exported_at: datetime
    user: UserRead
    accounts: list[AccountWithPositions]
    classifications: list[ClassificationExport] = Field(
        description="Your own classifications (and the tagger's for symbols only you hold)."
    )
    prices: list[PriceExport] = Field(description="Prices you set or imported.")
    jobs: list[JobExport]


# --------------------------------------------------------------------------- health


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: bool
    migrations_at_head: bool
    detail: str | None = None


# --------------------------------------------------------------------------- knowledge base


class KnowledgeTextCreate(Metadata):
    """A note sent as Markdown rather than as a file. Its metadata is checked by the same rules
    as a file's front matter (`date`, `topic`, ticker `symbols`, `sources` it cites)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Why we hold short-term Treasuries",
                    "markdown": "# Short-term Treasuries\n\nThey keep cash safe and paid.",
                    "source": "Alex research desk",
                    "date": "2025-01-15",
                    "topic": "fixed_income",
                    "symbols": ["SHV", "BIL"],
                    "sources": ["https://www.treasurydirect.gov/"],
                }
            ]
        }
    )

    title: Annotated[str, Field(min_length=1, max_length=300)]
    markdown: Annotated[str, Field(min_length=1)]
    source: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            description="Where the text comes from (a URL, a publication), shown with passages.",
        ),
    ]


class KnowledgePassage(BaseModel):
    """One search result with what citing it needs."""

    document_id: str
    title: str
    heading: str
    text: str
    source: str
    citations: list[str]
    published: date | None
    topic: str | None
    symbols: list[str]
    score: float = Field(description="Higher is better; comparable within one answer only.")
