"""`alex research`: one run with its events printed, the runs listed and shown, `--every`
parsed (and the schedule loop stopped by its event, never by waiting in a test)."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Literal

import pytest
import typer
from sqlalchemy import Engine
from typer.testing import CliRunner

from alex.agents.researcher.agent import ResearchOutcome
from alex.cli import app
from alex.core.config import get_settings
from alex.knowledge.factory import knowledge_base
from alex.knowledge.seed import seed_starter_notes
from alex.research_cli import parse_every, run_every

runner = CliRunner()


@pytest.fixture
def kb_engine(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("ALEX_EMBEDDING_MODEL", "wordllama")
    monkeypatch.setenv("ALEX_RESEARCH_INBOX_DIR", str(tmp_path / "inbox"))
    get_settings.cache_clear()
    return engine


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        (" 1M ", timedelta(minutes=1)),
    ],
)
def test_every_takes_minutes_hours_and_days(text: str, interval: timedelta) -> None:
    assert parse_every(text) == interval


@pytest.mark.parametrize("text", ["0m", "30s", "2", "h", "1.5h", "-1h", "", "2 hours"])
def test_a_bad_interval_names_the_option(text: str) -> None:
    with pytest.raises(typer.BadParameter) as caught:
        parse_every(text)
    assert caught.value.param_hint == "--every"


def test_a_bad_interval_on_the_command_line_exits_2() -> None:
    result = runner.invoke(app, ["research", "--every", "30s"])
    assert result.exit_code == 2
    assert "--every" in result.output and "30s" in result.output


def _outcome(status: Literal["completed", "failed"] = "completed") -> ResearchOutcome:
    return ResearchOutcome(uuid.uuid4(), status, "done")


class _Clock(threading.Event):
    """A stop event whose waits return at once (recording how long they were asked to be)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_the_schedule_runs_until_it_is_stopped() -> None:
    stop = _Clock()
    calls: list[int] = []

    def run() -> ResearchOutcome:
        calls.append(1)
        if len(calls) == 3:
            stop.set()  # as SIGTERM would, during the third run
        return _outcome("failed" if len(calls) == 2 else "completed")

    outcomes = run_every(run, timedelta(hours=2), stop)

    # A failed run does not end the schedule; the stop does, once the run under way is done.
    assert [o.status for o in outcomes] == ["completed", "failed", "completed"]
    assert stop.waits == [7200.0, 7200.0, 7200.0]


def test_the_schedule_stops_after_max_runs_and_never_starts_when_stopped() -> None:
    clock = _Clock()
    assert len(run_every(_outcome, timedelta(hours=1), clock, max_runs=1)) == 1
    assert clock.waits == []
    stopped = _Clock()
    stopped.set()
    assert run_every(_outcome, timedelta(hours=1), stopped) == []


def test_research_runs_once_then_lists_and_shows_the_run(kb_engine: Engine) -> None:
    seed_starter_notes(knowledge_base(get_settings(), kb_engine))

    result = runner.invoke(app, ["research", "--topic", "emerging markets"])

    assert result.exit_code == 0, result.output
    assert "Using search_knowledge" in result.output
    assert "Filed note 'Research note: emerging markets'" in result.output
    match = re.search(r"run ([0-9a-f-]{36}): completed", result.output)
    assert match is not None
    run_id = match.group(1)

    listed = runner.invoke(app, ["research", "list", "--limit", "5"])
    assert listed.exit_code == 0, listed.output
    line = listed.output.strip().splitlines()[0]
    assert line.startswith(run_id)
    assert "completed" in line and "emerging markets" in line and "[asked]" in line
    assert line.endswith("Research note: emerging markets")

    shown = runner.invoke(app, ["research", "show", run_id])
    assert shown.exit_code == 0, shown.output
    assert "topic    emerging markets" in shown.output
    assert "model    offline" in shown.output
    assert "note     Research note: emerging markets" in shown.output
    assert "Using list_inbox" in shown.output


def test_a_failed_run_exits_1_and_shows_why(kb_engine: Engine) -> None:
    result = runner.invoke(app, ["research", "--topic", "frontier markets"])

    assert result.exit_code == 1
    assert "no local sources" in result.output
    run_id = re.search(r"run ([0-9a-f-]{36}): failed", result.output)
    assert run_id is not None
    shown = runner.invoke(app, ["research", "show", run_id.group(1)])
    assert (
        "status   failed" in shown.output
        and "error    no note written: there are no local sources" in shown.output
    )


def test_list_and_show_when_there_is_nothing(kb_engine: Engine) -> None:
    listed = runner.invoke(app, ["research", "list"])
    assert listed.exit_code == 0 and "No research runs yet" in listed.output
    missing = runner.invoke(app, ["research", "show", str(uuid.uuid4())])
    assert missing.exit_code == 2 and "no research run" in missing.output


def test_an_empty_topic_is_refused(kb_engine: Engine) -> None:
    result = runner.invoke(app, ["research", "--topic", "  "])
    assert result.exit_code == 2 and "--topic" in result.output
