"""Fixtures shared by the finance tests: the demo-like portfolio analysed once per module."""

from __future__ import annotations

import pytest

from alex.finance.plan import PortfolioAnalysis, analyse_portfolio, project_retirement_for
from alex.finance.retirement import RetirementProjection
from alex.schemas import PortfolioSnapshot

from .factories import demo_snapshot


@pytest.fixture(scope="module")
def demo() -> PortfolioSnapshot:
    return demo_snapshot()


@pytest.fixture(scope="module")
def demo_analysis(demo: PortfolioSnapshot) -> PortfolioAnalysis:
    return analyse_portfolio(demo)


@pytest.fixture(scope="module")
def demo_projection(
    demo: PortfolioSnapshot, demo_analysis: PortfolioAnalysis
) -> RetirementProjection:
    return project_retirement_for(demo, demo_analysis, paths=2_000)
