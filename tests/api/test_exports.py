"""The analysis as a Markdown file: its owner's to download, nobody else's to see."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from alex.api.routes.exports import demote
from alex.core import format as fmt
from alex.db import repository as repo
from alex.db.session import session_scope
from tests.api.conftest import Headers

# The demo's analysis as the offline team wrote it (the web app's tests read the same file).
RECORDED = Path(__file__).resolve().parents[2] / "frontend" / "tests" / "fixtures" / "job.json"
SECTIONS = ("report_payload", "charts_payload", "retirement_payload", "summary_payload")


@pytest.fixture
def recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RECORDED.read_text())
    return data


def _store_job(engine: Engine, user_id: str, recorded: dict[str, Any], **fields: Any) -> str:
    """The recorded analysis, stored as `user_id`'s job."""
    with session_scope(engine) as session:
        job = repo.create_job(session, user_id, "portfolio_analysis")
        for section in SECTIONS:
            setattr(job, section, recorded[section])
        job.status = "completed"
        job.attempts = 1
        job.started_at = datetime.fromisoformat(recorded["started_at"])
        job.completed_at = datetime.fromisoformat(recorded["completed_at"])
        for name, value in fields.items():
            setattr(job, name, value)
        return str(job.id)


def test_the_owner_downloads_the_analysis_as_one_markdown_file(
    client: TestClient, alice: Headers, seeded: Engine, recorded: dict[str, Any]
) -> None:
    job_id = _store_job(seeded, "user_alice", recorded)
    response = client.get(f"/api/jobs/{job_id}/report.md", headers=alice)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="alex-analysis-2026-11-23.md"'
    )
    text = response.text
    # One title; the report's own title and sections sit one level below it.
    assert re.findall(r"^# .*$", text, flags=re.M) == ["# Portfolio analysis, 23 November 2026"]
    assert "\n## Portfolio report for Jordan Rivera\n" in text
    headings = re.findall(r"^## (.*)$", text, flags=re.M)
    for section in ("Summary", "Report", "Retirement", "Data quality"):
        assert section in headings, headings
    assert headings.index("Summary") < headings.index("Report") < headings.index("Retirement")
    assert "not financial, tax or legal advice" in text

    summary = recorded["summary_payload"]
    assert summary["executive_summary"].strip() in text
    assert f"| Total value | {fmt.money(summary['headline']['total_value'])} |" in text

    retirement = recorded["retirement_payload"]
    base = retirement["summary"]
    assert f"| Chance the plan lasts | {fmt.pct(base['success_pct'])} (±" in text
    assert f"| Sustainable income | {fmt.money(base['sustainable_income'])} a year |" in text
    for scenario in retirement["scenarios"]:
        row = (
            f"| {scenario['label']} | {fmt.pct(scenario['success_pct'])} | "
            f"{fmt.money(scenario['sustainable_income'])} |"
        )
        assert row in text
    grounding = summary["grounding"]
    assert f"all {grounding['checked']} figures in the narrative match" in text


# The demo's outlook as an analysis now stores it next to the projection.
OUTLOOK: dict[str, Any] = {
    "by_model": [
        {
            "model": "normal",
            "label": "Normal (parametric)",
            "success_pct": 50.43,
            "standard_error_pct": 0.5,
            "paths": 10000,
            "median_wealth_at_planning_age_real": 27170.82,
        },
        {
            "model": "historical",
            "label": "Historical since 1871",
            "success_pct": 100.0,
            "standard_error_pct": 0.0,
            "paths": 100,
            "median_wealth_at_planning_age_real": 4372328.47,
        },
        {
            "model": "bootstrap",
            "label": "Bootstrap of history",
            "success_pct": None,
            "note": "History since 1871 holds too few 80-year windows.",
        },
    ],
    "levers": [
        {
            "key": "save_more",
            "label": "Save $6,000 more a year",
            "success_pct": 58.63,
            "change_pp": 8.2,
            "p10_wealth_at_planning_age_real": 1250.0,
            "p10_wealth_change": 1250.0,
        },
        {
            "key": "hold_targets",
            "label": "Hold your target allocation",
            "success_pct": 48.22,
            "change_pp": -2.21,
            "p10_wealth_at_planning_age_real": 0.0,
            "p10_wealth_change": 0.0,
        },
    ],
    "allocations": [
        {
            "basis": "as_held",
            "label": "As held today",
            "weights_pct": {"equity": 80.14, "fixed_income": 10.93},
            "success_pct": 50.43,
            "expected_return_pct": 7.88,
            "volatility_pct": 14.99,
            "selected": True,
        },
        {
            "basis": "targets",
            "label": "At your target allocation",
            "weights_pct": {"equity": 70.0, "fixed_income": 20.0},
            "success_pct": 48.22,
            "expected_return_pct": 7.52,
            "volatility_pct": 13.43,
            "selected": False,
        },
    ],
}


def test_the_export_has_the_levers_ranked_and_success_by_model(
    client: TestClient, alice: Headers, seeded: Engine, recorded: dict[str, Any]
) -> None:
    retirement = recorded["retirement_payload"]
    summary = {
        **retirement["summary"],
        "return_model": "normal",
        "sustainable_income_range": [36463.0, 37956.0],
        "p10_wealth_at_planning_age_real": 0.0,
    }
    stored = {**recorded, "retirement_payload": {**retirement, **OUTLOOK, "summary": summary}}
    job_id = _store_job(seeded, "user_alice", stored)

    text = client.get(f"/api/jobs/{job_id}/report.md", headers=alice).text

    headings = re.findall(r"^### (.*)$", text, flags=re.M)
    levers = headings.index("What moves the odds most")
    assert headings[levers : levers + 3] == [
        "What moves the odds most",
        "Success by return model",
        "As held or at your targets",
    ]
    assert headings.index("As held or at your targets") < headings.index("What-if scenarios")
    # Ranked as stored: the largest gain first, a lever that lowers the odds signed.
    first = "| 1 | Save $6,000 more a year | 58.6% | +8.2 pts | $1,250 |"
    second = "| 2 | Hold your target allocation | 48.2% | \u22122.2 pts | $0 |"
    assert first in text and second in text and text.index(first) < text.index(second)
    assert "| Normal (parametric) (this projection) | 50.4% (± 0.5 pts) | 10,000 |" in text
    assert "| Historical since 1871 | 100.0% | 100 |" in text
    assert (
        "| Bootstrap of history | n/a | History since 1871 holds too few 80-year windows. |" in text
    )
    assert "| As held today (this projection) | 50.4% | 7.9% | 15.0% |" in text
    assert "| At your target allocation | 48.2% | 7.5% | 13.4% |" in text
    assert "| Sustainable income, sampling range | $36,463 to $37,956 |" in text
    assert "| 10th-percentile wealth at planning age | $0 |" in text
    section = text[text.index("\n## Retirement\n") :]
    rows = re.findall(r"^\| (.+?) \|", section, flags=re.M)
    assert rows.index("Sustainable income") + 1 == rows.index("Sustainable income, sampling range")


def test_an_export_of_an_analysis_before_the_outlook_has_no_empty_tables(
    client: TestClient, alice: Headers, seeded: Engine, recorded: dict[str, Any]
) -> None:
    text = client.get(
        f"/api/jobs/{_store_job(seeded, 'user_alice', recorded)}/report.md", headers=alice
    ).text
    for heading in ("What moves the odds most", "Success by return model", "As held or at"):
        assert heading not in text
    assert "sampling range" not in text and "10th-percentile" not in text


def test_nobody_else_can_download_it(
    client: TestClient,
    alice: Headers,
    bob: Headers,
    seeded: Engine,
    recorded: dict[str, Any],
) -> None:
    job_id = _store_job(seeded, "user_alice", recorded)
    refused = client.get(f"/api/jobs/{job_id}/report.md", headers=bob)
    # The same answer as every job route gives for another user's job (repo.get_owned_job).
    assert refused.status_code == 403
    assert "Jordan" not in refused.text and "Portfolio" not in refused.text
    assert client.get(f"/api/jobs/{job_id}/report.md").status_code == 401
    assert client.get(f"/api/jobs/{uuid.uuid4()}/report.md", headers=alice).status_code == 404


def test_an_unfinished_or_failed_analysis_says_so(
    client: TestClient, alice: Headers, seeded: Engine, recorded: dict[str, Any]
) -> None:
    failed = _store_job(
        seeded,
        "user_alice",
        {**recorded, "retirement_payload": None},
        status="failed",
        error_message="gave up after 3 attempts: worker lost",
    )
    text = client.get(f"/api/jobs/{failed}/report.md", headers=alice).text
    assert "_This analysis is failed; what it had recorded so far is below._" in text
    assert "_Why: gave up after 3 attempts: worker lost_" in text
    assert "_This analysis has no retirement projection._" in text

    with session_scope(seeded) as session:
        pending = str(repo.create_job(session, "user_alice", "portfolio_analysis").id)
    text = client.get(f"/api/jobs/{pending}/report.md", headers=alice).text
    assert "This analysis is pending" in text
    assert "_No summary was recorded for this analysis._" in text


def test_demote_moves_headings_down_but_not_inside_code() -> None:
    markdown = "# Title\n\n## Part\n\n```\n# a comment, not a heading\n```\n#hashtag\n"
    assert demote(markdown) == (
        "## Title\n\n### Part\n\n```\n# a comment, not a heading\n```\n#hashtag"
    )
