"""The knowledge base on both databases with the flat store: ingest, de-duplication, hybrid
search, the symbol filter, recency, delete, and nothing half-written when a part fails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alex.core.config import Settings
from alex.core.errors import ValidationFailedError
from alex.db.models import Instrument, KnowledgeChunk, KnowledgeDocument
from alex.knowledge.base import EmbeddingError, VectorFilter, VectorHit, VectorItem, Vectors
from alex.knowledge.factory import make_embedder
from alex.knowledge.service import KnowledgeBase
from alex.knowledge.stores.flat import FlatStore

BONDS = """---
title: Duration explained
date: 2026-05-01
topic: bonds
symbols: [BND]
sources: ["A bond textbook"]
---
# Duration explained

## What duration measures
A bond fund with a duration of six years loses about six percent when yields rise by one
percentage point. Long Treasury funds such as TLT move the most.

## Living with it
Shorter funds move less when the central bank raises rates.
"""

FEES = """---
symbols: [VTI]
---
# What fees cost

An expense ratio of one percent a year takes a large share of a lifetime's growth.
Index funds such as VTI charge a few hundredths of a percent.
"""


@pytest.fixture
def kb(engine: Engine) -> Iterator[KnowledgeBase]:
    embedder = make_embedder(Settings(embedding_model="wordllama"))
    yield KnowledgeBase(engine, embedder, FlatStore(engine))


def _counts(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        docs = session.scalar(select(func.count()).select_from(KnowledgeDocument)) or 0
        chunks = session.scalar(select(func.count()).select_from(KnowledgeChunk)) or 0
    return docs, chunks


def test_ingest_reads_front_matter_and_the_same_text_twice_is_kept_once(
    kb: KnowledgeBase, engine: Engine
) -> None:
    first = kb.ingest_bytes("duration.md", BONDS.encode())
    again = kb.ingest_bytes("copy-of-duration.md", BONDS.encode())

    assert first.created and not again.created
    assert again.document.id == first.document.id
    doc = first.document
    assert (doc.title, doc.published, doc.topic) == (
        "Duration explained",
        date(2026, 5, 1),
        "bonds",
    )
    assert doc.citations == ["A bond textbook"]
    assert "BND" in doc.symbols
    assert _counts(engine) == (1, first.chunks)
    assert kb.stats()["vectors"] == first.chunks


@pytest.mark.parametrize("mode", ["hybrid", "vector", "keyword"])
def test_each_mode_finds_the_note_about_the_question(kb: KnowledgeBase, mode: str) -> None:
    kb.ingest_bytes("duration.md", BONDS.encode())
    kb.ingest_bytes("fees.md", FEES.encode())

    bonds = kb.search("bond prices when yields rise", 2, mode=mode)  # type: ignore[arg-type]
    fees = kb.search("expense ratio of index funds", 2, mode=mode)  # type: ignore[arg-type]

    assert bonds[0].title == "Duration explained"
    assert fees[0].title == "What fees cost"
    assert set(bonds[0].ranks) <= {"keyword", "vector"}
    assert bonds[0].ranks
    if mode == "hybrid":
        assert set(bonds[0].ranks) == {"keyword", "vector"}


def test_symbol_filter_keeps_only_passages_about_those_symbols(kb: KnowledgeBase) -> None:
    kb.ingest_bytes("duration.md", BONDS.encode())
    kb.ingest_bytes("fees.md", FEES.encode())

    hits = kb.search("what does it cost", 5, symbols=["vti"])

    assert [h.title for h in hits] == ["What fees cost"]
    assert kb.search("what does it cost", 5, symbols=["ZZZZ"]) == []


def test_tickers_written_in_the_text_are_found_among_known_instruments(
    kb: KnowledgeBase, engine: Engine
) -> None:
    with Session(engine) as session:
        for symbol in ("TLT", "BND", "IT"):
            session.add(Instrument(symbol=symbol, name=symbol, origin="curated"))
        session.commit()
    doc = kb.ingest_text(
        "Rates",
        "# Rates\n\nLong funds like TLT fall most. IT and US are words here, not tickers.",
        source="x",
        origin="operator",
    ).document
    # IT (Gartner) is a ticker, but in finance prose it is the sector; US is no ticker here.
    assert doc.symbols == ["TLT"]
    assert kb.search("long funds", 1, symbols=["TLT"])[0].symbols == ["TLT"]


def test_one_passage_per_document_unless_asked(kb: KnowledgeBase) -> None:
    kb.ingest_bytes("duration.md", BONDS.encode())
    assert len(kb.search("duration yields rates funds", 5)) == 1
    every = kb.search("duration yields rates funds", 5, distinct_documents=False)
    assert len(every) == 2
    assert len({p.chunk_id for p in every}) == 2


def test_a_newer_note_outranks_an_equal_older_one(kb: KnowledgeBase) -> None:
    text = "# Rebalancing\n\nRebalancing brings a drifted portfolio back to its targets."
    kb.ingest_text("Old", text, source="a", origin="operator", published=date(2020, 1, 1))
    kb.ingest_text(
        "New", text + " Again.", source="b", origin="operator", published=date(2026, 11, 1)
    )

    hits = kb.search("rebalancing drifted portfolio", 2, today=date(2026, 12, 1))

    assert [h.title for h in hits] == ["New", "Old"]
    assert hits[0].score > hits[1].score


def test_delete_removes_passages_from_both_searches(kb: KnowledgeBase, engine: Engine) -> None:
    doc = kb.ingest_bytes("duration.md", BONDS.encode()).document
    kb.ingest_bytes("fees.md", FEES.encode())

    kb.delete(uuid.UUID(doc.id))

    for mode in ("keyword", "vector"):
        titles = [p.title for p in kb.search("bond duration yields", 5, mode=mode)]  # type: ignore[arg-type]
        assert "Duration explained" not in titles
    assert _counts(engine)[0] == 1


def test_a_second_process_sees_the_first_ones_writes(engine: Engine) -> None:
    embedder = make_embedder(Settings(embedding_model="wordllama"))
    writer = KnowledgeBase(engine, embedder, FlatStore(engine))
    reader = KnowledgeBase(engine, embedder, FlatStore(engine))
    assert reader.search("bond duration", 3, mode="vector") == []  # caches an empty matrix

    doc = writer.ingest_bytes("duration.md", BONDS.encode()).document
    assert reader.search("bond duration", 3, mode="vector")[0].title == "Duration explained"

    writer.delete(uuid.UUID(doc.id))
    assert reader.search("bond duration", 3, mode="vector") == []


class _FailingStore(FlatStore):
    def upsert(self, items: list[VectorItem], *, model: str) -> None:
        raise RuntimeError("store unavailable")


class _FailingEmbedder:
    name = "failing"
    dim = 8

    def embed_passages(self, texts: list[str]) -> Vectors:
        raise EmbeddingError("provider refused")

    def embed_query(self, text: str) -> Vectors:
        raise EmbeddingError("provider refused")


def test_a_store_failure_leaves_no_passage_behind(engine: Engine) -> None:
    kb = KnowledgeBase(
        engine, make_embedder(Settings(embedding_model="wordllama")), _FailingStore(engine)
    )
    with pytest.raises(RuntimeError, match="store unavailable"):
        kb.ingest_bytes("duration.md", BONDS.encode())
    assert _counts(engine) == (0, 0)
    assert kb.search("duration", 3, mode="keyword") == []


def test_an_embedding_failure_writes_nothing(engine: Engine) -> None:
    kb = KnowledgeBase(engine, _FailingEmbedder(), FlatStore(engine))
    with pytest.raises(EmbeddingError):
        kb.ingest_bytes("duration.md", BONDS.encode())
    assert _counts(engine) == (0, 0)


@pytest.mark.parametrize(
    ("query", "k", "field"),
    [("   ", 5, "q"), ("x" * 501, 5, "q"), ("bonds", 0, "k"), ("bonds", 51, "k")],
)
def test_bad_searches_name_the_field(kb: KnowledgeBase, query: str, k: int, field: str) -> None:
    with pytest.raises(ValidationFailedError) as caught:
        kb.search(query, k)
    assert caught.value.field == field


def test_full_text_operators_in_a_query_are_just_words(kb: KnowledgeBase) -> None:
    kb.ingest_bytes("duration.md", BONDS.encode())
    for query in ['"unbalanced', "bond AND (", "NEAR(bond", "duration:*", "a | b & !c"]:
        kb.search(query, 3, mode="keyword")  # no syntax error from FTS5 or to_tsquery


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.docx", b"whatever", "unsupported file type"),
        ("bad.md", b"---\ndate: yesterday\n---\n# T\n\nSome words to read here.", "bad metadata"),
        (
            "bad.md",
            b"---\nsymbols: [not a ticker]\n---\n# T\n\nSome words here to read.",
            "not ticker",
        ),
        ("bad.md", b"---\nauthor: me\n---\n# T\n\nSome words here to read.", "bad metadata"),
        ("bad.md", b"---\n[unclosed\n---\n# T\n\nSome words here to read.", "not YAML"),
        ("empty.txt", b"   \n ", "no readable text"),
        ("latin1.txt", "caf\xe9 prices are up today".encode("latin-1"), "not UTF-8"),
        ("broken.pdf", b"%PDF-1.4 not really", "not a readable PDF"),
    ],
)
def test_bad_files_are_refused_with_a_reason_and_change_nothing(
    kb: KnowledgeBase, engine: Engine, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationFailedError, match=message) as caught:
        kb.ingest_bytes(name, data)
    assert caught.value.field == "file"
    assert _counts(engine) == (0, 0)


def test_flat_store_top_k_is_exact(engine: Engine) -> None:
    kb = KnowledgeBase(
        engine, make_embedder(Settings(embedding_model="wordllama")), FlatStore(engine)
    )
    for n in range(12):
        kb.ingest_text(
            f"Note {n}",
            f"# Note {n}\n\nBody {n} about topic {n % 3}.",
            source=str(n),
            origin="operator",
        )
    store = kb.store
    rng = np.random.default_rng(1)
    query = rng.normal(size=kb.embedder.dim).astype(np.float32)
    query /= np.linalg.norm(query)
    with Session(engine) as session:
        rows = session.execute(select(KnowledgeChunk.id, KnowledgeChunk.embedding)).all()
    exact = sorted(
        ((float(np.frombuffer(blob, np.float32) @ query), cid) for cid, blob in rows), reverse=True
    )[:5]
    hits = store.query(query, 5, model=kb.embedder.name)
    assert [h.chunk_id for h in hits] == [cid for _, cid in exact]
    assert all(isinstance(h, VectorHit) for h in hits)
    assert (
        store.query(query, 5, model=kb.embedder.name, where=VectorFilter(frozenset({"NONE"}))) == []
    )
