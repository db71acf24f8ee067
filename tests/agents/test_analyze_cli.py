"""`alex analyze`: runs a job in-process, streams events, prints the report or the job."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.cli import app
from alex.db.seed import seed


def test_analyze_prints_report_and_json(engine: Engine) -> None:
    seed(engine)
    runner = CliRunner()

    result = runner.invoke(app, ["analyze", "--user", "demo"])
    assert result.exit_code == 0, result.output
    assert "planner    started" in result.output
    assert "## Retirement outlook" in result.output and "# Portfolio report" in result.output
    assert "analysis time:" in result.output

    as_json = runner.invoke(app, ["analyze", "--user", "demo", "--json"])
    assert as_json.exit_code == 0
    job = json.loads(as_json.stdout[as_json.stdout.index("{") : as_json.stdout.rindex("}") + 1])
    assert job["status"] == "completed" and job["report_payload"]["markdown"]

    assert runner.invoke(app, ["analyze", "--user", "nobody"]).exit_code == 2
