"""The retirement section quotes the outlook `alex plan` and the what-if panel show: the stored
projection, success by return model, allocations and ranked levers are
`retirement_outlook_for`'s own on the job's seed and paths; the tools answer them, scenarios run
on the plan's market paths, the offline text quotes them and passes the grounding check, and
retirement sections stored before the outlook still load."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from agents import FunctionTool
from agents.tool_context import ToolContext
from pydantic import ValidationError
from sqlalchemy import Engine

from alex.agents.context import AgentContext, AnalysisInputs, AnalysisOptions
from alex.agents.events import EventRecorder
from alex.agents.grounding import check_grounding
from alex.agents.offline import OfflineTurn, ToolResult
from alex.agents.retirement import agent as retirement
from alex.agents.retirement import templates
from alex.core.format import money, pct, pts
from alex.db import repository as repo
from alex.db.migrate import upgrade
from alex.db.seed import seed
from alex.db.session import make_engine, session_scope
from alex.finance.outlook import RetirementOutlook
from alex.finance.plan import PortfolioAnalysis, analyse_portfolio, retirement_outlook_for
from alex.payloads import WRITING, JobRead, RetirementPayload, RetirementSummary
from alex.schemas import IncomeStream, PortfolioSnapshot, RetirementPlan

REPO = Path(__file__).resolve().parents[2]
OLD_JOB: dict[str, Any] = json.loads(
    (REPO / "tests/data/job_before_price_refresh.json").read_text()
)
SEED, PATHS = 7, 2_000
SOCIAL_SECURITY = IncomeStream(
    kind="social_security", start_age=67, annual_amount=24_000.0, indexed=True
)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, uuid.UUID]]:
    """The seeded demo on its own SQLite file, with one job to record events against."""
    url = f"sqlite:///{tmp_path_factory.mktemp('outlook') / 'alex.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed(engine)
    with session_scope(engine) as session:
        job_id = repo.create_job(session, "demo", "portfolio_analysis", {}).id
    yield engine, job_id
    engine.dispose()


@pytest.fixture(scope="module")
def demo(demo_db: tuple[Engine, uuid.UUID]) -> tuple[PortfolioSnapshot, PortfolioAnalysis]:
    """The demo portfolio with Social Security in its plan (so every lever applies)."""
    with session_scope(demo_db[0]) as session:
        snapshot = repo.load_portfolio(session, "demo")
    plan = RetirementPlan(income_streams=[SOCIAL_SECURITY])
    user = snapshot.user.model_copy(update={"retirement_plan": plan})
    snapshot = snapshot.model_copy(update={"user": user})
    return snapshot, analyse_portfolio(snapshot)


def _context(
    demo_db: tuple[Engine, uuid.UUID],
    snapshot: PortfolioSnapshot,
    analysis: PortfolioAnalysis,
) -> AgentContext:
    engine, job_id = demo_db
    inputs = AnalysisInputs(
        job_id=job_id,
        snapshot=snapshot,
        analysis=analysis,
        options=AnalysisOptions(seed=SEED, paths=PATHS),
    )
    return AgentContext(agent="retirement", inputs=inputs, recorder=EventRecorder(engine, job_id))


def _expected(snapshot: PortfolioSnapshot, analysis: PortfolioAnalysis) -> RetirementOutlook:
    return retirement_outlook_for(snapshot, analysis, seed=SEED, paths=PATHS)


async def _call(tool: FunctionTool, context: AgentContext, **arguments: Any) -> dict[str, Any]:
    text = json.dumps(arguments)
    ctx = ToolContext(context=context, tool_name=tool.name, tool_call_id="t", tool_arguments=text)
    result: dict[str, Any] = json.loads(await tool.on_invoke_tool(ctx, text))
    return result


def _amount(label: str) -> float:
    """The dollar figure of a lever's label ("Save $6,000 more a year" → 6000.0)."""
    match = re.search(r"\$([\d,]+)", label)
    assert match, label
    return float(match.group(1).replace(",", ""))


# --------------------------------------------------------------------------- the section


async def test_the_section_stores_the_outlook_of_the_stored_plan(
    demo_db: tuple[Engine, uuid.UUID], demo: tuple[PortfolioSnapshot, PortfolioAnalysis]
) -> None:
    snapshot, analysis = demo
    context = _context(demo_db, snapshot, analysis)

    result = await retirement.write_projection(context)

    expected = _expected(snapshot, analysis)
    payload = RetirementPayload.model_validate(result.payload, context=WRITING)
    # The very figures `alex plan` and POST /api/retirement/projection compute.
    assert payload.projection == expected.projection
    assert payload.by_model == expected.by_model
    assert payload.allocations == expected.allocations
    assert payload.levers == expected.levers
    assert payload.summary == RetirementSummary.of(expected.projection, snapshot.user.display_name)
    assert payload.summary.paths == PATHS and payload.summary.seed == SEED
    assert payload.summary.return_model == "normal"
    assert payload.summary.sustainable_income_range == expected.projection.sustainable_income_range
    assert (
        payload.summary.p10_wealth_at_planning_age_real
        == expected.projection.p10_wealth_at_planning_age_real
    )
    # Every model ran; every lever is there, ranked by the change in success.
    assert [m.model for m in payload.by_model] == ["normal", "student_t", "historical", "bootstrap"]
    assert {lever.key for lever in payload.levers} == {
        "retire_later",
        "save_more",
        "spend_less",
        "claim_at_70",
        "hold_targets",
    }
    changes = [lever.change_pp for lever in payload.levers]
    assert changes == sorted(changes, reverse=True)
    # The charter's fan chart is drawn from this very projection, computed once.
    assert (
        await retirement.base_projection(context.inputs)
        is context.inputs.shared[retirement.OUTLOOK].projection
    )

    # The offline text quotes the top levers and success by model, every figure grounded.
    text = payload.markdown
    assert result.grounding is not None and result.grounding.grounded, result.grounding
    assert payload.grounding == result.grounding
    top = payload.levers[0]
    assert top.change_pp > 0
    label = top.label[:1].lower() + top.label[1:]
    assert (
        f"The strongest single lever is to {label}: it takes your odds from "
        f"{pct(expected.projection.success_pct)} to {pct(top.success_pct)}." in text
    )
    for i, lever in enumerate(payload.levers, 1):
        assert f"{i}. **{lever.label}:** {pct(lever.success_pct)} ({pts(lever.change_pp)})" in text
    for model in payload.by_model:
        assert model.success_pct is not None
        assert f"| {model.label}" in text and f"| {pct(model.success_pct)} |" in text
    assert "Normal (parametric), this projection" in text
    for option in payload.allocations:
        assert f"**{option.label}**" in text
    low, high = expected.projection.sustainable_income_range or (0.0, 0.0)
    assert f"(sampling range {money(low)} to {money(high)})" in text
    # Its scenarios, stored in a stable order.
    assert [s.label for s in payload.scenarios] == [
        "Save $5,000 more a year",
        "Retire 2 years later",
    ]


async def test_the_outlook_is_computed_once_per_job(
    demo_db: tuple[Engine, uuid.UUID],
    demo: tuple[PortfolioSnapshot, PortfolioAnalysis],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = _context(demo_db, *demo)
    calls: list[AnalysisInputs] = []
    compute = retirement.outlook_for

    def counted(inputs: AnalysisInputs) -> RetirementOutlook:
        calls.append(inputs)
        return compute(inputs)

    monkeypatch.setattr(retirement, "outlook_for", counted)
    # The charter and the retirement specialist ask at the same time.
    outlook, projection, again = await asyncio.gather(
        retirement.retirement_outlook(context.inputs),
        retirement.base_projection(context.inputs),
        retirement.retirement_outlook(context.inputs),
    )
    assert len(calls) == 1
    assert outlook is again and projection is outlook.projection


# --------------------------------------------------------------------------- the tools


async def test_the_base_tool_answers_the_headline_models_allocations_and_levers(
    demo_db: tuple[Engine, uuid.UUID], demo: tuple[PortfolioSnapshot, PortfolioAnalysis]
) -> None:
    snapshot, analysis = demo
    context = _context(demo_db, snapshot, analysis)

    answer = await _call(retirement.run_base_projection, context)

    expected = _expected(snapshot, analysis)
    summary = expected.summary()
    assert answer["by_model"] == summary["by_model"]
    assert answer["allocations"] == summary["allocations"]
    assert answer["levers"] == summary["levers"]
    assert answer["allocation_basis"] == "as_held"
    headline = RetirementSummary.of(expected.projection, snapshot.user.display_name)
    assert {k: answer[k] for k in RetirementSummary.model_fields} == headline.model_dump(
        mode="json"
    )
    # Compact: no per-age bands, no inputs block.
    assert not {"wealth_bands", "wealth_bands_real", "income_bands_real", "inputs"} & set(answer)
    assert len(json.dumps(answer)) < 8_000


async def test_scenarios_run_on_the_plans_own_market_paths(
    demo_db: tuple[Engine, uuid.UUID], demo: tuple[PortfolioSnapshot, PortfolioAnalysis]
) -> None:
    """A scenario that makes the same change as a lever gets the lever's very figures."""
    snapshot, analysis = demo
    context = _context(demo_db, snapshot, analysis)
    levers = {lever.key: lever for lever in _expected(snapshot, analysis).levers}

    cases = [
        ("retire_later", {"retire_years_later": 1, "extra_annual_contribution": 0.0}),
        (
            "save_more",
            {
                "retire_years_later": 0,
                "extra_annual_contribution": _amount(levers["save_more"].label),
            },
        ),
        (
            "spend_less",
            {
                "retire_years_later": 0,
                "extra_annual_contribution": 0.0,
                "spend_less_per_year": _amount(levers["spend_less"].label),
            },
        ),
        (
            "claim_at_70",
            {
                "retire_years_later": 0,
                "extra_annual_contribution": 0.0,
                "spend_less_per_year": None,
                "claim_social_security_at": 70,
            },
        ),
    ]
    for key, arguments in cases:
        scenario = await _call(retirement.run_scenario, context, **arguments)
        assert "error" not in scenario, scenario
        assert scenario["success_pct"] == levers[key].success_pct, key
        assert scenario["success_change_pp"] == levers[key].change_pp, key

    labels = [s["label"] for s in context.results["scenarios"]]
    assert labels == [
        "Retire 1 year later",
        levers["save_more"].label,
        levers["spend_less"].label,
        "Claim Social Security at 70",
    ]


async def test_scenario_changes_combine_in_one_label(
    demo_db: tuple[Engine, uuid.UUID], demo: tuple[PortfolioSnapshot, PortfolioAnalysis]
) -> None:
    context = _context(demo_db, *demo)
    scenario = await _call(
        retirement.run_scenario,
        context,
        retire_years_later=2,
        extra_annual_contribution=5_000.0,
        spend_less_per_year=3_000.0,
        claim_social_security_at=68,
    )
    assert scenario["label"] == (
        "Retire 2 years later, save $5,000 more a year, spend $3,000 less a year and claim "
        "Social Security at 68"
    )
    assert scenario["target_income"] == float(demo[0].user.target_retirement_income) - 3_000.0
    assert (scenario["spend_less_per_year"], scenario["claim_social_security_at"]) == (3_000.0, 68)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"retire_years_later": 11}, "retire_years_later must keep retirement between now"),
        ({"extra_annual_contribution": -1.0}, "extra_annual_contribution cannot be negative"),
        ({"spend_less_per_year": -5.0}, "spend_less_per_year must be between 0 and"),
        ({"spend_less_per_year": 1e9}, "spend_less_per_year must be between 0 and"),
        ({"claim_social_security_at": 61}, "claim_social_security_at must be an age from 62"),
        ({"claim_social_security_at": 71}, "claim_social_security_at must be an age from 62"),
    ],
)
async def test_scenario_arguments_out_of_range_are_clear_json_errors(
    demo_db: tuple[Engine, uuid.UUID],
    demo: tuple[PortfolioSnapshot, PortfolioAnalysis],
    arguments: dict[str, Any],
    error: str,
) -> None:
    context = _context(demo_db, *demo)
    answer = await _call(
        retirement.run_scenario,
        context,
        **{"retire_years_later": 0, "extra_annual_contribution": 0.0, **arguments},
    )
    assert set(answer) == {"error"} and answer["error"].startswith(error), answer
    assert context.results["scenarios"] == []


async def test_claiming_age_needs_social_security_in_the_plan_and_scenarios_are_capped(
    demo_db: tuple[Engine, uuid.UUID], demo: tuple[PortfolioSnapshot, PortfolioAnalysis]
) -> None:
    snapshot, analysis = demo
    user = snapshot.user.model_copy(update={"retirement_plan": RetirementPlan()})
    plain = snapshot.model_copy(update={"user": user})
    context = _context(demo_db, plain, analysis)
    answer = await _call(
        retirement.run_scenario,
        context,
        retire_years_later=0,
        extra_annual_contribution=0.0,
        claim_social_security_at=70,
    )
    assert answer == {
        "error": "the retirement plan has no Social Security benefit that can still be claimed "
        "at that age (none, already being paid, or the age is past)"
    }
    for years in range(retirement.MAX_SCENARIOS):
        ran = await _call(
            retirement.run_scenario, context, retire_years_later=years, extra_annual_contribution=0
        )
        assert "error" not in ran
    over = await _call(
        retirement.run_scenario, context, retire_years_later=0, extra_annual_contribution=0
    )
    assert over == {"error": f"at most {retirement.MAX_SCENARIOS} scenarios per analysis"}


# --------------------------------------------------------------------------- the offline text


def _turn(base: dict[str, Any]) -> OfflineTurn:
    return OfflineTurn(
        task="",
        results=[ToolResult("run_base_projection", {}, base)],
        tool_names=["run_base_projection", "run_scenario"],
        structured=False,
    )


async def test_without_a_gain_the_text_names_the_lever_that_helps_bad_markets_most(
    demo_db: tuple[Engine, uuid.UUID], demo: tuple[PortfolioSnapshot, PortfolioAnalysis]
) -> None:
    context = _context(demo_db, *demo)
    base = retirement.base_result(
        context.inputs, await retirement.retirement_outlook(context.inputs)
    )
    flat = [
        {**lever, "change_pp": 0.0, "p10_wealth_change": 1_000.0 * (i + 1)}
        for i, lever in enumerate(base["levers"])
    ]
    base = {**base, "levers": flat}

    text = templates.offline_write(_turn(base))

    best = flat[-1]
    assert (
        "No single change here raises your odds; the one that helps the worst markets most is "
        f"to {best['label'][:1].lower() + best['label'][1:]}, which leaves "
        f"{money(best['p10_wealth_change'])} more in the worst tenth of outcomes" in text
    )
    assert "The strongest single lever" not in text
    grounding = check_grounding(text, [base])
    assert grounding.grounded, grounding


def test_a_model_that_cannot_run_the_plan_is_shown_with_its_reason() -> None:
    base = {
        "success_pct": 80.0,
        "return_model": "normal",
        "by_model": [
            {"model": "normal", "label": "Normal (parametric)", "success_pct": 80.0, "paths": 10},
            {
                "model": "historical",
                "label": "Historical since 1871",
                "success_pct": None,
                "paths": 0,
                "note": "History since 1871 holds too few 80-year windows.",
            },
        ],
    }
    lines = templates._model_lines(base)
    assert (
        "| Historical since 1871 | not available: History since 1871 holds too few 80-year "
        "windows. | |" in lines
    )
    assert not any(line.startswith("The odds run from") for line in lines)
    assert check_grounding("\n".join(lines), [base]).grounded


def test_the_instructions_ask_for_levers_and_model_differences_from_tool_figures() -> None:
    instructions = templates.INSTRUCTIONS
    for words in ("`levers`", "`by_model`", "`allocations`", "return model", "points"):
        assert words in instructions
    assert "must be copied from a tool result" in instructions
    assert "never compute or invent a number" in instructions


# --------------------------------------------------------------------------- stored payloads


def test_retirement_sections_stored_before_the_outlook_still_load() -> None:
    job = JobRead.model_validate(OLD_JOB)
    retirement_payload = job.retirement_payload
    assert retirement_payload is not None and retirement_payload.projection is not None
    assert retirement_payload.summary.success_pct == 56.69
    assert (retirement_payload.by_model, retirement_payload.allocations) == ([], [])
    assert retirement_payload.levers == []
    summary = retirement_payload.summary
    assert summary.return_model is None and summary.sustainable_income_range is None
    assert summary.p10_wealth_at_planning_age_real is None
    assert [
        (s.spend_less_per_year, s.claim_social_security_at) for s in retirement_payload.scenarios
    ] == [(0.0, None), (0.0, None)]


def test_an_unreadable_lever_is_left_out_when_reading_and_refused_when_writing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    lever = {
        "key": "save_more",
        "label": "Save $6,000 more a year",
        "success_pct": 58.6,
        "change_pp": 8.2,
        "p10_wealth_at_planning_age_real": 0.0,
        "p10_wealth_change": 0.0,
    }
    stored = {
        **OLD_JOB["retirement_payload"],
        "levers": [lever, {"key": "sell_the_house", "label": "Sell the house"}],
    }
    with caplog.at_level(logging.WARNING, logger="alex.payloads"):
        payload = RetirementPayload.model_validate(stored)
    assert [lever.key for lever in payload.levers] == ["save_more"]
    assert "stored retirement levers[1] left out" in caplog.text
    written = {
        "summary": {"retirement_age": 65, "planning_age": 95, "success_pct": 50.43},
        "levers": stored["levers"],
    }
    with pytest.raises(ValidationError, match="levers"):
        RetirementPayload.model_validate(written, context=WRITING)
    assert RetirementPayload.model_validate({**written, "levers": [lever]}, context=WRITING)
