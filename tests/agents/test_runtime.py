"""Shared runtime pieces: the model factory, the offline analyst as an SDK `Model`, tracing
that exports nothing unless configured, and the Lambda handlers."""

from __future__ import annotations

import json
import uuid

import pytest
from agents import Agent, Runner, function_tool, set_trace_processors
from agents.extensions.models.litellm_model import LitellmModel
from agents.tracing import add_trace_processor
from sqlalchemy import Engine

from alex.agents.charter.lambda_handler import handler as charter_handler
from alex.agents.model import build_model, build_model_settings, check_models, usage_report
from alex.agents.observability import RecordingProcessor, configure_tracing, reset_tracing
from alex.agents.offline import OfflineAnalyst, OfflineTurn, PlannedCall
from alex.agents.planner.lambda_handler import handler as planner_handler
from alex.agents.planner.manager import run_analysis
from alex.agents.reporter.lambda_handler import handler as reporter_handler
from alex.agents.retirement.lambda_handler import handler as retirement_handler
from alex.agents.tagger.lambda_handler import handler as tagger_handler
from alex.core.config import Settings, get_settings
from alex.core.errors import ValidationFailedError
from tests.agents.conftest import load_job


def _write(turn: OfflineTurn) -> str:
    return f"total is {turn.result('get_total')['total']}"


def _plan(turn: OfflineTurn) -> list[PlannedCall]:
    return [PlannedCall("get_total"), PlannedCall("not_a_tool")]


@function_tool
def get_total() -> str:
    """The total."""
    return json.dumps({"total": 42})


async def test_offline_analyst_drives_the_agents_tools() -> None:
    model = OfflineAnalyst(write=_write, plan=_plan)
    agent = Agent(name="probe", instructions="x", tools=[get_total], model=model)

    result = await Runner.run(agent, "what is the total?")

    assert result.final_output == "total is 42"
    assert model.turns == 2  # tool call, then the answer written from its JSON result
    calls = [i for i in result.new_items if i.type == "tool_call_item"]
    assert len(calls) == 1  # unknown tools are never called


async def test_offline_analyst_streams_the_same_answer() -> None:
    agent = Agent(
        name="probe",
        instructions="x",
        tools=[get_total],
        model=OfflineAnalyst(write=_write, plan=_plan),
    )
    result = Runner.run_streamed(agent, "what is the total?")
    async for _ in result.stream_events():
        pass
    assert result.final_output == "total is 42"


def test_model_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(build_model("reporter", write=_write), OfflineAnalyst)

    settings = Settings(
        model="bedrock/amazon.nova-pro-v1:0",
        bedrock_region="eu-west-1",
        bedrock_endpoint_url="http://bedrock.internal",
        model_base_url="http://ignored-for-bedrock/v1",
    )
    model = build_model("reporter", write=_write, settings=settings)
    assert isinstance(model, LitellmModel) and model.model == "bedrock/amazon.nova-pro-v1:0"
    assert model.base_url is None
    model_settings = build_model_settings("reporter", settings)
    assert model_settings.extra_args == {
        "aws_region_name": "eu-west-1",
        "aws_bedrock_runtime_endpoint": "http://bedrock.internal",
    }
    assert model_settings.retry is not None
    assert model_settings.retry.max_retries == settings.model_max_retries
    assert model_settings.retry.policy is not None


def test_each_agent_may_have_its_own_model() -> None:
    settings = Settings(
        model="openai/gpt-4.1",
        model_tagger="openai/gpt-4.1-mini",
        model_charter="offline",
        model_base_url="http://127.0.0.1:9/v1",
        model_api_key="sk-test",
    )
    tagger = build_model("tagger", write=_write, settings=settings)
    reporter = build_model("reporter", write=_write, settings=settings)
    assert isinstance(tagger, LitellmModel) and tagger.model == "openai/gpt-4.1-mini"
    assert isinstance(reporter, LitellmModel) and reporter.model == "openai/gpt-4.1"
    assert (reporter.base_url, reporter.api_key) == ("http://127.0.0.1:9/v1", "sk-test")
    assert isinstance(build_model("charter", write=_write, settings=settings), OfflineAnalyst)
    assert build_model_settings("reporter", settings).extra_args is None
    assert not settings.offline_model
    assert Settings(model="offline").offline_model


def test_model_ids_are_checked_before_any_job_runs() -> None:
    assert check_models(Settings(model="openai/gpt-4.1-mini", model_tagger="offline")) == []
    problems = check_models(Settings(model="nonsense/model", model_reporter="gpt-4o"))
    assert len(problems) == 1
    assert problems[0].startswith("ALEX_MODEL: 'nonsense/model' names no provider")


def test_usage_is_priced_from_the_bundled_cost_map() -> None:
    from agents import Usage

    usage = Usage(requests=2, input_tokens=1000, output_tokens=500, total_tokens=1500)
    offline = usage_report(usage, OfflineAnalyst(write=_write))
    assert (offline.tokens_in, offline.tokens_out, offline.cost_usd) == (1000, 500, 0)
    priced = usage_report(usage, LitellmModel(model="openai/gpt-4o-mini"))
    assert priced.cost_usd is not None and priced.cost_usd > 0
    unknown = usage_report(usage, LitellmModel(model="openai/no-such-model"))
    assert unknown.cost_usd is None and unknown.as_data()["cost_known"] is False


async def test_one_trace_per_job_and_nothing_exported_by_default(
    engine: Engine, demo_job: uuid.UUID
) -> None:
    reset_tracing()
    assert configure_tracing(get_settings()) == "off"
    recorder = RecordingProcessor()
    add_trace_processor(recorder)
    try:
        await run_analysis(demo_job, engine=engine)
    finally:
        set_trace_processors([])
    traces = [t for t in recorder.traces if t.name == "Alex portfolio analysis"]
    assert len(traces) == 1
    exported = traces[0].export() or {}
    assert exported.get("group_id") == str(demo_job)
    agent_spans = {
        s.span_data.name
        for s in recorder.spans
        if s.span_data.type == "agent"  # type: ignore[attr-defined]
    }
    assert {"tagger", "reporter", "charter", "retirement", "planner"} <= agent_spans
    assert all(s.trace_id == traces[0].trace_id for s in recorder.spans)


def test_lambda_handlers(engine: Engine, demo_job: uuid.UUID) -> None:
    result = charter_handler({"job_id": str(demo_job)})
    assert result["status"] == "completed"
    assert load_job(engine, demo_job).charts_payload is not None

    assert reporter_handler({"job_id": str(demo_job)})["status"] == "completed"
    assert load_job(engine, demo_job).report_payload is not None
    assert retirement_handler({"job_id": str(demo_job)})["status"] == "completed"
    assert load_job(engine, demo_job).retirement_payload is not None

    # The offline analyst cannot know ARKK: the tagger's Lambda says so and invents nothing.
    tagged = tagger_handler({"job_id": str(demo_job), "symbol": "arkk"})
    assert tagged["symbol"] == "ARKK" and tagged["classified"] is False
    with pytest.raises(ValidationFailedError):
        tagger_handler({"job_id": str(demo_job)})

    assert planner_handler({"job_id": str(demo_job)}) == {"job_id": str(demo_job)}
    assert load_job(engine, demo_job).status == "completed"
    with pytest.raises(ValidationFailedError):
        planner_handler({"job": "nope"})
