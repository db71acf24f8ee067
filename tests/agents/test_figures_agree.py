"""The demo analysis reads the same everywhere outside the browser: the report, the retirement
section, the executive summary and `alex plan` show each figure identically (the browser's
Analysis page and dashboard are compared in tests/e2e/test_figures.py)."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.agents.planner.manager import run_analysis
from alex.cli import app
from tests.agents.conftest import load_job
from tests.figures import from_cli_plan, from_executive_summary, from_report


async def test_report_summary_and_cli_show_the_same_figures(
    engine: Engine, demo_job: uuid.UUID
) -> None:
    await run_analysis(demo_job, engine=engine)
    job = load_job(engine, demo_job)
    assert job.report_payload and job.retirement_payload and job.summary_payload
    report = from_report(job.report_payload.markdown, job.retirement_payload.markdown)

    plan = CliRunner().invoke(app, ["plan", "--user", "demo"])
    assert plan.exit_code == 0, plan.output
    cli = from_cli_plan(plan.output)

    assert cli == report
    summary = from_executive_summary(job.summary_payload.executive_summary or "")
    assert (summary.total, summary.max_drift, summary.success) == (
        report.total,
        report.max_drift,
        report.success,
    )
    # The demo has what makes rounding and naming diverge: a half-dollar of cash, a share
    # ending in 5 at the second decimal, regions with capitals, drift both ways.
    assert report.cash == "$12,101"
    assert report.asset_classes["Fixed income"] == "11.0%"
    assert set(report.regions) >= {"North America", "Asia-Pacific", "Emerging markets"}
    assert {d[0] for d in report.drift.values()} == {"+", "−"}
