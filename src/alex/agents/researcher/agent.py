"""The researcher: gathers sources through tools (the knowledge base, the research inbox and,
when `ALEX_RESEARCH_WEB=1`, allow-listed web pages), answers with a structured note, and the
code (not the model) files it in the knowledge base, dated, with its sources. A note citing
a source no tool returned in this run is rejected. Every run is recorded (`runs.py`)."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from agents import (
    Agent,
    AgentOutputSchema,
    ItemHelpers,
    MaxTurnsExceeded,
    Model,
    ModelBehaviorError,
    ModelResponse,
    RunContextWrapper,
    RunHooks,
    Runner,
    Tool,
    Usage,
    function_tool,
)
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from alex.agents.model import build_model, build_model_settings, describe, usage_report
from alex.agents.researcher import inbox, offline_writer, templates, topics, web
from alex.agents.researcher.note import ResearchAnswer, ResearchNote, note_markdown
from alex.agents.researcher.runs import RunListener, RunLog
from alex.agents.runner import run_config
from alex.agents.transient import detail, is_transient, plain_reason
from alex.core.config import Settings, get_settings
from alex.core.errors import ValidationFailedError
from alex.knowledge.base import IngestResult, Passage
from alex.knowledge.factory import knowledge_base
from alex.knowledge.fence import fence
from alex.knowledge.service import KnowledgeBase

logger = logging.getLogger(__name__)

MAX_TURNS = 16
SEARCH_RESULTS = 5
EARLIER_NOTES = 2
# The `source` of every note the researcher files (followed by its run id).
NOTE_SOURCE_PREFIX = "research:"
# Per source, what the model is shown: enough for a page's substance, not a whole book.
MAX_SOURCE_CHARS = 12_000


@dataclass
class ResearchContext:
    """The `RunContextWrapper.context` of one run: what the tools need, and every source they
    returned (location → title), which the note's sources are checked against."""

    settings: Settings
    kb: KnowledgeBase
    log: RunLog
    sources: dict[str, str] = field(default_factory=dict)

    async def found(self, tool: str, found: list[tuple[str, str]], message: str) -> None:
        for location, title in found:
            self.sources.setdefault(location, title)
        await self.log.arecord(
            "info",
            message,
            {"tool": tool, "sources": [{"location": loc, "title": t} for loc, t in found]},
        )

    async def refused(self, tool: str, reason: str, arguments: dict[str, Any]) -> str:
        """What a tool tells the model when it could not do what was asked (the model may try
        another source); recorded as a finding of the run."""
        await self.log.arecord("info", f"{tool} refused: {reason}", {"tool": tool, **arguments})
        return _dump({"error": reason})


def _dump(value: Any) -> str:
    return json.dumps(value, default=str)


def _source(location: str, title: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "location": location,
        "title": title,
        **extra,
        "truncated": len(text) > MAX_SOURCE_CHARS,
        "text": fence(text[:MAX_SOURCE_CHARS], label=title),
    }


@function_tool
async def search_knowledge(ctx: RunContextWrapper[ResearchContext], query: str) -> str:
    """The passages of Alex's knowledge base that best match a query (one per document), each
    with the `location` to cite it by. The researcher's own earlier notes on it come
    separately (`earlier_notes`): what is covered already, not primary sources.

    Args:
        query: What to look for, in plain words, e.g. "bond duration and rising rates".
    """
    research = ctx.context
    try:
        # Twice as many, so earlier notes never crowd the primary sources out.
        passages = await asyncio.to_thread(research.kb.search, query, 2 * SEARCH_RESULTS)
    except ValidationFailedError as exc:
        return await research.refused("search_knowledge", exc.message, {"query": query})
    primary = [p for p in passages if not p.source.startswith(NOTE_SOURCE_PREFIX)]
    notes = [p for p in passages if p.source.startswith(NOTE_SOURCE_PREFIX)]
    results = [_passage(p) for p in primary[:SEARCH_RESULTS]]
    earlier = [_passage(p) for p in notes[:EARLIER_NOTES]]
    await research.found(
        "search_knowledge",
        [(r["location"], r["title"]) for r in results + earlier],
        f"Knowledge base: {len(results)} passage(s) and {len(earlier)} earlier note(s) "
        f"for {query!r}",
    )
    return _dump({"query": query, "passages": results, "earlier_notes": earlier})


def _passage(passage: Passage) -> dict[str, Any]:
    return _source(
        f"knowledge:{passage.source}",
        passage.title,
        passage.text,
        heading=passage.heading,
        published=passage.published,
        citations=passage.citations,
    )


@function_tool
async def list_inbox(ctx: RunContextWrapper[ResearchContext]) -> str:
    """The documents an operator left in the research inbox (name, size, when modified),
    newest first. Read one with read_inbox_file."""
    entries = await asyncio.to_thread(inbox.list_inbox, ctx.context.settings.research_inbox_dir)
    files = [{"name": e.name, "bytes": e.size, "modified": e.modified.isoformat()} for e in entries]
    return _dump({"files": files})


@function_tool
async def read_inbox_file(ctx: RunContextWrapper[ResearchContext], name: str) -> str:
    """The text of one research inbox document (markdown, text, HTML or PDF).

    Args:
        name: The file's name exactly as list_inbox gives it.
    """
    research = ctx.context
    settings = research.settings
    try:
        document = await asyncio.to_thread(
            inbox.read_inbox_file,
            settings.research_inbox_dir,
            name,
            max_bytes=settings.research_fetch_max_bytes,
        )
    except inbox.InboxError as exc:
        return await research.refused("read_inbox_file", exc.message, {"name": name})
    result = _source(
        f"inbox:{document.name}", document.title, document.text, published=document.published
    )
    await research.found(
        "read_inbox_file", [(result["location"], document.title)], f"Read inbox file {name}"
    )
    return _dump(result)


@function_tool
async def fetch_page(ctx: RunContextWrapper[ResearchContext], url: str) -> str:
    """The text of one web page (HTML, plain text or PDF) from an allow-listed host.

    Args:
        url: The page's full https:// address.
    """
    research = ctx.context
    try:
        page = await web.fetch_page(url, research.settings)
    except web.FetchRefusedError as exc:
        return await research.refused("fetch_page", exc.message, {"url": url})
    await research.found("fetch_page", [(page.url, page.title)], f"Fetched {page.url}")
    return _dump(_source(page.url, page.title, page.text, published=page.published))


def tools_for(settings: Settings) -> list[Tool]:
    """`fetch_page` exists only when the operator turned the web on (`ALEX_RESEARCH_WEB=1`)."""
    tools: list[Tool] = [search_knowledge, list_inbox, read_inbox_file]
    if settings.research_web:
        tools.append(fetch_page)
    return tools


def build_researcher(settings: Settings, model: Model | None = None) -> Agent[ResearchContext]:
    return Agent[ResearchContext](
        name="researcher",
        instructions=templates.instructions(settings.research_web),
        tools=tools_for(settings),
        model=model
        or build_model(
            "researcher",
            write=offline_writer.offline_write,
            plan=offline_writer.offline_plan,
            settings=settings,
        ),
        model_settings=build_model_settings("researcher", settings),
        # Optional fields (a note or a reason) cannot be expressed in a strict JSON schema.
        output_type=AgentOutputSchema(ResearchAnswer, strict_json_schema=False),
    )


class ResearchHooks(RunHooks[ResearchContext]):
    """A `tool` event per tool call with its arguments; the usage of every model call; the
    last text answer (to name what was wrong with an invalid one)."""

    def __init__(self, log: RunLog) -> None:
        self.log = log
        self.usage = Usage()
        self.last_text = ""

    async def on_llm_end(
        self,
        context: RunContextWrapper[ResearchContext],
        agent: Agent[ResearchContext],
        response: ModelResponse,
    ) -> None:
        self.usage.add(response.usage)
        texts = [ItemHelpers.extract_last_text(item) or "" for item in response.output]
        if any(texts):
            self.last_text = "".join(texts)

    async def on_tool_start(
        self,
        context: RunContextWrapper[ResearchContext],
        agent: Agent[ResearchContext],
        tool: Tool,
    ) -> None:
        raw = getattr(context, "tool_arguments", None) or "{}"
        try:
            arguments = json.loads(raw)
        except ValueError:
            arguments = {"raw": str(raw)[:500]}
        await self.log.arecord(
            "tool", f"Using {tool.name}", {"tool": tool.name, "arguments": arguments}
        )


class ResearchRejectedError(Exception):
    """A definitive outcome: the run failed for this reason (no note, an invalid note, a note
    citing what no tool returned); running it again as it is would fail the same way."""


@dataclass(frozen=True)
class ResearchOutcome:
    run_id: uuid.UUID
    status: Literal["completed", "failed"]
    message: str
    """The note filed, or why none was."""
    document_id: uuid.UUID | None = None
    created: bool = False
    """False when the note was already in the knowledge base (same text)."""
    retryable: bool = False
    """The run failed on something that may pass later (the model provider was down)."""


async def research(
    engine: Engine,
    *,
    topic: str | None = None,
    settings: Settings | None = None,
    model: Model | None = None,
    listener: RunListener | None = None,
    today: date | None = None,
) -> ResearchOutcome:
    """One research run, on `topic` or, with none, on the topic `topics.pick_topic` chooses."""
    settings = settings or get_settings()
    today = today or date.today()
    choice = topics.asked(topic) if topic else await asyncio.to_thread(topics.pick_topic, engine)
    agent = build_researcher(settings, model)
    log = await asyncio.to_thread(
        RunLog.start,
        engine,
        topic=choice.topic,
        reason=choice.reason,
        model=describe(agent.model),
        listener=listener,
    )
    try:
        return await _research(engine, agent, choice, log, settings, today)
    except ResearchRejectedError as exc:
        await asyncio.to_thread(log.fail, str(exc))
        return ResearchOutcome(log.run_id, "failed", str(exc))
    except SQLAlchemyError:
        raise  # the run cannot be recorded either: let the caller (and its retries) see it
    except asyncio.CancelledError:
        await asyncio.to_thread(log.fail, "the run was interrupted")
        raise
    except Exception as exc:
        # The model could not be asked (refused, unreachable after its retries, too slow) or a
        # tool broke: a failed run that says why, and a schedule that goes on.
        logger.warning("research run failed: %s", detail(exc), extra={"run_id": str(log.run_id)})
        reason = plain_reason(exc)
        await asyncio.to_thread(log.fail, reason, data={"error": type(exc).__name__})
        return ResearchOutcome(log.run_id, "failed", reason, retryable=is_transient(exc))


def research_sync(engine: Engine, **kwargs: Any) -> ResearchOutcome:
    return asyncio.run(research(engine, **kwargs))


async def _research(
    engine: Engine,
    agent: Agent[ResearchContext],
    choice: topics.TopicChoice,
    log: RunLog,
    settings: Settings,
    today: date,
) -> ResearchOutcome:
    context = ResearchContext(settings, knowledge_base(settings, engine), log)
    hooks = ResearchHooks(log)
    try:
        result = await asyncio.wait_for(
            Runner.run(
                agent,
                templates.task(choice, today),
                context=context,
                hooks=hooks,
                max_turns=MAX_TURNS,
                run_config=run_config(log.run_id),
            ),
            timeout=settings.agent_timeout_seconds,
        )
    except ModelBehaviorError as exc:
        raise ResearchRejectedError(
            f"the researcher's answer was not a valid note: {_problem(exc, hooks.last_text)}"
        ) from exc
    except MaxTurnsExceeded as exc:
        raise ResearchRejectedError(
            f"the researcher did not answer within {MAX_TURNS} turns"
        ) from exc
    usage = usage_report(hooks.usage, agent.model)
    answer = result.final_output_as(ResearchAnswer)
    if answer.note is None:
        raise ResearchRejectedError(f"no note written: {answer.no_note_reason}")
    note = answer.note
    unknown = [s.location for s in note.sources if s.location not in context.sources]
    if unknown:
        raise ResearchRejectedError(
            "the note cites sources no tool returned in this run: " + ", ".join(unknown)
        )
    try:
        filed = await asyncio.to_thread(_file, context.kb, note, choice, log.run_id, today)
    except ValidationFailedError as exc:
        raise ResearchRejectedError(f"the note could not be filed: {exc.message}") from exc
    document_id = uuid.UUID(filed.document.id)
    data = {
        "document_id": str(document_id),
        "title": note.title,
        "sources": [s.model_dump() for s in note.sources],
        "usage": usage.as_data(),
    }
    if filed.created:
        message = (
            f"Filed note {note.title!r} ({filed.chunks} passages, {len(note.sources)} sources)"
        )
    else:
        message = f"The same note is already in the knowledge base ({filed.document.title!r})"
    await asyncio.to_thread(log.complete, message, document_id=document_id, data=data)
    return ResearchOutcome(log.run_id, "completed", message, document_id, filed.created)


def _file(
    kb: KnowledgeBase,
    note: ResearchNote,
    choice: topics.TopicChoice,
    run_id: uuid.UUID,
    today: date,
) -> IngestResult:
    return kb.ingest_text(
        note.title,
        note_markdown(note),
        # Traceable: `alex research show <run id>` tells how the note was made.
        source=f"{NOTE_SOURCE_PREFIX}{run_id}",
        origin="research",
        published=today,
        topic=note.topic,
        symbols=sorted({*note.symbols, *choice.symbols}),
        citations=[source.citation() for source in note.sources],
    )


def _problem(error: ModelBehaviorError, answer: str) -> str:
    """Which field was wrong (the SDK redacts the model's data from its own error)."""
    try:
        ResearchAnswer.model_validate_json(answer)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())[
            :800
        ]
    return str(error)[:800]
