"""What a job's agents share: the portfolio loaded once, the engines' analysis of it, and a
per-agent context handed to tools through `RunContextWrapper.context`."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from alex.agents.citations import KnowledgeSearch, References
from alex.agents.events import EventRecorder, UsageReport
from alex.agents.grounding import GroundingResult
from alex.finance.plan import PortfolioAnalysis
from alex.finance.rebalance import DEFAULT_DRIFT_THRESHOLD_PP
from alex.finance.retirement import DEFAULT_PATHS, DEFAULT_SEED
from alex.schemas import AgentName, PortfolioSnapshot


@dataclass(frozen=True)
class AnalysisOptions:
    """Knobs a job request may set; every default is the engine's documented default."""

    drift_threshold: float = DEFAULT_DRIFT_THRESHOLD_PP
    seed: int = DEFAULT_SEED
    paths: int = DEFAULT_PATHS

    @classmethod
    def from_request(cls, payload: dict[str, Any] | None) -> AnalysisOptions:
        payload = payload or {}
        return cls(
            drift_threshold=float(payload.get("drift_threshold", cls.drift_threshold)),
            seed=int(payload.get("seed", cls.seed)),
            paths=int(payload.get("paths", cls.paths)),
        )


@dataclass
class AnalysisInputs:
    """Read-only facts for one job: loaded once by the planner, read by every specialist."""

    job_id: uuid.UUID
    snapshot: PortfolioSnapshot
    analysis: PortfolioAnalysis
    options: AnalysisOptions = field(default_factory=AnalysisOptions)
    data_quality: list[str] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)
    """Results computed once and shared between agents (e.g. the base projection)."""
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass
class AgentContext:
    """The `RunContextWrapper.context` of one agent run: tools read `inputs` and may leave
    structured results (e.g. the retirement projection) in `results` for the planner to store
    exactly as computed. `knowledge` searches the knowledge base (None: there is none), and
    `references` numbers the documents this run was shown, for its report to cite."""

    agent: AgentName
    inputs: AnalysisInputs
    recorder: EventRecorder
    results: dict[str, Any] = field(default_factory=dict)
    knowledge: KnowledgeSearch | None = None
    references: References = field(default_factory=References)


@dataclass
class SectionResult:
    """What a specialist hands back to the planner: the payload to store, the tokens it
    used and what the grounding check found in its narrative."""

    payload: dict[str, Any]
    usage: UsageReport
    grounding: GroundingResult | None
    message: str


class SectionFailedError(Exception):
    """A specialist finished without a usable result (the reason is shown to the user)."""
