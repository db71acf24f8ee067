"""Running one agent for a job: the shared wrapper every specialist uses (hooks, timeout,
usage, grounding), so no agent folder repeats it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from agents import Agent, RunConfig, Runner

from alex.agents.context import AgentContext
from alex.agents.events import EventHooks, UsageReport
from alex.agents.grounding import GroundingResult, check_grounding
from alex.agents.model import request_settings, usage_report
from alex.core.config import Settings, get_settings

MAX_TURNS = 12


async def run_narrative(
    agent: Agent[AgentContext],
    task: str,
    context: AgentContext,
    settings: Settings | None = None,
) -> tuple[str, GroundingResult, UsageReport, EventHooks]:
    """Run a tool-using agent to its markdown answer, then check every figure in it against
    the agent's own tool outputs."""
    settings = settings or get_settings()
    hooks = EventHooks(context.recorder, context.agent)
    result = await asyncio.wait_for(
        Runner.run(
            agent,
            task,
            context=context,
            hooks=hooks,
            max_turns=MAX_TURNS,
            run_config=run_config(context.inputs.job_id),
        ),
        timeout=settings.agent_timeout_seconds,
    )
    text = str(result.final_output).strip()
    grounding = check_grounding(text, hooks.outputs())
    return text, grounding, usage_report(hooks.usage, agent.model), hooks


async def run_structured(
    agent: Agent[Any],
    task: str,
    context: AgentContext,
    settings: Settings | None = None,
) -> tuple[Any, UsageReport]:
    """Run a structured-output agent (no tools) to its validated answer."""
    settings = settings or get_settings()
    hooks = EventHooks(context.recorder, context.agent)
    result = await asyncio.wait_for(
        Runner.run(
            agent,
            task,
            context=context,
            hooks=hooks,
            max_turns=MAX_TURNS,
            run_config=run_config(context.inputs.job_id),
        ),
        timeout=settings.agent_timeout_seconds,
    )
    return result.final_output, usage_report(hooks.usage, agent.model)


def run_config(job_id: uuid.UUID) -> RunConfig:
    """What every model call of one job carries (see `model.request_settings`)."""
    return RunConfig(model_settings=request_settings(job_id))
