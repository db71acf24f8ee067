"""Live what-if: the retirement projection for the caller's portfolio with any of the stored
profile's figures and retirement plan overridden, recomputed on request. Nothing is stored
here; saving a plan is `PUT /api/user` with `retirement_plan`."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from alex.api.deps import CurrentUser, SessionDep, WriteLimited
from alex.db import repository as repo
from alex.finance.outlook import RetirementOutlook
from alex.finance.plan import analyse_portfolio, retirement_outlook_for
from alex.schemas import RetirementPlan

router = APIRouter(prefix="/api/retirement", tags=["retirement"], dependencies=[WriteLimited])

# The profile's own bounds (alex.schemas.UserUpdate); money capped where a float stays exact
# to the cent.
_MAX_MONEY = 1e12


class RetirementWhatIf(BaseModel):
    """Overrides of the stored profile and plan; anything left out keeps its stored value."""

    model_config = ConfigDict(extra="forbid")

    years_until_retirement: int | None = Field(default=None, ge=0, le=70)
    annual_contribution: float | None = Field(default=None, ge=0, le=_MAX_MONEY)
    target_income: float | None = Field(default=None, ge=0, le=_MAX_MONEY)
    plan: RetirementPlan | None = None
    """Replaces the stored retirement plan as a whole for this projection."""


@router.post("/projection", response_model=RetirementOutlook)
def projection(
    what_if: RetirementWhatIf, user: CurrentUser, session: SessionDep
) -> RetirementOutlook:
    """Projection, success under every return model, "as held" against "at your targets",
    and the ranked levers, on the same seed and path count as an analysis (so a saved plan's
    next analysis quotes these very figures). Synchronous on purpose: FastAPI runs it in its
    thread pool, off the event loop."""
    snapshot = repo.load_portfolio(session, user.id)
    analysis = analyse_portfolio(snapshot)
    overrides = what_if.model_dump(exclude_unset=True, exclude_none=True, exclude={"plan"})
    if "target_income" in overrides:
        overrides["target_income"] = float(overrides["target_income"])
    return retirement_outlook_for(snapshot, analysis, plan=what_if.plan, **overrides)
