"""Knowledge base speed: vector stores, hybrid search, embedders.

    uv run python benchmarks/knowledge.py                          # 1k, 10k, 100k chunks
    uv run python benchmarks/knowledge.py --sizes 1000 10000 --skip-pgvector

For each size, N synthetic passages (dim 384, seeded, clustered like real topics; each
mentions one or two symbols from a set of 20) are written to a migrated SQLite database and,
unless skipped, a throwaway pgserver PostgreSQL with pgvector. Then, over the same queries
(a stored vector plus noise, so each has real neighbours), k=10:

- NumPy: `matrix @ q` + argpartition over the in-memory matrix, the baseline of the run;
- flat: `FlatStore.query` (what the embedded store adds: its version check, the symbol index);
- pgvector: `PgVectorStore.query` through its HNSW index, with recall@10 against exact;
- hybrid: `KnowledgeBase.search` (FTS5 keywords + vectors + fusion + loading the passages)
  on SQLite with the flat store, the query vector precomputed (query embedding excluded).

Each unfiltered and with a one-symbol filter, p50/p99 and the p50 as a multiple of NumPy's.
Write throughput is the store's `upsert` alone (rows already there). Last, each bundled
embedder: query embedding p50/p99, and `KnowledgeBase.ingest_text` of generated documents
(~5 passages each) end to end, in passages per second. Goal: flat p99 < 20 ms at 100k
(excluding query embedding); exits 1 if missed."""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, create_engine, insert
from sqlalchemy.engine import make_url

from alex.core.config import Settings
from alex.db.migrate import upgrade
from alex.db.models import KnowledgeChunk, KnowledgeDocument
from alex.db.session import make_engine
from alex.knowledge.base import VectorFilter, VectorItem, Vectors
from alex.knowledge.factory import make_embedder
from alex.knowledge.service import KnowledgeBase
from alex.knowledge.stores.flat import FlatStore

DIM = 384
K = 10
MODEL = "bench-synthetic-384"
SYMBOLS = [f"SYM{i:02d}" for i in range(20)]
CHUNKS_PER_DOC = 5
GOAL_P99_MS = 20.0
PG_INCREMENTAL_ROWS = 2000
# Passages draw words from a Zipf-like vocabulary (a few common finance words, a long tail of
# rarer ones), so a keyword query matches a fraction of them, as in real text.
TOPIC_WORDS = [
    *[
        "bond",
        "duration",
        "interest",
        "rate",
        "inflation",
        "equity",
        "index",
        "fund",
        "expense",
        "ratio",
        "rebalance",
    ],
    *[
        "allocation",
        "retirement",
        "withdrawal",
        "roth",
        "traditional",
        "conversion",
        "tax",
        "loss",
        "harvest",
    ],
    *[
        "dividend",
        "yield",
        "treasury",
        "cash",
        "emergency",
        "reit",
        "emerging",
        "market",
        "international",
        "glide",
    ],
    *[
        "sequence",
        "risk",
        "volatility",
        "correlation",
        "diversification",
        "concentration",
        "annuity",
    ],
]
VOCABULARY = np.asarray(TOPIC_WORDS + [f"term{i}" for i in range(5000)])
_WEIGHTS = 1.0 / np.arange(1, len(VOCABULARY) + 1) ** 1.05
_WEIGHTS /= _WEIGHTS.sum()


def words(rng: np.random.Generator, count: int) -> str:
    return " ".join(VOCABULARY[rng.choice(len(VOCABULARY), size=count, p=_WEIGHTS)])


@dataclass
class Row:
    size: int
    engine: str
    write_per_s: float | None = None
    latencies: dict[str, list[float]] = field(default_factory=dict)  # "all"/"symbol" → ms
    recall: float | None = None
    note: str = ""


@dataclass
class Corpus:
    vectors: Vectors
    symbols: list[tuple[str, ...]]
    bodies: list[str]
    queries: Vectors
    query_symbols: list[str]
    query_texts: list[str]


def make_corpus(n: int, queries: int, seed: int) -> Corpus:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(16, n // 400), DIM)).astype(np.float32)
    topic = rng.integers(0, len(centres), size=n)
    vectors = centres[topic] + 0.6 * rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first = rng.integers(0, len(SYMBOLS), size=n)
    second = rng.integers(0, len(SYMBOLS), size=n)
    symbols = [
        tuple(sorted({SYMBOLS[a], SYMBOLS[b]})) if i % 3 == 0 else (SYMBOLS[a],)
        for i, (a, b) in enumerate(zip(first, second, strict=True))
    ]
    bodies = [words(rng, 60) for _ in range(n)]
    picks = rng.integers(0, n, size=queries)
    noisy = vectors[picks] + 0.05 * rng.normal(size=(queries, DIM)).astype(np.float32)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    query_texts = [f"{words(rng, 5)} q{i}" for i in range(queries)]
    query_symbols = [symbols[p][0] for p in picks]
    return Corpus(vectors, symbols, bodies, noisy.astype(np.float32), query_symbols, query_texts)


# --- timing ---


def timed(call: Callable[..., object], arguments: Iterable[Any]) -> list[float]:
    """Milliseconds per `call(*args)` (or `call(arg)` for an argument that is no tuple)."""
    out = []
    for args in arguments:
        args = args if isinstance(args, tuple) else (args,)
        start = time.perf_counter()
        call(*args)
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


# --- the NumPy baseline ---


def numpy_top(matrix: Vectors, q: Vectors, k: int) -> np.ndarray:
    scores = matrix @ q
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top])]


def numpy_rows(corpus: Corpus) -> tuple[Row, list[set[int]]]:
    """Unfiltered and filtered (rows with the symbol, looked up from a prebuilt index)."""
    matrix = corpus.vectors
    by_symbol: dict[str, np.ndarray] = {}
    for symbol in SYMBOLS:
        by_symbol[symbol] = np.asarray(
            [i for i, s in enumerate(corpus.symbols) if symbol in s], dtype=np.int64
        )
    row = Row(len(matrix), "numpy")
    row.latencies["all"] = timed(lambda q: numpy_top(matrix, q, K), corpus.queries)

    def filtered(q: Vectors, symbol: str) -> np.ndarray:
        rows = by_symbol[symbol]
        return rows[numpy_top(matrix[rows], q, K)]

    row.latencies["symbol"] = timed(
        filtered, zip(corpus.queries, corpus.query_symbols, strict=True)
    )
    # Exact answers, as chunk ids (row i is chunk id i + 1 in every store).
    exact = [{int(i) + 1 for i in numpy_top(matrix, q, K)} for q in corpus.queries]
    return row, exact


# --- SQLite: rows, the flat store, hybrid search ---


def fill_sqlite(engine: Engine, corpus: Corpus) -> None:
    """Documents and chunks in bulk (chunk ids 1..N); the FTS5 triggers index the bodies."""
    n = len(corpus.vectors)
    docs: list[dict[str, object]] = []
    chunks: list[dict[str, object]] = []
    for start in range(0, n, CHUNKS_PER_DOC):
        doc_id = uuid.UUID(int=start + 1)
        members = range(start, min(n, start + CHUNKS_PER_DOC))
        docs.append(
            {
                "id": doc_id,
                "content_hash": hashlib.sha256(str(start).encode()).hexdigest(),
                "title": f"Synthetic note {start // CHUNKS_PER_DOC}",
                "source": "benchmark",
                "citations": [],
                "symbols": [],
                "origin": "operator",
                "media_type": "text/markdown",
                "chunk_count": len(members),
            }
        )
        chunks.extend(
            {
                "id": i + 1,
                "document_id": doc_id,
                "ordinal": i - start,
                "heading": "",
                "body": corpus.bodies[i],
                "symbols": list(corpus.symbols[i]),
            }
            for i in members
        )
    with engine.begin() as conn:
        for part in range(0, len(docs), 5000):
            conn.execute(insert(KnowledgeDocument), docs[part : part + 5000])
        for part in range(0, len(chunks), 5000):
            conn.execute(insert(KnowledgeChunk), chunks[part : part + 5000])


def items(corpus: Corpus) -> list[VectorItem]:
    return [
        VectorItem(
            chunk_id=i + 1,
            document_id=str(uuid.UUID(int=(i // CHUNKS_PER_DOC) * CHUNKS_PER_DOC + 1)),
            vector=v,
            symbols=corpus.symbols[i],
        )
        for i, v in enumerate(corpus.vectors)
    ]


def write_all(upsert: Callable[[list[VectorItem]], None], all_items: list[VectorItem]) -> float:
    start = time.perf_counter()
    for part in range(0, len(all_items), 2000):
        upsert(all_items[part : part + 2000])
    return len(all_items) / (time.perf_counter() - start)


class PrecomputedQueries:
    """An embedder that already knows each benchmark query's vector: `KnowledgeBase.search`
    runs whole, without the time a real model spends embedding the query."""

    name = MODEL
    dim = DIM

    def __init__(self, vectors: dict[str, Vectors]) -> None:
        self._vectors = vectors

    def embed_passages(self, texts: list[str]) -> Vectors:
        raise NotImplementedError

    def embed_query(self, text: str) -> Vectors:
        return self._vectors[text]


def sqlite_rows(corpus: Corpus, workdir: Path) -> list[Row]:
    n = len(corpus.vectors)
    url = f"sqlite:///{workdir / f'knowledge-{n}.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        fill_sqlite(engine, corpus)
        store = FlatStore(engine)
        flat = Row(n, "flat")
        flat.write_per_s = write_all(lambda b: store.upsert(b, model=MODEL), items(corpus))
        start = time.perf_counter()
        store.count(model=MODEL)  # loads the matrix
        flat.note = f"load {time.perf_counter() - start:.2f} s"
        flat.latencies["all"] = timed(lambda q: store.query(q, K, model=MODEL), corpus.queries)
        flat.latencies["symbol"] = timed(
            lambda q, s: store.query(q, K, model=MODEL, where=VectorFilter(frozenset({s}))),
            zip(corpus.queries, corpus.query_symbols, strict=True),
        )
        vectors = dict(zip(corpus.query_texts, corpus.queries, strict=True))
        base = KnowledgeBase(engine, PrecomputedQueries(vectors), store)
        hybrid = Row(n, "hybrid (SQLite)")
        hybrid.latencies["all"] = timed(
            lambda t: base.search(t, k=K, distinct_documents=False), corpus.query_texts
        )
        hybrid.latencies["symbol"] = timed(
            lambda t, s: base.search(t, k=K, symbols=[s], distinct_documents=False),
            zip(corpus.query_texts, corpus.query_symbols, strict=True),
        )
        return [flat, hybrid]
    finally:
        engine.dispose()


# --- pgvector ---


@contextmanager
def pgserver_url() -> Iterator[str]:
    data_dir = tempfile.mkdtemp(prefix="alex-bench-pgvector-")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(data_dir, cleanup_mode="stop")
    try:
        yield (
            make_url(server.get_uri())
            .set(drivername="postgresql+psycopg")
            .render_as_string(hide_password=False)
        )
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


def pgvector_row(url: str, corpus: Corpus, exact: list[set[int]]) -> Row:
    from sqlalchemy import text

    from alex.knowledge.stores.pgvector import TABLE, PgVectorStore

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        store = PgVectorStore(engine, DIM)
        store.ensure_schema()
        row = Row(len(corpus.vectors), "pgvector")
        # Upserts into the HNSW index are slow (the graph is updated per row): the store's write
        # rate is measured on the first rows; the rest are loaded without the index, which is
        # then built once, as a bulk load would.
        everything = items(corpus)
        row.write_per_s = write_all(
            lambda b: store.upsert(b, model=MODEL), everything[:PG_INCREMENTAL_ROWS]
        )
        rest = everything[PG_INCREMENTAL_ROWS:]
        if rest:
            with engine.begin() as conn:
                conn.execute(text(f"DROP INDEX ix_{TABLE}_embedding_hnsw"))
            write_all(lambda b: store.upsert(b, model=MODEL), rest)
            start = time.perf_counter()
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
                conn.execute(
                    text(
                        f"CREATE INDEX ix_{TABLE}_embedding_hnsw ON {TABLE} "
                        "USING hnsw (embedding vector_cosine_ops)"
                    )
                )
            row.note = f"HNSW built in {time.perf_counter() - start:.0f} s"
        with engine.begin() as conn:
            conn.execute(text(f"ANALYZE {TABLE}"))
        found: list[set[int]] = []

        def unfiltered(q: Vectors) -> None:
            found.append({hit.chunk_id for hit in store.query(q, K, model=MODEL)})

        row.latencies["all"] = timed(unfiltered, corpus.queries)
        row.latencies["symbol"] = timed(
            lambda q, s: store.query(q, K, model=MODEL, where=VectorFilter(frozenset({s}))),
            zip(corpus.queries, corpus.query_symbols, strict=True),
        )
        row.recall = statistics.fmean(
            len(got & want) / K for got, want in zip(found, exact, strict=True)
        )
        return row
    finally:
        engine.dispose()


# --- embedders ---


@dataclass
class EmbedderRow:
    name: str
    dim: int
    ingest_per_s: float
    query_ms: list[float]


def embedder_rows(passages: int, workdir: Path) -> list[EmbedderRow]:
    rng = np.random.default_rng(7)
    out = []
    for model in ("wordllama", "e5"):
        embedder = make_embedder(Settings(embedding_model=model))
        embedder.embed_query("warm up")
        url = f"sqlite:///{workdir / f'ingest-{model}.db'}"
        upgrade(url)
        engine = make_engine(url)
        base = KnowledgeBase(engine, embedder, FlatStore(engine))
        docs = []
        for d in range(max(1, passages // CHUNKS_PER_DOC)):
            sections = [
                f"## Section {s}\n\n" + words(rng, 120) + "." for s in range(CHUNKS_PER_DOC)
            ]
            docs.append(
                (f"Generated note {d}", f"# Generated note {d}\n\n" + "\n\n".join(sections))
            )
        done = 0
        start = time.perf_counter()
        for title, markdown in docs:
            done += base.ingest_text(
                title, markdown, source=f"{title}.md", origin="operator"
            ).chunks
        rate = done / (time.perf_counter() - start)
        queries = [words(rng, 8) for _ in range(100)]
        query_ms = timed(embedder.embed_query, queries)
        engine.dispose()
        out.append(EmbedderRow(embedder.name, embedder.dim, rate, query_ms))
    return out


# --- the table ---


def render(rows: list[Row], embedders: list[EmbedderRow]) -> str:
    lines = [
        f"Vector search, k={K}, dim {DIM}, query embedding excluded "
        "(ms; × = p50 as a multiple of NumPy's in this run; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end)",
        "",
        "| chunks | engine | writes/s | p50 | p99 | × | symbol p50 | symbol p99 | × | "
        "recall@10 | note |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    baselines = {
        (r.size, key): pct(r.latencies[key], 50)
        for r in rows
        if r.engine == "numpy"
        for key in ("all", "symbol")
    }
    for r in rows:
        cells = [f"{r.size:,}", r.engine, f"{r.write_per_s:,.0f}" if r.write_per_s else "—"]
        for key in ("all", "symbol"):
            values = r.latencies[key]
            p50 = pct(values, 50)
            cells += [
                f"{p50:.2f}",
                f"{pct(values, 99):.2f}",
                f"{p50 / baselines[(r.size, key)]:.1f}",
            ]
        cells += [f"{r.recall:.3f}" if r.recall is not None else "—", r.note]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Bundled embedders: `KnowledgeBase.ingest_text` end to end, and query embedding",
        "",
        "| embedder | dim | ingest passages/s | query p50 ms | query p99 ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for e in embedders:
        lines.append(
            f"| {e.name} | {e.dim} | {e.ingest_per_s:,.1f} | {pct(e.query_ms, 50):.2f} | "
            f"{pct(e.query_ms, 99):.2f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--ingest-passages", type=int, default=200)
    parser.add_argument("--skip-pgvector", action="store_true")
    parser.add_argument("--skip-embedders", action="store_true")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the migrations' and each ingest's log lines

    rows: list[Row] = []
    workdir = Path(tempfile.mkdtemp(prefix="alex-bench-knowledge-"))
    try:
        with pgserver_url() if not args.skip_pgvector else _nothing() as pg_url:
            for n in args.sizes:
                print(f"{n:,} chunks …", file=sys.stderr, flush=True)
                corpus = make_corpus(n, args.queries, args.seed)
                baseline, exact = numpy_rows(corpus)
                rows.append(baseline)
                rows.extend(sqlite_rows(corpus, workdir))
                if pg_url is not None:
                    rows.append(pgvector_row(pg_url, corpus, exact))
        embedders = [] if args.skip_embedders else embedder_rows(args.ingest_passages, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(render(rows, embedders))
    largest = max(args.sizes)
    flat = next(r for r in rows if r.engine == "flat" and r.size == largest)
    worst = max(pct(flat.latencies[key], 99) for key in ("all", "symbol"))
    if largest >= 100_000 and worst >= GOAL_P99_MS:
        print(f"\nmissed: flat p99 {worst:.1f} ms at {largest:,} chunks (goal < {GOAL_P99_MS} ms)")
        return 1
    return 0


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    sys.exit(main())
