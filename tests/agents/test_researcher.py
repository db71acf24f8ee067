"""The researcher: offline runs that file dated, sourced notes the knowledge base then finds;
inbox files as sources (and an inbox that cannot be escaped); topic picking from holdings and
coverage; a model citing a source it never fetched is rejected; every run is recorded."""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy import Engine

from alex.agents.researcher import topics
from alex.agents.researcher.agent import research
from alex.agents.researcher.inbox import InboxError, list_inbox, read_inbox_file
from alex.agents.researcher.lambda_handler import handler
from alex.agents.researcher.note import ResearchAnswer
from alex.agents.researcher.runs import get_run, list_runs
from alex.core.config import get_settings
from alex.core.errors import ValidationFailedError
from alex.db import repository as repo
from alex.db.seed import seed_instruments
from alex.db.session import session_scope
from alex.knowledge.factory import knowledge_base
from alex.knowledge.seed import seed_starter_notes
from alex.knowledge.service import KnowledgeBase
from alex.schemas import AccountCreate, PositionCreate, UserCreate

TODAY = date(2026, 5, 4)

FRONTIER = """---
title: Frontier markets primer
---
# Frontier markets primer

Frontier markets are smaller and less liquid than emerging markets, such as Vietnam, Nigeria
and Kenya. Index providers list frontier markets separately because foreign investors face
trading limits and capital controls there. Frontier markets have had low correlation with
developed markets, which is why some investors hold a small slice of them. Costs of frontier
markets funds are high: expense ratios near one percent are common, and trading spreads are
wide. Frontier markets can move into the emerging group when their markets open up, which
changes what index funds tracking them hold. A frontier markets fund may hold only a few
dozen companies, so single-company risk in frontier markets is far higher than in broad funds.
"""


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def kb(engine: Engine, inbox: Path, monkeypatch: pytest.MonkeyPatch) -> KnowledgeBase:
    """An empty knowledge base (WordLlama: quick to load) and an empty inbox."""
    monkeypatch.setenv("ALEX_EMBEDDING_MODEL", "wordllama")
    monkeypatch.setenv("ALEX_RESEARCH_INBOX_DIR", str(inbox))
    get_settings.cache_clear()
    return knowledge_base(get_settings(), engine)


def _summary(words: int = 90) -> str:
    return " ".join(["Bond prices fall when interest rates rise."] * (words // 7 + 1))


def _answer(locations: list[str]) -> str:
    return json.dumps(
        {
            "note": {
                "title": "Bonds and rising rates",
                "summary": _summary(),
                "sources": [{"title": "A source", "location": loc} for loc in locations],
                "symbols": ["BND"],
                "topic": "bonds",
            },
            "no_note_reason": None,
        }
    )


# --- offline runs ---


async def test_offline_run_files_a_dated_note_that_search_finds(
    engine: Engine, kb: KnowledgeBase
) -> None:
    seed_starter_notes(kb)

    outcome = await research(engine, topic="emerging markets", today=TODAY)

    assert outcome.status == "completed" and outcome.created, outcome.message
    assert outcome.document_id is not None
    doc = kb.get_document(outcome.document_id)
    assert doc.origin == "research" and doc.published == TODAY
    assert doc.title == "Research note: emerging markets"
    assert doc.topic == "emerging-markets"
    assert doc.source == f"research:{outcome.run_id}"
    assert doc.citations and all("(knowledge:" in c for c in doc.citations)
    found = kb.search("What Alex's local sources say about emerging markets", 10)
    assert str(outcome.document_id) in [p.document_id for p in found]

    run = get_run(engine, outcome.run_id)
    assert run.status == "completed" and run.model == "offline" and run.reason == "asked"
    assert run.note_title == doc.title and run.completed_at is not None
    tools = [e.data for e in run.events if e.kind == "tool"]
    assert {"tool": "search_knowledge", "arguments": {"query": "emerging markets"}} in tools
    assert {"tool": "list_inbox", "arguments": {}} in tools
    assert run.events[-1].message.startswith("Filed note 'Research note: emerging markets'")


async def test_an_identical_note_is_not_filed_twice(engine: Engine, kb: KnowledgeBase) -> None:
    seed_starter_notes(kb)

    first = await research(engine, topic="emerging markets", today=TODAY)
    again = await research(engine, topic="emerging markets", today=date(2026, 5, 5))

    assert first.created and not again.created
    assert again.status == "completed" and again.document_id == first.document_id
    assert len(kb.list_documents(origin="research")) == 1
    assert "already in the knowledge base" in again.message


async def test_an_inbox_file_is_read_quoted_and_listed_as_a_source(
    engine: Engine, kb: KnowledgeBase, inbox: Path
) -> None:
    (inbox / "frontier-markets.md").write_text(FRONTIER)
    (inbox / "notes.csv").write_text("not, a, readable, type")

    outcome = await research(engine, topic="frontier markets", today=TODAY)

    assert outcome.status == "completed", outcome.message
    assert outcome.document_id is not None
    doc = kb.get_document(outcome.document_id)
    assert doc.citations == ["Frontier markets primer (inbox:frontier-markets.md)"]
    passages = kb.search("frontier markets trading limits", 5)
    note = next(p for p in passages if p.document_id == str(outcome.document_id))
    assert "_(Frontier markets primer)_" in note.text
    events = get_run(engine, outcome.run_id).events
    assert {"tool": "read_inbox_file", "arguments": {"name": "frontier-markets.md"}} in [
        e.data for e in events if e.kind == "tool"
    ]


async def test_with_no_local_sources_the_run_fails_and_says_why(
    engine: Engine, kb: KnowledgeBase
) -> None:
    outcome = await research(engine, topic="frontier markets", today=TODAY)

    assert outcome.status == "failed" and outcome.document_id is None
    assert "no local sources" in outcome.message
    run = get_run(engine, outcome.run_id)
    assert run.status == "failed" and run.error_message == outcome.message
    assert run.events[-1].kind == "error"
    assert kb.list_documents(origin="research") == []


async def test_offline_note_is_a_valid_answer_within_the_word_limits(
    engine: Engine, kb: KnowledgeBase
) -> None:
    seed_starter_notes(kb)
    outcome = await research(engine, topic="bond duration and interest rates", today=TODAY)
    assert outcome.status == "completed", outcome.message
    assert outcome.document_id is not None
    note_passages = [
        p
        for p in kb.search("bond duration interest rates", 20, distinct_documents=False)
        if p.document_id == str(outcome.document_id)
    ]
    assert note_passages
    words = sum(len(p.text.split()) for p in note_passages)
    assert 80 <= words <= 700


# --- models that misbehave ---


async def test_a_note_citing_a_source_no_tool_returned_is_rejected(
    engine: Engine, kb: KnowledgeBase
) -> None:
    seed_starter_notes(kb)
    model = ScriptedModel(
        [
            [function_call("search_knowledge", {"query": "bonds"}, call_id="c1")],
            [assistant_message(_answer(["https://example.com/never-fetched"]))],
        ]
    )

    outcome = await research(engine, topic="bonds", model=model, today=TODAY)

    assert outcome.status == "failed"
    assert "no tool returned in this run: https://example.com/never-fetched" in outcome.message
    assert kb.list_documents(origin="research") == []
    assert get_run(engine, outcome.run_id).status == "failed"


async def test_a_hosted_model_note_citing_what_it_read_is_filed(
    engine: Engine, kb: KnowledgeBase
) -> None:
    seed_starter_notes(kb)
    model = ScriptedModel(
        [
            [function_call("search_knowledge", {"query": "bond duration"}, call_id="c1")],
            [assistant_message(_answer(["knowledge:bond-duration-and-interest-rates.md"]))],
        ]
    )

    outcome = await research(engine, topic="bonds", model=model, today=TODAY)

    assert outcome.status == "completed", outcome.message
    assert outcome.document_id is not None
    doc = kb.get_document(outcome.document_id)
    assert doc.symbols == ["BND"] and doc.topic == "bonds"
    assert doc.citations == ["A source (knowledge:bond-duration-and-interest-rates.md)"]


async def test_an_invalid_note_fails_the_run_naming_the_field(
    engine: Engine, kb: KnowledgeBase
) -> None:
    too_short = json.loads(_answer(["knowledge:x.md"]))
    too_short["note"]["summary"] = "Rates rose."
    model = ScriptedModel([[assistant_message(json.dumps(too_short))]])

    outcome = await research(engine, topic="bonds", model=model, today=TODAY)

    assert outcome.status == "failed"
    assert "not a valid note" in outcome.message and "note.summary" in outcome.message
    assert "2 words" in outcome.message


def test_an_answer_is_a_note_or_a_reason_never_both_or_neither() -> None:
    with pytest.raises(ValueError, match="either a note or a no_note_reason"):
        ResearchAnswer.model_validate({"note": None, "no_note_reason": None})
    both = json.loads(_answer(["x"]))
    both["no_note_reason"] = "nothing found"
    with pytest.raises(ValueError, match="either a note or a no_note_reason"):
        ResearchAnswer.model_validate(both)


# --- the inbox ---


@pytest.mark.parametrize(
    "name", ["../secret.md", "/etc/hostname", "sub/inner.md", "..", ".", "", "a\\..\\b.md"]
)
def test_inbox_names_cannot_leave_the_folder(inbox: Path, name: str) -> None:
    (inbox.parent / "secret.md").write_text("# Secret\n\nThis must never be read by the agent.")
    (inbox / "sub").mkdir()
    (inbox / "sub" / "inner.md").write_text("# Inner\n\nA file one folder down, not visible.")
    with pytest.raises(InboxError):
        read_inbox_file(inbox, name, max_bytes=10_000)


def test_inbox_lists_and_reads_only_plain_readable_files(inbox: Path) -> None:
    outside = inbox.parent / "outside.md"
    outside.write_text("# Outside\n\nA file outside the inbox that a link points to.")
    (inbox / "link.md").symlink_to(outside)
    (inbox / ".hidden.md").write_text("# Hidden\n\nA hidden file is not listed or read.")
    (inbox / "data.csv").write_text("a,b,c")
    (inbox / "big.md").write_text("# Big\n\n" + "word " * 5000)
    (inbox / "note.md").write_text(FRONTIER)

    assert sorted(e.name for e in list_inbox(inbox)) == ["big.md", "note.md"]
    assert list_inbox(inbox / "missing") == []
    for name in ("link.md", ".hidden.md", "data.csv", "missing.md"):
        with pytest.raises(InboxError, match="no readable file"):
            read_inbox_file(inbox, name, max_bytes=10_000)
    with pytest.raises(InboxError, match="larger than the 10,000 byte limit"):
        read_inbox_file(inbox, "big.md", max_bytes=10_000)
    note = read_inbox_file(inbox, "note.md", max_bytes=10_000)
    assert note.title == "Frontier markets primer" and "Vietnam" in note.text


# --- topic picking ---


def _hold(engine: Engine, holdings: dict[str, list[str]]) -> None:
    """`{"u1": ["VTI", "BND"], …}`: users with one taxable account holding those symbols."""
    with session_scope(engine) as session:
        seed_instruments(session)
        for user_id, symbols in holdings.items():
            repo.create_user(session, UserCreate(id=user_id))
            account = repo.create_account(
                session, user_id, AccountCreate(account_name="Brokerage", account_type="taxable")
            )
            for symbol in symbols:
                repo.add_position(
                    session, account, PositionCreate(symbol=symbol, quantity=Decimal("10"))
                )


def test_picks_the_least_covered_of_the_most_held_symbols(
    engine: Engine, kb: KnowledgeBase
) -> None:
    _hold(engine, {"u1": ["VTI", "BND", "VXUS"], "u2": ["VTI", "BND"], "u3": ["VTI"]})
    kb.ingest_text(
        "Total market funds",
        "# Total market funds\n\nVTI holds nearly every listed US company in one fund.",
        source="test",
        origin="operator",
    )

    assert [(h.symbol, h.holders) for h in topics.most_held(engine)] == [
        ("VTI", 3),
        ("BND", 2),
        ("VXUS", 1),
    ]
    choice = topics.pick_topic(engine)

    # BND and VXUS are both unmentioned: the one more users hold wins.
    assert choice.symbols == ["BND"]
    assert choice.topic.startswith("BND (")
    assert choice.reason == (
        "most held: BND (2 holders); covered by 0 passages, the fewest of the 3 most-held symbols"
    )
    assert choice.label == "fixed-income"  # BND's asset class


def test_with_no_holdings_picks_the_least_covered_starter_topic(
    engine: Engine, kb: KnowledgeBase
) -> None:
    first = topics.pick_topic(engine)
    assert first.label == "asset-classes"  # nothing covered: the first by name
    assert first.reason == (
        "no holdings yet; 'asset-classes' is the least covered starter topic (0 passages)"
    )
    kb.ingest_text(
        "Asset classes",
        "# Asset classes\n\nStocks, bonds and cash play different roles in a portfolio.",
        source="test",
        origin="operator",
        topic="asset-classes",
    )
    assert topics.pick_topic(engine).label == "bonds"


async def test_a_run_without_a_topic_researches_the_picked_one(
    engine: Engine, kb: KnowledgeBase
) -> None:
    seed_starter_notes(kb)
    _hold(engine, {"u1": ["VWO"], "u2": ["VWO"]})

    outcome = await research(engine, today=TODAY)

    run = get_run(engine, outcome.run_id)
    assert run.topic.startswith("VWO (")
    assert run.reason.startswith("most held: VWO (2 holders); covered by ")
    assert outcome.status == "completed", outcome.message
    assert outcome.document_id is not None
    assert "VWO" in kb.get_document(outcome.document_id).symbols


def test_asked_topics_are_labelled_for_the_knowledge_base() -> None:
    choice = topics.asked("  Bond ladders   vs. bond funds ")
    assert choice.topic == "Bond ladders vs. bond funds" and choice.reason == "asked"
    assert choice.label == "bond-ladders-vs-bond-funds"
    assert len(topics.label_for("a very long topic " * 10)) <= 40
    with pytest.raises(ValueError):
        topics.asked("   ")


# --- visibility and the Lambda entry point ---


async def test_runs_are_listed_newest_first_with_their_note(
    engine: Engine, kb: KnowledgeBase
) -> None:
    failed = await research(engine, topic="emerging markets", today=TODAY)  # nothing to read
    seed_starter_notes(kb)
    filed = await research(engine, topic="emerging markets", today=TODAY)

    runs = list_runs(engine, limit=10)

    assert [r.id for r in runs][:2] == [filed.run_id, failed.run_id]
    assert runs[0].note_title == "Research note: emerging markets"
    assert runs[1].status == "failed" and runs[1].note_title is None
    assert list_runs(engine, limit=1)[0].id == filed.run_id


def test_lambda_handler_runs_one_research_run(engine: Engine, kb: KnowledgeBase) -> None:
    seed_starter_notes(kb)

    result: dict[str, Any] = handler({"topic": "emerging markets"})

    assert result["status"] == "completed"
    run = get_run(engine, uuid.UUID(result["run_id"]))
    assert str(run.document_id) == result["document_id"]
    with pytest.raises(ValidationFailedError, match="topic"):
        handler({"topic": 7})
