"""The embedded vector store: vectors kept as float32 bytes in the app's own database (the
`knowledge_chunks.embedding` column) and searched exactly, as one NumPy matrix product over an
in-memory copy.

Chosen over sqlite-vec by measurement (`benchmarks/knowledge.py`): exact search over 100k
passages is a few milliseconds, needs no SQLite extension (this Python's sqlite3 cannot load
one) and works on any database SQLAlchemy speaks. Each process keeps one matrix per model and
reloads it when `knowledge_index_versions` says another process wrote."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from alex.db.models import KnowledgeChunk, KnowledgeDocument, KnowledgeIndexVersion
from alex.knowledge.base import VectorFilter, VectorHit, VectorItem, Vectors


@dataclass(slots=True)
class _Matrix:
    version: str | None
    ids: npt.NDArray[np.int64]  # int64 chunk ids, row order of `vectors`
    vectors: Vectors
    # symbol → rows that mention it (chunk or document symbols).
    by_symbol: dict[str, npt.NDArray[np.intp]]


class FlatStore:
    name = "flat"

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[str, _Matrix] = {}
        self._lock = threading.Lock()

    def upsert(self, items: list[VectorItem], *, model: str) -> None:
        if not items:
            return
        statement = (
            update(KnowledgeChunk)
            .where(KnowledgeChunk.id == bindparam("chunk_id"))
            .values(embedding=bindparam("blob"), embedding_model=model)
        )
        rows = [
            {"chunk_id": item.chunk_id, "blob": np.asarray(item.vector, np.float32).tobytes()}
            for item in items
        ]
        with self._engine.begin() as conn:
            conn.execute(statement.execution_options(synchronize_session=False), rows)
            self._bump(conn, model)

    def delete(self, chunk_ids: list[int]) -> None:
        if not chunk_ids:
            return
        with self._engine.begin() as conn:
            models = conn.scalars(
                select(KnowledgeChunk.embedding_model)
                .where(
                    KnowledgeChunk.id.in_(chunk_ids), KnowledgeChunk.embedding_model.is_not(None)
                )
                .distinct()
            ).all()
            conn.execute(
                update(KnowledgeChunk)
                .where(KnowledgeChunk.id.in_(chunk_ids))
                .values(embedding=None, embedding_model=None)
            )
            for model in models:
                if model is not None:
                    self._bump(conn, model)

    def query(
        self, vector: Vectors, k: int, *, model: str, where: VectorFilter | None = None
    ) -> list[VectorHit]:
        matrix = self._matrix(model)
        if k <= 0 or len(matrix.ids) == 0:
            return []
        rows: npt.NDArray[np.intp] | None = None
        if where is not None and where.symbols:
            parts = [matrix.by_symbol[s] for s in where.symbols if s in matrix.by_symbol]
            if not parts:
                return []
            rows = np.unique(np.concatenate(parts))
        candidates = matrix.vectors if rows is None else matrix.vectors[rows]
        scores = candidates @ np.asarray(vector, dtype=np.float32)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        chosen = top if rows is None else rows[top]
        return [
            VectorHit(int(matrix.ids[row]), float(score))
            for row, score in zip(chosen, scores[top], strict=True)
        ]

    def count(self, *, model: str) -> int:
        return len(self._matrix(model).ids)

    # --- the in-memory copy ---

    def _matrix(self, model: str) -> _Matrix:
        with self._engine.connect() as conn:
            version = conn.scalar(
                select(KnowledgeIndexVersion.version).where(KnowledgeIndexVersion.model == model)
            )
        cached = self._cache.get(model)
        # No token means nothing was ever written (or the tables were emptied): reload.
        if cached is not None and version is not None and cached.version == version:
            return cached
        with self._lock:
            cached = self._cache.get(model)
            if cached is None or version is None or cached.version != version:
                cached = self._load(model, version)
                self._cache[model] = cached
            return cached

    def _load(self, model: str, version: str | None) -> _Matrix:
        query = (
            select(
                KnowledgeChunk.id,
                KnowledgeChunk.embedding,
                KnowledgeChunk.symbols,
                KnowledgeDocument.symbols,
            )
            .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)
            .where(KnowledgeChunk.embedding_model == model)
            .order_by(KnowledgeChunk.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        if rows:
            vectors = np.frombuffer(
                b"".join(bytes(row[1] or b"") for row in rows), dtype=np.float32
            )
            vectors = vectors.reshape(len(rows), -1)
        else:
            vectors = np.zeros((0, 0), dtype=np.float32)
        members: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            for symbol in {*row[2], *row[3]}:
                members.setdefault(symbol, []).append(index)
        by_symbol = {s: np.asarray(r, dtype=np.int64) for s, r in members.items()}
        return _Matrix(version, ids, vectors, by_symbol)

    @staticmethod
    def _bump(conn: Connection, model: str) -> None:
        dialect = conn.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        token = uuid.uuid4().hex
        statement = insert(KnowledgeIndexVersion).values(model=model, version=token)
        statement = statement.on_conflict_do_update(
            index_elements=[KnowledgeIndexVersion.model], set_={"version": token}
        )
        conn.execute(statement)
