"""The shape of every stored analysis result, from the agent that writes it to the browser.

Each section of a job has one model: `ReportPayload` (the reporter), `ChartsPayload` (the
charter), `RetirementPayload` (the retirement specialist) and `SummaryPayload` (the planner, with
the `DataQualityReport` and the `GroundingSummary`). The agents build these models and store
their JSON, so a payload is validated when it is written; `JobRead` reads them back typed, and
the web app's types are generated from it (frontend/lib/api-types.ts).

Jobs stored before these models keep loading: each model reads the older spellings of its keys
(`_legacy_*` below; the shapes the web app's old reader accepted, and what git history shows the
agents wrote — before the price refresh the data-quality block had no stale prices, unvalued
holdings or coverage statement, and the headline had neither; before the retirement outlook the
retirement section had no success by return model, allocations or levers). A chart, a model's
outcome, an allocation or a lever that cannot be read is left out, as the old reader did with
charts, instead of failing the whole job."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from alex.finance.changes import AnalysisInputsRecord
from alex.finance.charts import ChartSpec
from alex.finance.outlook import AllocationOutcome, Lever, ModelOutcome
from alex.finance.retirement import RetirementProjection, SpendingCut
from alex.schemas import AgentUsage, AssetClass, JobStatus, JobType, ReturnModel

logger = logging.getLogger(__name__)

SectionName = Literal["report", "charts", "retirement"]


WRITING = {"writing": True}
"""Validation context for a payload about to be stored: an unknown key is then an error (a
writer's typo), where a reader of stored payloads drops it."""


class _Payload(BaseModel):
    # Keys a payload does not know (from an older or newer writer) are dropped when reading,
    # not an error; fields with defaults are always present in what the API sends, so the
    # generated TypeScript types mark them as required.
    model_config = ConfigDict(extra="ignore", json_schema_serialization_defaults_required=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys_when_writing(cls, data: Any, info: ValidationInfo) -> Any:
        if (
            isinstance(info.context, dict)
            and info.context.get("writing")
            and isinstance(data, dict)
        ):
            unknown = sorted(set(data) - set(cls.model_fields))
            if unknown:
                raise ValueError(f"{cls.__name__} has no field(s) {', '.join(unknown)}")
        return data


def _first(data: dict[str, Any], *keys: str) -> Any:
    """The first of `keys` that `data` has a value for (older payloads spelt keys differently)."""
    for key in keys:
        if data.get(key) is not None:
            return data[key]
    return None


# --------------------------------------------------------------------------- grounding


class GroundingResult(_Payload):
    """What the grounding check found in one narrative; stored with the section it checked."""

    grounded: bool
    checked: int = Field(ge=0)
    matched: int = Field(ge=0)
    unmatched: list[str]

    @classmethod
    def empty(cls) -> GroundingResult:
        return cls(grounded=True, checked=0, matched=0, unmatched=[])

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        data.setdefault("grounded", _first(data, "ok", "passed"))
        data.setdefault("unmatched", _first(data, "mismatches") or [])
        data["unmatched"] = [_text_of(u) for u in data["unmatched"]]
        return data


class GroundingSummary(GroundingResult):
    """The grounding of the whole analysis, and of each narrative section."""

    by_section: dict[str, GroundingResult] = Field(default_factory=dict)


# --------------------------------------------------------------------------- report


class Reference(_Payload):
    """A knowledge-base document the report cites as `[n]`."""

    n: int = Field(ge=1, description="The number the report cites it by.")
    title: str
    published: date | None = None
    source: str = Field(description="Where the document came from (its file name or address).")
    citations: list[str] = Field(
        default_factory=list, description="The works the document itself names as its sources."
    )
    document_id: str


class ReportPayload(_Payload):
    """The reporter's section: the portfolio report in Markdown."""

    markdown: str
    grounding: GroundingResult | None = None
    model: str | None = Field(default=None, description="The model that wrote it.")
    # Reports written before the knowledge base cite nothing.
    references: list[Reference] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        return _with_markdown(data)


def _with_markdown(data: Any) -> Any:
    if isinstance(data, str):
        return {"markdown": data}
    if isinstance(data, dict) and "markdown" not in data:
        text = _first(data, "report_markdown", "report", "content", "text")
        if isinstance(text, str):
            return {**data, "markdown": text}
    return data


# --------------------------------------------------------------------------- charts


class ChartsPayload(_Payload):
    """The charter's section: the charts it chose, built by the finance chart builders."""

    charts: list[ChartSpec]
    rejected_keys: list[str] = Field(
        default_factory=list, description="Chart keys the model asked for that do not exist."
    )
    model: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if isinstance(data, list):
            data = {"charts": data}
        if not isinstance(data, dict):
            return data
        charts = _first(data, "charts", "items") or []
        return {**data, "charts": [c for c in map(_legacy_chart, charts) if c is not None]}


_UNITS = {"usd": "currency", "$": "currency", "%": "percent", "pct": "percent"}


def _legacy_chart(chart: Any) -> ChartSpec | None:
    if isinstance(chart, ChartSpec):
        return chart
    if not isinstance(chart, dict):
        return None
    chart = dict(chart)
    chart.setdefault("type", chart.get("chart_type"))
    unit = _first(chart, "unit", "value_format", "format")
    chart["unit"] = _UNITS.get(unit, unit)
    chart["data"] = [
        {**p, "name": _first(p, "name", "label", "x"), "value": _first(p, "value", "y")}
        for p in chart.get("data") or []
        if isinstance(p, dict)
    ]
    try:
        return ChartSpec.model_validate(chart)
    except ValidationError as exc:
        # The old reader skipped a chart it could not draw; one bad chart must not hide the
        # rest of the analysis.
        logger.warning("stored chart %r left out: %s", chart.get("key"), exc.errors()[0]["msg"])
        return None


# --------------------------------------------------------------------------- retirement


class RetirementSummary(_Payload):
    """The figures of one projection (the base case or a scenario), without the bands."""

    name: str | None = None
    current_age: int | None = None
    retirement_age: int
    planning_age: int
    years_until_retirement: int | None = None
    starting_value: float | None = None
    annual_contribution: float | None = None
    target_income: float | None = None
    success_pct: float = Field(description="Chance (0–100) that the plan succeeds.")
    success_standard_error_pct: float | None = Field(
        default=None, description="Monte Carlo sampling error of success_pct, in points."
    )
    success_target_pct: float | None = None
    success_definition: str | None = None
    sustainable_income: float | None = None
    sustainable_income_success_pct: float | None = None
    median_wealth_at_retirement_real: float | None = None
    median_wealth_at_planning_age_real: float | None = None
    depletion_pct_of_paths: float | None = None
    depletion_median_age: float | None = None
    expected_return_pct: float | None = None
    volatility_pct: float | None = None
    inflation_pct: float | None = None
    paths: int | None = Field(
        default=None, description="Paths simulated (start years for the historical model)."
    )
    seed: int | None = None
    return_model: ReturnModel | None = Field(
        default=None, description="How returns were drawn; null before the return models."
    )
    sustainable_income_range: tuple[float, float] | None = Field(
        default=None, description="95 % sampling interval of sustainable_income."
    )
    p10_wealth_at_planning_age_real: float | None = Field(
        default=None,
        description="10th-percentile wealth at the planning age, in today's money.",
    )
    worst_spending_cut: SpendingCut | None = Field(
        default=None,
        description="Deepest yearly cut below the planned spending (variable withdrawal rules).",
    )
    notes: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, projection: RetirementProjection, name: str | None = None) -> RetirementSummary:
        p = projection
        return cls(
            name=name,
            current_age=p.inputs.current_age,
            retirement_age=p.retirement_age,
            planning_age=p.planning_age,
            years_until_retirement=p.inputs.years_until_retirement,
            starting_value=round(sum(p.inputs.portfolio_by_asset_class.values()), 2),
            annual_contribution=p.inputs.annual_contribution,
            target_income=p.inputs.target_income,
            success_pct=p.success_pct,
            success_standard_error_pct=p.success_standard_error_pct,
            success_target_pct=p.success_target_pct,
            success_definition=p.success_definition,
            sustainable_income=p.sustainable_income,
            sustainable_income_success_pct=p.sustainable_income_success_pct,
            median_wealth_at_retirement_real=p.median_wealth_at_retirement_real,
            median_wealth_at_planning_age_real=p.median_wealth_at_planning_age_real,
            depletion_pct_of_paths=p.depletion.pct_of_paths,
            depletion_median_age=p.depletion.median_age,
            expected_return_pct=p.expected_return_pct,
            volatility_pct=p.volatility_pct,
            inflation_pct=p.inputs.inflation_pct,
            paths=p.paths or p.inputs.paths,
            seed=p.inputs.seed,
            return_model=p.inputs.return_model,
            sustainable_income_range=p.sustainable_income_range,
            p10_wealth_at_planning_age_real=p.p10_wealth_at_planning_age_real,
            worst_spending_cut=p.worst_spending_cut,
            notes=list(p.notes),
        )

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        aliases = {
            "success_pct": ("success_probability",),
            "success_standard_error_pct": ("success_probability_se",),
            "median_wealth_at_planning_age_real": ("median_ending_wealth",),
        }
        data = dict(data)
        for key, old in aliases.items():
            if data.get(key) is None:
                data[key] = _first(data, *old)
        return data


class RetirementScenario(RetirementSummary):
    """A what-if: the same simulation with retirement moved, more saved, less spent or Social
    Security claimed at another age."""

    label: str
    retire_years_later: int = 0
    extra_annual_contribution: float = 0.0
    spend_less_per_year: float = 0.0
    claim_social_security_at: int | None = Field(
        default=None,
        description="Age every Social Security benefit is claimed at; null: as planned.",
    )
    success_change_pp: float | None = Field(
        default=None, description="Change in success_pct from the base case, in points."
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy_scenario(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if isinstance(data.get("summary"), dict):  # figures nested under "summary"
            data = {**data["summary"], **{k: v for k, v in data.items() if k != "summary"}}
        if not data.get("label"):
            data = {**data, "label": _first(data, "scenario") or "Scenario"}
        return data


class RetirementPayload(_Payload):
    """The retirement specialist's section: its explanation, the engine's projection of the
    base case exactly as computed, its figures, the outlook around it (the same plan under
    every return model, as held against at the targets, the ranked levers: exactly what
    `alex plan` and POST /api/retirement/projection show) and the what-if scenarios."""

    markdown: str = ""
    projection: RetirementProjection | None = None
    summary: RetirementSummary
    by_model: list[ModelOutcome] = Field(
        default_factory=list,
        description="Success of the same plan under every return model; empty for analyses "
        "stored before 2026-12.",
    )
    allocations: list[AllocationOutcome] = Field(
        default_factory=list,
        description="The plan as held and at the target allocation; empty for analyses stored "
        "before 2026-12.",
    )
    levers: list[Lever] = Field(
        default_factory=list,
        description="One change each, on the plan's own market paths, the largest gain in "
        "success first; empty for analyses stored before 2026-12.",
    )
    scenarios: list[RetirementScenario] = Field(default_factory=list)
    grounding: GroundingResult | None = None
    model: str | None = None

    @field_validator("by_model", "allocations", "levers", mode="wrap")
    @classmethod
    def _readable_items(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        # Written by the finance engine's models: an entry a later version of them can no
        # longer read is left out (with a warning), not the whole retirement section.
        if not isinstance(value, list):
            return handler(value)
        kept = []
        for index, item in enumerate(value):
            try:
                kept.extend(handler([item]))
            except ValidationError as exc:
                if isinstance(info.context, dict) and info.context.get("writing"):
                    raise
                logger.warning(
                    "stored retirement %s[%d] left out: %s",
                    info.field_name,
                    index,
                    exc.errors()[0]["msg"],
                )
        return kept

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        data = _with_markdown(data)
        if not isinstance(data, dict) or data.get("summary") is not None:
            return data
        # No summary block: its figures sat on the projection (or the payload itself).
        projection = _dict(data.get("projection"))
        inputs, depletion = _dict(projection.get("inputs")), _dict(projection.get("depletion"))
        flat = {k: v for k, v in data.items() if k not in ("projection", "scenarios")}
        summary = {
            **{k: inputs.get(k) for k in ("target_income", "paths", "annual_contribution")},
            **{k: v for k, v in projection.items() if not isinstance(v, dict | list)},
            **{k: v for k, v in flat.items() if not isinstance(v, dict | list)},
            "depletion_pct_of_paths": depletion.get("pct_of_paths"),
            "depletion_median_age": depletion.get("median_age"),
            "notes": _first(data, "notes") or projection.get("notes") or [],
        }
        return {**data, "summary": summary}


# --------------------------------------------------------------------------- summary


class Headline(_Payload):
    """The analysis in figures: what the executive summary and the jobs list quote."""

    name: str | None = None
    total_value: float
    invested: float | None = None
    cash: float | None = None
    accounts: int | None = None
    positions: int | None = None
    equity_pct: float | None = None
    asset_class_pct: dict[AssetClass, float] = Field(default_factory=dict)
    max_drift_pp: float | None = None
    needs_rebalancing: bool | None = None
    diversification_score: float | None = None
    coverage_pct: float | None = None
    unclassified_symbols: list[str] = Field(default_factory=list)
    unvalued_holdings: int | None = Field(
        default=None, description="Holdings left out of the total (no price); null before 2026-12."
    )
    stale_prices: int | None = Field(default=None, description="Prices older than allowed.")
    coverage_statement: str | None = None
    retirement_age: int | None = None
    target_retirement_income: float | None = None
    success_pct: float | None = None
    success_standard_error_pct: float | None = None
    sustainable_income: float | None = None


class SectionStatus(_Payload):
    status: Literal["completed", "failed"]
    error: str | None = None
    grounded: bool | None = Field(
        default=None, description="Whether the section's narrative passed the grounding check."
    )


class MissingPriceNote(_Payload):
    symbol: str
    account: str | None = None
    reason: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        return {"symbol": data} if isinstance(data, str) else data


class StaleQuote(_Payload):
    """A price the analysis used although it is old, or its last refresh failed."""

    symbol: str
    as_of: date | None = None
    age_days: int | None = None
    source: str | None = None
    reason: Literal["old", "refresh_failed"] = "old"
    detail: str | None = None


class DataQualityReport(_Payload):
    """What the analysis could not see: coverage of the look-through, unclassified symbols,
    missing and stale prices, and the notes that explain them."""

    coverage_pct: float | None = Field(
        default=None, description="Share (0–100) of the valued money whose breakdown is known."
    )
    unclassified_symbols: list[str] = Field(default_factory=list)
    missing_prices: list[MissingPriceNote] = Field(default_factory=list)
    stale_prices: list[StaleQuote] = Field(default_factory=list)
    unvalued_holdings: int | None = None
    coverage_statement: str | None = None
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        coverage = _first(data, "coverage_pct", "coverage")
        if isinstance(coverage, dict):
            coverage = _first(coverage, "classified_pct", "pct", "value")
        return {
            **data,
            "coverage_pct": coverage,
            "unclassified_symbols": [
                _text_of(s) for s in _first(data, "unclassified_symbols", "unclassified") or []
            ],
            "missing_prices": _first(data, "missing_prices", "missing_price") or [],
            "notes": [_text_of(n) for n in _first(data, "notes", "warnings") or []],
        }


class UsageTotals(_Payload):
    requests: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: Decimal = Decimal("0")


class SummaryPayload(_Payload):
    """The planner's section: the headline figures, its executive summary, how each section
    went, the grounding of every narrative, the data quality and what it was computed from."""

    headline: Headline | None = None
    executive_summary: str | None = None
    sections: dict[SectionName, SectionStatus] = Field(default_factory=dict)
    grounding: GroundingSummary | None = None
    data_quality: DataQualityReport = Field(default_factory=DataQualityReport)
    model: str | None = None
    usage: UsageTotals = Field(default_factory=UsageTotals)
    usage_by_agent: list[AgentUsage] = Field(
        default_factory=list,
        description="Model requests, tokens and dollars per agent, from the job's events; empty "
        "for the offline analyst and for analyses stored before 2026-12.",
    )
    elapsed_seconds: float | None = None
    inputs: AnalysisInputsRecord | None = Field(
        default=None,
        description="What the analysis was computed from (positions with their prices, cash, "
        "the profile's figures and targets); null for analyses stored before 2026-12.",
    )

    @model_validator(mode="before")
    @classmethod
    def _legacy(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(data.get("headline"), str):  # the summary's text under "headline"
            data.setdefault("executive_summary", data["headline"])
            data["headline"] = None
        if data.get("data_quality") is None:  # its fields at the top level
            data["data_quality"] = {
                k: v for k, v in data.items() if k in _DATA_QUALITY_KEYS and v is not None
            }
        return data


_DATA_QUALITY_KEYS = frozenset(
    {
        *DataQualityReport.model_fields,
        "coverage",
        "unclassified",
        "missing_price",
        "warnings",
    }
)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text_of(item: Any) -> str:
    """A list entry as text: old payloads sometimes held {"symbol": …} or {"text": …}."""
    if isinstance(item, dict):
        return str(_first(item, "symbol", "text", "value", "message") or item)
    return str(item)


# --------------------------------------------------------------------------- jobs


class JobRead(BaseModel):
    """A job with its sections, each in its own shape (None until that section is stored)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: str
    job_type: JobType
    status: JobStatus
    request_payload: dict[str, Any] | None
    report_payload: ReportPayload | None
    charts_payload: ChartsPayload | None
    retirement_payload: RetirementPayload | None
    summary_payload: SummaryPayload | None
    error_message: str | None
    attempts: int
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @field_validator(
        "report_payload", "charts_payload", "retirement_payload", "summary_payload", mode="wrap"
    )
    @classmethod
    def _readable(
        cls, value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        # A section this version cannot read (written by a much older or a broken writer) is
        # shown as missing, with a warning here, rather than making the whole job unreadable.
        try:
            return handler(value)
        except ValidationError as exc:
            _left_out(str(info.field_name), exc)
            return None


def read_summary(raw: dict[str, Any] | None) -> SummaryPayload | None:
    """A stored summary_payload, read as `JobRead` reads it (None when absent or unreadable)."""
    if raw is None:
        return None
    try:
        return SummaryPayload.model_validate(raw)
    except ValidationError as exc:
        _left_out("summary_payload", exc)
        return None


def _left_out(section: str, exc: ValidationError) -> None:
    problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
    logger.warning("stored %s of a job could not be read and is left out: %s", section, problems)
