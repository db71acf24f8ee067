"""The pipeline with scripted models behind the SDK `Model` interface: invented figures are
flagged, a failing specialist does not sink the job, a crash leaves the job retryable, and
the specialists really overlap."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from agents import Model
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from sqlalchemy import Engine

from alex.agents.planner.manager import AnalysisInterruptedError, run_analysis
from alex.core.config import Settings
from alex.db import repository as repo
from alex.db.session import session_scope
from alex.schemas import AgentName
from tests.agents.conftest import first_seq, kinds, load_events, load_job, section
from tests.agents.test_tagger import VALID


async def _run(engine: Engine, job_id: uuid.UUID, **models: Model) -> None:
    overrides: dict[AgentName, Model] = dict(models)  # type: ignore[arg-type]
    await run_analysis(job_id, engine=engine, models=overrides)


def _reply(text: str) -> list[Any]:
    return [assistant_message(text)]


async def test_invented_figure_is_flagged_by_grounding(engine: Engine, demo_job: uuid.UUID) -> None:
    reporter = ScriptedModel(
        [
            [function_call("get_portfolio_overview", {}, call_id="c1")],
            _reply(
                "## Summary\n\nYour portfolio of $302,896 should return 12.5% a year, "
                "reaching $2,000,000 in 23 years."
            ),
        ]
    )

    await _run(engine, demo_job, reporter=reporter)

    job = load_job(engine, demo_job)
    assert job.status == "completed"
    assert job.report_payload is not None
    grounding = job.report_payload.grounding
    assert grounding is not None and grounding.grounded is False
    assert grounding.unmatched == ["12.5%", "$2,000,000"]  # the total and 23 years match
    assert job.summary_payload is not None and job.summary_payload.grounding is not None
    assert job.summary_payload.grounding.grounded is False
    assert section(job, "report") == {"status": "completed", "error": None, "grounded": False}
    completed = [e for e in load_events(engine, demo_job) if e.agent == "reporter"][-1]
    assert completed.kind == "completed"
    assert completed.data is not None and completed.data["grounding"]["grounded"] is False


async def test_failing_charter_leaves_the_other_sections(
    engine: Engine, demo_job: uuid.UUID, caplog: pytest.LogCaptureFixture
) -> None:
    charter = ScriptedModel([RuntimeError("model exploded")])

    await _run(engine, demo_job, charter=charter)

    job = load_job(engine, demo_job)
    assert job.status == "completed"
    assert job.charts_payload is None
    assert job.report_payload is not None and job.retirement_payload is not None
    status = section(job, "charts")
    # The user reads a plain sentence; the operator's log has what happened.
    assert status["status"] == "failed" and "model exploded" not in status["error"]
    assert "unexpected error" in status["error"]
    assert any("RuntimeError: model exploded" in r.getMessage() for r in caplog.records)
    events = load_events(engine, demo_job)
    assert kinds(events, "charter") == ["started", "failed"]
    assert events[-1].kind == "completed" and "without: charts" in events[-1].message


async def test_every_section_failing_fails_the_job(engine: Engine, demo_job: uuid.UUID) -> None:
    await _run(
        engine,
        demo_job,
        reporter=ScriptedModel([ValueError("bad reporter")]),
        charter=ScriptedModel([ValueError("bad charter")]),
        retirement=ScriptedModel([ValueError("bad retirement")]),
    )

    job = load_job(engine, demo_job)
    assert job.status == "failed"
    assert job.error_message is not None
    assert job.error_message.startswith("No section of the analysis could be produced")
    assert all(f"{name}: " in job.error_message for name in ("report", "charts", "retirement"))
    assert "bad reporter" not in job.error_message


async def test_crash_leaves_job_retryable_and_rerun_does_not_duplicate(
    engine: Engine, demo_job: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_complete = repo.complete_job

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("worker lost its database connection")

    monkeypatch.setattr(repo, "complete_job", crash)
    with pytest.raises(ConnectionError):
        await _run(engine, demo_job)

    crashed = load_job(engine, demo_job)
    assert crashed.status == "running"  # not failed: the queue will retry it
    assert crashed.completed_at is None
    assert crashed.report_payload is not None  # sections stored as they landed
    interrupted = load_events(engine, demo_job)[-1]
    assert interrupted.data == {"interrupted": True, "attempt": 0}
    assert interrupted.message.endswith("the analysis can be started again")

    monkeypatch.setattr(repo, "complete_job", real_complete)
    await _run(engine, demo_job)

    job = load_job(engine, demo_job)
    assert job.status == "completed"
    assert job.report_payload == crashed.report_payload  # overwritten, not appended
    assert job.charts_payload == crashed.charts_payload
    assert job.retirement_payload == crashed.retirement_payload
    with session_scope(engine) as session:
        assert len(repo.list_jobs(session, "demo")) == 1
    events = load_events(engine, demo_job)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert kinds(events, "planner").count("started") == 2
    assert kinds(events, "planner").count("completed") == 1


def _together(meeting: asyncio.Barrier, output: list[Any]) -> ModelStep:
    """Answer once every party of `meeting` has reached it: run one after another, the
    specialists would never all get there (the wait gives up after 30 s and the run fails)."""

    async def respond(call: ModelCall) -> list[Any]:
        await asyncio.wait_for(meeting.wait(), 30)
        return output

    return ModelStep.respond(respond)


def _never() -> ModelStep:
    async def respond(call: ModelCall) -> list[Any]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return ModelStep.respond(respond)


async def test_specialists_run_concurrently(engine: Engine, demo_job: uuid.UUID) -> None:
    charts = {"charts": [{"key": "asset_class_donut", "title": "Mix", "description": "Mix."}]}
    # All three are asked for their first answer at once; the charter's only answer, and the
    # others' second ones (after their tool), come once both tools have run.
    first, after_tools = asyncio.Barrier(3), asyncio.Barrier(3)

    async def charter_answer(call: ModelCall) -> list[Any]:
        await asyncio.wait_for(first.wait(), 30)
        await asyncio.wait_for(after_tools.wait(), 30)
        return _reply(json.dumps(charts))

    models: dict[str, Model] = {
        "reporter": ScriptedModel(
            [
                _together(first, [function_call("get_allocation", {}, call_id="r1")]),
                _together(after_tools, _reply("## Summary\n\nA short report.")),
            ]
        ),
        "charter": ScriptedModel([ModelStep.respond(charter_answer)]),
        "retirement": ScriptedModel(
            [
                _together(first, [function_call("run_base_projection", {}, call_id="t1")]),
                _together(after_tools, _reply("## Retirement outlook\n\nSee the chart.")),
            ]
        ),
    }

    await _run(engine, demo_job, **models)

    assert load_job(engine, demo_job).status == "completed"
    events = load_events(engine, demo_job)
    started = [first_seq(events, a, "started") for a in ("reporter", "charter", "retirement")]
    finished = [first_seq(events, a, "completed") for a in ("reporter", "charter", "retirement")]
    # Every specialist started before any finished, and their work interleaved.
    assert max(started) < min(finished)
    tools = [e.agent for e in events if e.kind == "tool" and e.agent != "planner"]
    assert tools == ["reporter", "retirement"] or tools == ["retirement", "reporter"]
    assert first_seq(events, "reporter", "tool") < min(finished)
    assert first_seq(events, "retirement", "tool") < min(finished)
    for model in models.values():
        assert isinstance(model, ScriptedModel)
        model.assert_complete()


async def test_tagger_classification_feeds_the_analysis(
    engine: Engine, demo_job: uuid.UUID
) -> None:
    tagger = ScriptedModel(
        [_reply(json.dumps({"known": True, "reason": "ARK ETF", "classification": VALID}))]
    )

    await _run(engine, demo_job, tagger=tagger)

    job = load_job(engine, demo_job)
    assert job.status == "completed"
    assert job.summary_payload is not None
    assert job.summary_payload.data_quality.unclassified_symbols == []
    assert job.summary_payload.data_quality.coverage_pct == 100.0
    assert job.summary_payload.grounding is not None
    assert job.summary_payload.grounding.grounded is True


async def test_timeouts_everywhere_leave_the_job_for_the_queue_to_retry(
    engine: Engine, demo_job: uuid.UUID
) -> None:
    slow = {name: ScriptedModel([_never()]) for name in ("reporter", "charter", "retirement")}
    settings = Settings(agent_timeout_seconds=0.2)

    with pytest.raises(AnalysisInterruptedError, match="time limit"):
        await run_analysis(demo_job, engine=engine, models=slow, settings=settings)  # type: ignore[arg-type]

    job = load_job(engine, demo_job)
    assert job.status == "running" and job.error_message is None
    events = load_events(engine, demo_job)
    # The sections' failures. The offline tagger may also overrun so short a limit on a busy
    # machine; that leaves its instrument unclassified and is not what this test is about.
    failed = {e.agent for e in events if e.kind == "failed" and e.agent != "tagger"}
    assert failed == {"reporter", "charter", "retirement"}
