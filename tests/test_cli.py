from __future__ import annotations

from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.cli import app

runner = CliRunner()


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["db", "--help"])
    assert result.exit_code == 0
    for command in ("upgrade", "downgrade", "seed", "reset"):
        assert command in result.output


def test_db_reset_demo_twice_reports_same_counts(engine: Engine) -> None:
    first = runner.invoke(app, ["db", "reset", "--demo", "--yes"])
    second = runner.invoke(app, ["db", "reset", "--demo", "--yes"])
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    assert "demo_accounts: 3" in first.output
    assert "demo_positions: 13" in first.output
