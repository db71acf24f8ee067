"""End to end with the offline analyst on the seeded demo portfolio, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from alex.agents.planner.manager import run_analysis, run_analysis_sync
from alex.core.format import money, pct
from alex.db import repository as repo
from alex.db.session import session_scope
from alex.finance.charts import ChartSpec
from alex.finance.plan import analyse_portfolio, project_retirement_for
from alex.schemas import UserCreate
from tests.agents.conftest import first_seq, kinds, load_events, load_job

SPECIALISTS = ("reporter", "charter", "retirement")


async def test_offline_analysis_of_the_demo_portfolio(engine: Engine, demo_job: uuid.UUID) -> None:
    await run_analysis(demo_job, engine=engine)

    job = load_job(engine, demo_job)
    assert job.status == "completed", job.error_message
    assert job.started_at is not None and job.completed_at is not None
    with session_scope(engine) as session:
        snapshot = repo.load_portfolio(session, "demo")
    analysis = analyse_portfolio(snapshot)

    # The report quotes the real total and look-through allocation.
    assert job.report_payload is not None
    report = job.report_payload.markdown
    assert "Jordan" in report
    assert money(analysis.valuation.total) in report
    for slice_ in analysis.allocation.asset_class.slices:
        assert pct(slice_.pct) in report
    for heading in ("Summary", "Allocation", "Drift and rebalancing", "Risks", "Recommendations"):
        assert f"## {heading}" in report
    assert "ARKK" in report  # the unclassified holding is disclosed, not hidden

    # Charts are the builders' specs, validated, with the charter's titles.
    assert job.charts_payload is not None
    charts = job.charts_payload.charts
    assert all(isinstance(c, ChartSpec) for c in charts)
    keys = {c.key for c in charts}
    assert {"asset_class_donut", "retirement_fan"} <= keys
    assert all("Jordan" in c.title for c in charts)

    # The stored projection is the engine's own result with the engine's defaults, so the
    # analysis and `alex plan` show the user the same odds.
    assert job.retirement_payload is not None
    projection = job.retirement_payload.projection
    expected = project_retirement_for(snapshot, analysis)
    assert projection == expected
    assert job.retirement_payload.summary.success_pct == expected.success_pct
    assert pct(expected.success_pct) in job.retirement_payload.markdown

    # Summary: headline figures, per-section status, grounding and data quality.
    summary = job.summary_payload
    assert summary is not None and summary.headline is not None
    assert summary.headline.total_value == analysis.valuation.total
    assert summary.headline.success_pct == expected.success_pct
    assert {s.status for s in summary.sections.values()} == {"completed"}
    assert summary.grounding is not None
    assert summary.grounding.grounded is True, summary.grounding
    assert summary.grounding.checked > 50
    assert set(summary.grounding.by_section) == {"report", "retirement"}
    assert summary.data_quality.unclassified_symbols == ["ARKK"]
    assert any("ARKK" in note for note in summary.data_quality.notes)
    assert summary.executive_summary is not None and "Jordan" in summary.executive_summary

    # ARKK stays unclassified: the offline analyst never invents a classification.
    with session_scope(engine) as session:
        arkk = repo.require_instrument(session, "ARKK")
        assert arkk.allocation_asset_class is None and arkk.classification_source is None

    # Events: contiguous, ordered, every agent present, the planner opens and closes.
    events = load_events(engine, demo_job)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert {e.agent for e in events} == {"planner", "tagger", *SPECIALISTS}
    assert (events[0].agent, events[0].kind) == ("planner", "started")
    assert (events[-1].agent, events[-1].kind) == ("planner", "completed")
    for agent in SPECIALISTS:
        assert kinds(events, agent)[0] == "started"
        assert kinds(events, agent)[-1] == "completed"
    assert "tool" in kinds(events, "reporter") and "tool" in kinds(events, "retirement")
    # Tagging happens before the specialists start.
    assert first_seq(events, "tagger", "completed") < first_seq(events, "reporter", "started")


async def test_a_finished_job_is_never_run_again(engine: Engine, demo_job: uuid.UUID) -> None:
    await run_analysis(demo_job, engine=engine)
    before = load_events(engine, demo_job)
    completed_at = load_job(engine, demo_job).completed_at

    await run_analysis(demo_job, engine=engine)

    assert load_events(engine, demo_job) == before
    assert load_job(engine, demo_job).completed_at == completed_at


def test_sync_wrapper_runs_the_job(engine: Engine, demo_job: uuid.UUID) -> None:
    run_analysis_sync(demo_job, engine=engine)
    assert load_job(engine, demo_job).status == "completed"


async def test_empty_portfolio_fails_with_a_reason(engine: Engine, demo_job: uuid.UUID) -> None:
    with session_scope(engine) as session:
        repo.create_user(session, UserCreate(id="empty"))
        job_id = repo.create_job(session, "empty", "portfolio_analysis").id

    await run_analysis(job_id, engine=engine)

    job = load_job(engine, job_id)
    assert job.status == "failed"
    assert job.error_message is not None and "add an account" in job.error_message
    events = load_events(engine, job_id)
    assert (events[-1].agent, events[-1].kind) == ("planner", "failed")
