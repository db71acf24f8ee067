"""The report cites the knowledge base: the demo analysis quotes starter notes that fit its
portfolio, numbered 1..N with a References entry for every citation; a knowledge search that
fails leaves a report without market context instead of no report."""

from __future__ import annotations

import json
import re
import uuid
from datetime import date
from typing import Any

import pytest
from agents.testing import ScriptedModel, assistant_message, function_call
from sqlalchemy import Engine

from alex.agents.citations import REFERENCES_HEADING, References
from alex.agents.planner.manager import AnalysisManager, run_analysis
from alex.knowledge.base import EmbeddingError, Passage
from alex.knowledge.service import KnowledgeBase
from tests.agents.conftest import load_job

# The demo portfolio: overweight equity and North America, underweight fixed income, Europe and
# Asia-Pacific, 42 % of invested money in SPY, mega-cap tech through QQQ, AAPL and MSFT.
DEMO_HOLDINGS = {
    "SPY", "QQQ", "VEA", "AGG", "AAPL", "MSFT", "ARKK", "BND", "GLD", "IWM", "VIG", "VNQ", "VWO",
}  # fmt: skip
FITS_THE_DEMO = {
    "Bond duration and rising interest rates",
    "Choosing a stock/bond mix by age, risk capacity and risk tolerance",
    "International stocks and home bias",
    "Emerging markets in a portfolio",
    "Concentration risk in single stocks and mega-cap tech",
    "Rebalancing with calendars and threshold bands",
    "Diversification and correlation",
}
CITATION = re.compile(r"(?<!\\)\[(\d+)\](?!\()")


def cited_numbers(markdown: str) -> list[int]:
    body = markdown.split(REFERENCES_HEADING)[0]
    return [int(n) for n in CITATION.findall(body)]


def market_context(markdown: str) -> str:
    return markdown.split("## Market context")[1].split("\n## ")[0]


async def test_the_demo_report_cites_starter_notes_that_fit_its_portfolio(
    engine: Engine, demo_job: uuid.UUID, starter_notes: KnowledgeBase
) -> None:
    await run_analysis(demo_job, engine=engine)

    job = load_job(engine, demo_job)
    report = job.report_payload
    assert job.status == "completed" and report is not None
    references = report.references
    titles = [r.title for r in references]
    assert len(set(titles)) >= 2 and set(titles) <= FITS_THE_DEMO
    assert [r.n for r in references] == list(range(1, len(references) + 1))
    # Each cited note names something the demo holds.
    documents = {d.id: d for d in starter_notes.list_documents(origin="starter")}
    for ref in references:
        assert set(documents[ref.document_id].symbols) & DEMO_HOLDINGS, ref.title
        assert ref.source == documents[ref.document_id].source
        assert ref.published is not None and ref.citations
    # Every [n] in the text has its entry and every entry is cited.
    cited = cited_numbers(report.markdown)
    assert set(cited) == {r.n for r in references}
    assert cited[0] == 1 and sorted(set(cited)) == list(range(1, len(references) + 1))
    listed = report.markdown.split(REFERENCES_HEADING)[1]
    for ref in references:
        assert f"- [{ref.n}] *" in listed
    assert report.markdown.rstrip().splitlines()[-1].startswith(f"- [{len(references)}]")
    # 2–4 bullets, each quoting its note and ending with its number.
    bullets = [line for line in market_context(report.markdown).splitlines() if line[:2] == "- "]
    assert 2 <= len(bullets) <= 4
    assert all(re.search(r"” \[\d+\]$", line) for line in bullets)
    assert report.grounding is not None and report.grounding.grounded


async def test_the_report_says_so_when_the_knowledge_search_fails(
    engine: Engine, demo_job: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: AnalysisManager, query: str, k: int = 5, **_: Any) -> list[Passage]:
        raise EmbeddingError("the hosted embedder answered 503")

    monkeypatch.setattr(AnalysisManager, "_search_knowledge", down)
    scripted = ScriptedModel(
        [
            [function_call("get_market_insights", {"topic": "bonds"}, call_id="k1")],
            [assistant_message("## Summary\n\nNo insights today [1].")],
        ]
    )

    await run_analysis(demo_job, engine=engine, models={"reporter": scripted})

    job = load_job(engine, demo_job)
    assert job.status == "completed" and job.report_payload is not None
    # The model was told plainly, in the tool's usual JSON shape.
    outputs = [
        item
        for item in scripted.calls[1].input
        if isinstance(item, dict) and item.get("type") == "function_call_output"
    ]
    result = json.loads(outputs[0]["output"])
    assert result["available"] is False and result["topic"] == "bonds"
    assert "could not be searched" in result["message"] and "503" not in result["message"]
    # A number it was never given is dropped, and nothing is listed.
    assert job.report_payload.markdown == "## Summary\n\nNo insights today.\n"
    assert job.report_payload.references == []


async def test_the_offline_report_without_knowledge_search_still_has_market_context(
    engine: Engine, demo_job: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(self: AnalysisManager, query: str, k: int = 5, **_: Any) -> list[Passage]:
        raise EmbeddingError("timed out")

    monkeypatch.setattr(AnalysisManager, "_search_knowledge", down)

    await run_analysis(demo_job, engine=engine)

    report = load_job(engine, demo_job).report_payload
    assert report is not None and report.references == []
    assert "could not be searched just now" in market_context(report.markdown)
    assert REFERENCES_HEADING not in report.markdown


# --------------------------------------------------------------------------- the register


def _passage(document: str, title: str, chunk: int = 1) -> Passage:
    return Passage(
        chunk_id=chunk,
        document_id=document,
        title=title,
        heading="",
        text="Text.",
        source=f"{document}.md",
        citations=["A book"],
        published=date(2026, 7, 6),
        score=1.0,
    )


def test_documents_are_numbered_once_across_calls() -> None:
    refs = References()
    assert refs.number(_passage("a", "A")) == 1
    assert refs.number(_passage("b", "B")) == 2
    assert refs.number(_passage("a", "A", chunk=7)) == 1  # another passage, same document


def test_finalise_renumbers_in_reading_order_and_keeps_only_what_was_given() -> None:
    refs = References()
    for name in "abc":
        refs.number(_passage(name, name.upper()))
    text = (
        "## Market context\n\n- C says so [3].\n- A and C [1, 3].\n- Made up [9].\n\n"
        "## References\n\n[1]: A — whenever\n"
    )

    markdown, cited = refs.finalise(text)

    assert [(r.n, r.title) for r in cited] == [(1, "C"), (2, "A")]
    assert markdown == (
        "## Market context\n\n- C says so [1].\n- A and C [2][1].\n- Made up.\n\n"
        "## References\n\n"
        "- [1] *C* — 6 Jul 2026 — c\\.md\n"
        "- [2] *A* — 6 Jul 2026 — a\\.md\n"
    )


def test_finalise_leaves_quoted_brackets_and_links_alone() -> None:
    refs = References()
    refs.number(_passage("a", "A"))
    text = r"Quoted \[1\] and [1](https://example.com) and [1][x]" + "\n"

    markdown, cited = refs.finalise(text)

    assert markdown == text and cited == []
