"""Section payloads: jobs stored before the payload models keep loading, typed; older key
spellings are read; a section that cannot be read is left out, not the whole job."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from alex.db import repository as repo
from alex.db.seed import seed
from alex.db.session import session_scope
from alex.payloads import (
    WRITING,
    ChartsPayload,
    JobRead,
    ReportPayload,
    RetirementPayload,
    SummaryPayload,
    read_summary,
)

REPO = Path(__file__).resolve().parents[1]
# A demo analysis recorded from `alex serve` in 2026-11, before the price refresh: its data
# quality has no stale prices, unvalued holdings or coverage statement, nor has its headline.
OLD_JOB: dict[str, Any] = json.loads(
    (REPO / "tests/data/job_before_price_refresh.json").read_text()
)
# What the web app's tests read: the API's answer for that job.
WEB_FIXTURE = REPO / "frontend/tests/fixtures/job.json"


def test_a_job_stored_before_the_price_refresh_loads_typed() -> None:
    job = JobRead.model_validate(OLD_JOB)

    assert job.report_payload is not None
    assert job.report_payload.markdown.startswith("# Portfolio report for Jordan Rivera")
    assert job.report_payload.grounding is not None and job.report_payload.grounding.checked == 118
    assert job.charts_payload is not None
    assert [c.key for c in job.charts_payload.charts][:2] == [
        "asset_class_donut",
        "asset_class_drift",
    ]
    assert len(job.charts_payload.charts) == 9
    retirement = job.retirement_payload
    assert retirement is not None and retirement.projection is not None
    assert retirement.summary.success_pct == 56.69
    assert retirement.projection.wealth_bands_real[0].age == 42
    assert [s.label for s in retirement.scenarios] == [
        "Retire 2 years later",
        "Save $5,000 more a year",
    ]
    summary = job.summary_payload
    assert summary is not None and summary.headline is not None
    assert summary.headline.total_value == 302895.5
    assert summary.headline.unvalued_holdings is None  # not counted back then, not invented
    assert summary.data_quality.coverage_pct == 99.76
    assert summary.data_quality.unclassified_symbols == ["ARKK"]
    assert summary.data_quality.stale_prices == []
    assert summary.data_quality.coverage_statement is None
    assert summary.grounding is not None and summary.grounding.checked == 157
    assert set(summary.grounding.by_section) == {"report", "retirement"}
    assert summary.sections["charts"].grounded is None


def test_the_web_apps_fixture_is_what_the_api_sends_for_the_old_job() -> None:
    sent = json.loads(JobRead.model_validate(OLD_JOB).model_dump_json())
    assert json.loads(WEB_FIXTURE.read_text()) == sent, (
        "regenerate frontend/tests/fixtures/job.json from tests/data/job_before_price_refresh.json"
        " (see this test)"
    )


def test_what_the_api_sends_reads_back_unchanged() -> None:
    job = JobRead.model_validate(OLD_JOB)
    assert JobRead.model_validate(json.loads(job.model_dump_json())) == job


def test_older_key_spellings_are_read() -> None:
    report = ReportPayload.model_validate({"report_markdown": "# Old report"})
    assert report.markdown == "# Old report"
    assert ReportPayload.model_validate("# Bare text").markdown == "# Bare text"

    charts = ChartsPayload.model_validate(
        [
            {
                "key": "asset_class_donut",
                "title": "Mix",
                "chart_type": "donut",
                "description": "",
                "format": "%",
                "data": [{"label": "Equity", "y": 80}, {"label": "Cash", "y": 20}],
            },
            {"key": "radar", "title": "Radar", "type": "radar", "description": "", "data": []},
        ]
    )
    assert [(c.key, c.type, c.unit) for c in charts.charts] == [
        ("asset_class_donut", "donut", "percent")
    ]
    assert [(p.name, p.value) for p in charts.charts[0].data] == [("Equity", 80), ("Cash", 20)]

    retirement = RetirementPayload.model_validate(
        {
            "markdown": "## Outlook",
            "success_probability": 61.2,
            "retirement_age": 65,
            "planning_age": 95,
            "scenarios": [
                {
                    "scenario": "Retire later",
                    "summary": {"retirement_age": 67, "planning_age": 95, "success_pct": 70.1},
                }
            ],
        }
    )
    assert retirement.summary.success_pct == 61.2
    assert [(s.label, s.retirement_age, s.success_pct) for s in retirement.scenarios] == [
        ("Retire later", 67, 70.1)
    ]

    summary = SummaryPayload.model_validate(
        {
            "headline": "Jordan, your portfolio is worth $302,896.",
            "coverage": {"classified_pct": 80.0},
            "unclassified": [{"symbol": "ARKK"}],
            "missing_price": ["ZZQX"],
            "warnings": ["ARKK could not be classified"],
            "grounding": {"ok": False, "checked": 3, "matched": 2, "mismatches": ["12.5%"]},
        }
    )
    assert summary.executive_summary == "Jordan, your portfolio is worth $302,896."
    assert summary.headline is None
    assert summary.data_quality.coverage_pct == 80.0
    assert summary.data_quality.unclassified_symbols == ["ARKK"]
    assert [m.symbol for m in summary.data_quality.missing_prices] == ["ZZQX"]
    assert summary.data_quality.notes == ["ARKK could not be classified"]
    assert summary.grounding is not None
    assert (summary.grounding.grounded, summary.grounding.unmatched) == (False, ["12.5%"])


def test_an_unreadable_section_is_left_out_not_the_job(caplog: pytest.LogCaptureFixture) -> None:
    broken = {**OLD_JOB, "retirement_payload": {"markdown": "## Outlook", "summary": {}}}
    with caplog.at_level(logging.WARNING, logger="alex.payloads"):
        job = JobRead.model_validate(broken)
    assert job.retirement_payload is None
    assert job.report_payload is not None and job.summary_payload is not None
    assert "retirement_payload" in caplog.text and "success_pct" in caplog.text
    assert read_summary({"headline": {"name": "no total"}}) is None


def test_old_sections_stored_in_the_database_load(engine: Engine) -> None:
    seed(engine)
    with session_scope(engine) as session:
        job_id = repo.create_job(session, "demo", "portfolio_analysis", {}).id
        job = repo.require_job(session, job_id)
        for column in ("report_payload", "charts_payload", "retirement_payload", "summary_payload"):
            repo.store_job_section(session, job, column, OLD_JOB[column])

    with session_scope(engine) as session:
        loaded = JobRead.model_validate(repo.require_job(session, job_id))

    assert loaded.summary_payload == JobRead.model_validate(OLD_JOB).summary_payload
    assert loaded.retirement_payload is not None
    assert loaded.retirement_payload.summary.sustainable_income == 43330.3


def test_a_writer_cannot_store_a_key_the_payload_does_not_know() -> None:
    written = {**OLD_JOB["summary_payload"], "headlines": {}}
    with pytest.raises(ValidationError, match="no field\\(s\\) headlines"):
        SummaryPayload.model_validate(written, context=WRITING)
    # Reading what some other version stored, the same key is dropped.
    assert SummaryPayload.model_validate(written).headline is not None
    nested = {**OLD_JOB["summary_payload"], "data_quality": {"coverage_pc": 1.0}}
    with pytest.raises(ValidationError, match="coverage_pc"):
        SummaryPayload.model_validate(nested, context=WRITING)
