"""PgVectorStore against a real PostgreSQL with pgvector (a throwaway `pgserver` instance).

The tables here are small, so left to itself the planner answers queries exactly (a sequential
scan, or the symbols GIN index, then a sort) and the HNSW index would go untested; the test
engine turns both of those plans off, so what is tested is the index: approximate, and
filtered after the fact."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DataError

from alex.knowledge.base import VectorFilter, VectorHit, VectorItem, Vectors
from alex.knowledge.stores.pgvector import TABLE, PgVectorStore

pytestmark = pytest.mark.postgres

DIM = 64
MODEL = "test-model"
# GIN indexes are only read through bitmap scans, so this leaves the HNSW index as the plan.
FORCE_HNSW = "-c enable_seqscan=off -c enable_bitmapscan=off"


@pytest.fixture
def engine(pgvector_url: str) -> Iterator[Engine]:
    engine = create_engine(pgvector_url, connect_args={"options": FORCE_HNSW})
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> PgVectorStore:
    return PgVectorStore(engine, DIM)


def unit_vectors(n: int, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def items(vectors: Vectors, start: int = 0) -> list[VectorItem]:
    return [
        VectorItem(chunk_id=start + i, document_id=f"doc-{(start + i) // 10}", vector=v)
        for i, v in enumerate(vectors)
    ]


def brute_force(vectors: Vectors, ids: list[int], query: Vectors, k: int) -> list[VectorHit]:
    sims = vectors @ query
    order = np.argsort(-sims)[:k]
    return [VectorHit(chunk_id=ids[i], score=float(sims[i])) for i in order]


def test_query_agrees_with_brute_force(store: PgVectorStore) -> None:
    vectors = unit_vectors(500)
    store.upsert(items(vectors), model=MODEL)
    ids = list(range(500))

    recalls = []
    for query in unit_vectors(20, seed=1):
        hits = store.query(query, 10, model=MODEL)
        expected = brute_force(vectors, ids, query, 10)
        assert len(hits) == 10
        scores = [hit.score for hit in hits]
        assert scores == sorted(scores, reverse=True)
        # Whatever the index returns, its score is the true cosine similarity.
        for hit in hits:
            assert hit.score == pytest.approx(float(vectors[hit.chunk_id] @ query), abs=1e-5)
        recalls.append(len({h.chunk_id for h in hits} & {h.chunk_id for h in expected}) / 10)
    assert np.mean(recalls) >= 0.9

    top = store.query(vectors[123], 1, model=MODEL)
    assert top[0].chunk_id == 123
    assert top[0].score == pytest.approx(1.0, abs=1e-5)


def test_queries_use_the_hnsw_index(store: PgVectorStore, engine: Engine) -> None:
    store.upsert(items(unit_vectors(50)), model=MODEL)
    literal = "[" + ",".join(["0.125"] * DIM) + "]"
    with engine.connect() as conn:
        plan = "\n".join(
            conn.execute(
                text(
                    f"EXPLAIN SELECT chunk_id FROM {TABLE} WHERE model = :model "
                    "AND symbols && ARRAY['AAPL'] ORDER BY embedding <=> CAST(:q AS vector) "
                    "LIMIT 10"
                ),
                {"model": MODEL, "q": literal},
            ).scalars()
        )
    assert f"ix_{TABLE}_embedding_hnsw" in plan


def test_symbol_filter_returns_only_matches_and_still_fills_k(store: PgVectorStore) -> None:
    vectors = unit_vectors(500)
    # 5% of passages mention AAPL (far fewer than the 40 candidates HNSW looks at by
    # default, so a plain post-filter would come back short); a few mention both.
    aapl = set(range(0, 500, 20))
    msft = set(range(5, 500, 25)) | {20, 40}

    def symbols(i: int) -> tuple[str, ...]:
        return tuple(s for s, ids in (("AAPL", aapl), ("MSFT", msft)) if i in ids)

    store.upsert(
        [
            VectorItem(chunk_id=i, document_id="d", vector=v, symbols=symbols(i))
            for i, v in enumerate(vectors)
        ],
        model=MODEL,
    )
    query = unit_vectors(1, seed=7)[0]

    hits = store.query(query, 10, model=MODEL, where=VectorFilter(frozenset({"AAPL"})))
    assert len(hits) == 10
    assert {h.chunk_id for h in hits} <= aapl
    subset = sorted(aapl)
    expected = brute_force(vectors[subset], subset, query, 10)
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in expected]

    # Any of the symbols: the union, still ordered by similarity.
    both = store.query(query, 50, model=MODEL, where=VectorFilter(frozenset({"AAPL", "MSFT"})))
    assert {h.chunk_id for h in both} == aapl | msft
    assert [h.score for h in both] == sorted((h.score for h in both), reverse=True)

    assert store.query(query, 10, model=MODEL, where=VectorFilter(frozenset({"TSLA"}))) == []
    # An empty filter is no filter.
    assert len(store.query(query, 10, model=MODEL, where=VectorFilter())) == 10


def test_models_are_isolated(store: PgVectorStore) -> None:
    a, b = unit_vectors(50, seed=1), unit_vectors(50, seed=2)
    store.upsert(items(a, start=0), model="model-a")
    store.upsert(items(b, start=1000), model="model-b")

    # Even a query equal to one of A's vectors finds only B's.
    hits = store.query(a[0], 100, model="model-b")
    assert len(hits) == 50
    assert all(h.chunk_id >= 1000 for h in hits)
    assert store.query(a[0], 10, model="model-c") == []
    assert store.count(model="model-a") == 50
    assert store.count(model="model-b") == 50


def test_delete(store: PgVectorStore) -> None:
    vectors = unit_vectors(30)
    store.upsert(items(vectors), model=MODEL)

    store.delete([3, 4, 5, 999])  # an unknown id is not an error
    store.delete([])

    assert store.count(model=MODEL) == 27
    hits = store.query(vectors[3], 30, model=MODEL)
    assert {3, 4, 5}.isdisjoint(h.chunk_id for h in hits)
    assert len(hits) == 27


def test_upsert_again_updates_rather_than_duplicates(store: PgVectorStore, engine: Engine) -> None:
    old, new = unit_vectors(2, seed=3)
    store.upsert(
        [VectorItem(7, "doc-old", old, symbols=("AAPL",), published=date(2024, 1, 2))],
        model=MODEL,
    )
    store.upsert(
        [VectorItem(7, "doc-new", new, symbols=("MSFT",), published=date(2025, 3, 4))],
        model=MODEL,
    )

    assert store.count(model=MODEL) == 1
    [hit] = store.query(new, 5, model=MODEL)
    assert hit.chunk_id == 7
    assert hit.score == pytest.approx(1.0, abs=1e-5)
    assert store.query(new, 5, model=MODEL, where=VectorFilter(frozenset({"AAPL"}))) == []
    with engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT document_id, symbols, published FROM {TABLE} WHERE chunk_id = 7")
        ).one()
    assert tuple(row) == ("doc-new", ["MSFT"], date(2025, 3, 4))


def test_upsert_is_one_transaction(store: PgVectorStore) -> None:
    good = unit_vectors(3)
    bad = np.ones(DIM + 1, dtype=np.float32)
    with pytest.raises(DataError, match="expected 64 dimensions"):
        store.upsert([*items(good), VectorItem(99, "d", bad)], model=MODEL)
    assert store.count(model=MODEL) == 0


def test_count(store: PgVectorStore) -> None:
    assert store.count(model=MODEL) == 0
    store.upsert(items(unit_vectors(12)), model=MODEL)
    store.upsert(items(unit_vectors(5), start=100), model="other")
    assert store.count(model=MODEL) == 12


def test_ensure_schema_is_idempotent(store: PgVectorStore, engine: Engine) -> None:
    store.ensure_schema()
    vectors = unit_vectors(5)
    store.upsert(items(vectors), model=MODEL)
    store.ensure_schema()
    # A second store on the same table (another process, say) finds it ready and keeps the data.
    again = PgVectorStore(engine, DIM)
    again.ensure_schema()
    assert again.count(model=MODEL) == 5
    assert again.query(vectors[2], 1, model=MODEL)[0].chunk_id == 2
    with engine.connect() as conn:
        indexes = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = :t"), {"t": TABLE}
            ).scalars()
        )
    assert indexes == {
        f"{TABLE}_pkey",
        f"ix_{TABLE}_symbols",
        f"ix_{TABLE}_embedding_hnsw",
    }


def test_a_table_of_another_dimension_is_refused(store: PgVectorStore, engine: Engine) -> None:
    store.ensure_schema()
    with pytest.raises(RuntimeError, match=rf"vector\({DIM}\).*{DIM + 1} dimensions"):
        PgVectorStore(engine, DIM + 1).ensure_schema()


def test_search_settings_do_not_leak_into_the_pool(pgvector_url: str) -> None:
    engine = create_engine(pgvector_url, pool_size=1, max_overflow=0)
    try:
        store = PgVectorStore(engine, DIM)
        store.upsert(items(unit_vectors(3)), model=MODEL)
        store.query(unit_vectors(1)[0], 100, model=MODEL)
        with engine.connect() as conn:
            assert conn.execute(text("SHOW hnsw.ef_search")).scalar_one() == "40"
            assert conn.execute(text("SHOW hnsw.iterative_scan")).scalar_one() == "off"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        engine.dispose()


def test_a_server_without_pgvector_is_a_clear_error(postgres_url: str) -> None:
    # `postgres_url` (tests/conftest.py) is a throwaway database on the plain PostgreSQL at
    # 127.0.0.1:5432, which has no pgvector.
    engine = create_engine(postgres_url)
    try:
        store = PgVectorStore(engine, DIM)
        with pytest.raises(RuntimeError, match="the database has no pgvector extension: "):
            store.ensure_schema()
        with pytest.raises(RuntimeError, match="no pgvector extension"):
            store.query(unit_vectors(1)[0], 3, model=MODEL)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT to_regclass(:t)"), {"t": TABLE}).scalar() is None
    finally:
        engine.dispose()
