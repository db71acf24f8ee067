"""The dashboard's numbers: the finance engine's analysis of the caller's portfolio (valuation,
look-through allocation, drift, rebalancing, concentration, data quality) and its charts."""

from __future__ import annotations

from fastapi import APIRouter

from alex.api.deps import CurrentUser, SessionDep
from alex.api.models import PortfolioView
from alex.db import repository as repo
from alex.finance.charts import PORTFOLIO_BUILDERS
from alex.finance.plan import analyse_portfolio

router = APIRouter(prefix="/api", tags=["portfolio"])


@router.get("/portfolio", response_model=PortfolioView)
def portfolio(user: CurrentUser, session: SessionDep) -> PortfolioView:
    """Computed on request from current prices; no agents involved."""
    analysis = analyse_portfolio(repo.load_portfolio(session, user.id))
    charts = {}
    for key, build in PORTFOLIO_BUILDERS.items():
        spec = build(analysis)
        if spec is not None:
            charts[key] = spec
    return PortfolioView(analysis=analysis, charts=charts)
