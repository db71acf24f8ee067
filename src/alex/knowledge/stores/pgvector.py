"""Passage vectors in PostgreSQL with the pgvector extension, searched through an HNSW index.

The store owns one table, `knowledge_vectors`, outside Alembic: its column type depends on the
embedder's dimension, which is configuration, and the table can live in a database other than
the app's (`ALEX_PGVECTOR_URL`). `ensure_schema()` creates the extension, the table and its
indexes if missing; it runs lazily before the store's first read or write, so building a store
never touches the database, and may be called up front to fail fast.

One row per chunk (`chunk_id` is the key), so switching embedders means re-upserting every
chunk under the new model; until then a query for either model sees only the chunks already
in its space."""

from __future__ import annotations

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import (
    Column,
    Date,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    select,
    text,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ProgrammingError

from alex.knowledge.base import VectorFilter, VectorHit, VectorItem, Vectors

TABLE = "knowledge_vectors"
# Serialises concurrent `ensure_schema` calls (an API process and a worker starting together):
# `CREATE EXTENSION IF NOT EXISTS` and `CREATE TABLE` checks are not race-free on their own.
_SCHEMA_LOCK_KEY = 0x616C6578_766563  # "alexvec"
# pgvector's default (40) gave recall@10 of 0.80 at 100k passages (benchmarks/knowledge.py);
# the candidate list is what HNSW searches, so a longer one trades a little time for recall.
_MIN_EF_SEARCH = 100
# pgvector refuses hnsw.ef_search above this.
_MAX_EF_SEARCH = 1000


class PgVectorStore:
    name = "pgvector"

    def __init__(self, engine: Engine, dim: int) -> None:
        if dim < 1:
            raise ValueError(f"vector dimension must be positive, got {dim}")
        self._engine = engine
        self._dim = dim
        self._ready = False
        # Iterative index scans (pgvector ≥ 0.8) keep a filtered query scanning until it has k
        # rows; known once the extension's version has been read.
        self._iterative_scan = False
        metadata = MetaData()
        self._table = Table(
            TABLE,
            metadata,
            Column("chunk_id", Integer, primary_key=True, autoincrement=False),
            Column("document_id", Text, nullable=False),
            Column("model", String(200), nullable=False),
            Column("symbols", ARRAY(Text), nullable=False, server_default="{}"),
            Column("published", Date, nullable=True),
            Column("embedding", Vector(dim), nullable=False),
        )
        c = self._table.c
        Index(f"ix_{TABLE}_symbols", c.symbols, postgresql_using="gin")
        Index(
            f"ix_{TABLE}_embedding_hnsw",
            c.embedding,
            postgresql_using="hnsw",
            postgresql_ops={"embedding": "vector_cosine_ops"},
        )
        self._metadata = metadata

    # --- schema ---

    def ensure_schema(self) -> None:
        """Create the extension, the table and its indexes if missing. Idempotent.

        Raises RuntimeError if the server has no pgvector, or if the table exists with another
        vector dimension (a different embedder's; its vectors would have to be dropped)."""
        with self._engine.begin() as conn:
            conn.execute(select(func.pg_advisory_xact_lock(_SCHEMA_LOCK_KEY)))
            version = self._ensure_extension(conn)
            self._metadata.create_all(conn, checkfirst=True)
            column_type = conn.execute(
                text(
                    "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
                    "WHERE attrelid = to_regclass(:table) AND attname = 'embedding'"
                ),
                {"table": TABLE},
            ).scalar_one()
        if column_type != f"vector({self._dim})":
            raise RuntimeError(
                f"{TABLE}.embedding is {column_type}, but this store's embedder has "
                f"{self._dim} dimensions: the table holds another embedder's vectors "
                f"(drop the table to re-index, or use that embedder)"
            )
        self._iterative_scan = _version_tuple(version) >= (0, 8)
        self._ready = True

    def _ensure_extension(self, conn: Connection) -> str:
        installed = conn.execute(
            text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        ).scalar_one_or_none()
        if installed is not None:
            # Already there: creating it again would need privileges the app may not have.
            return str(installed)
        available = conn.execute(
            text("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'")
        ).scalar_one_or_none()
        if available is None:
            server = conn.execute(text("SHOW server_version")).scalar_one()
            raise RuntimeError(
                "the database has no pgvector extension: 'vector' is not among the "
                f"extensions available on this PostgreSQL {server} server; install pgvector "
                "there (https://github.com/pgvector/pgvector) or use another vector store"
            )
        try:
            # A savepoint, so a refusal leaves the transaction usable for the error path.
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        except ProgrammingError as exc:
            # Typically insufficient_privilege: only a superuser (or the database owner for
            # a trusted extension) may create it.
            raise RuntimeError(
                f"the database has no pgvector extension: CREATE EXTENSION vector failed "
                f"({exc.orig}); ask an administrator to run it once in this database"
            ) from exc
        return str(available)

    def _ensure_ready(self) -> None:
        # Two threads may both get here first; ensure_schema is idempotent and serialised in
        # the database, so the only cost is a redundant round trip.
        if not self._ready:
            self.ensure_schema()

    # --- VectorStore ---

    def upsert(self, items: list[VectorItem], *, model: str) -> None:
        if not items:
            return
        self._ensure_ready()
        rows = [
            {
                "chunk_id": item.chunk_id,
                "document_id": item.document_id,
                "model": model,
                "symbols": list(item.symbols),
                "published": item.published,
                "embedding": np.asarray(item.vector, dtype=np.float32),
            }
            for item in items
        ]
        stmt = pg_insert(self._table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[self._table.c.chunk_id],
            set_={
                name: stmt.excluded[name]
                for name in ("document_id", "model", "symbols", "published", "embedding")
            },
        )
        with self._engine.begin() as conn:
            conn.execute(stmt, rows)

    def delete(self, chunk_ids: list[int]) -> None:
        if not chunk_ids:
            return
        self._ensure_ready()
        stmt = sql_delete(self._table).where(self._table.c.chunk_id.in_(chunk_ids))
        with self._engine.begin() as conn:
            conn.execute(stmt)

    def query(
        self, vector: Vectors, k: int, *, model: str, where: VectorFilter | None = None
    ) -> list[VectorHit]:
        if k < 1:
            return []
        self._ensure_ready()
        c = self._table.c
        # Ordering by the label sends the query vector once; PostgreSQL still resolves it to
        # the `<=>` expression the HNSW index serves.
        distance = c.embedding.cosine_distance(np.asarray(vector, dtype=np.float32)).label(
            "distance"
        )
        stmt = select(c.chunk_id, distance).where(c.model == model).order_by(distance).limit(k)
        if where is not None and where.symbols:
            stmt = stmt.where(c.symbols.overlap(sorted(where.symbols)))
        with self._engine.begin() as conn:
            # HNSW yields ef_search candidates and the WHERE clause filters them afterwards, so
            # with the default (40) a filtered or large-k query can come back short. The
            # settings are transaction-local (set_config's third argument), so a pooled
            # connection goes back unchanged.
            ef_search = min(_MAX_EF_SEARCH, max(_MIN_EF_SEARCH, 2 * k))
            conn.execute(
                text("SELECT set_config('hnsw.ef_search', :ef, true)"), {"ef": str(ef_search)}
            )
            if self._iterative_scan:
                # Keeps scanning past ef_search until k rows pass the filter (up to pgvector's
                # hnsw.max_scan_tuples, 20 000 by default), still returned in distance order.
                conn.execute(text("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)"))
            rows = conn.execute(stmt).all()
        return [VectorHit(chunk_id=row.chunk_id, score=1.0 - float(row.distance)) for row in rows]

    def count(self, *, model: str) -> int:
        self._ensure_ready()
        stmt = select(func.count()).select_from(self._table).where(self._table.c.model == model)
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())
