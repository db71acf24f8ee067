"""the knowledge base: documents, their passages, keyword search, researcher runs

Revision ID: 0006_knowledge
Revises: 0005_rate_limits
Create Date: 2026-12-03

Keyword search is the database's own: an FTS5 table kept in step by triggers on SQLite, a GIN
index over `to_tsvector('english', …)` on PostgreSQL. Vectors live in the chunk rows for the
flat store; pgvector and S3 Vectors keep their own.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from alex.db.types import JSONType, UTCDateTime

revision: str = "0006_knowledge"
down_revision: str | None = "0005_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed DDL (no values in it): FTS5 is a virtual table SQLAlchemy has no construct for.
_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5("
    "heading, body, content='knowledge_chunks', content_rowid='id', "
    "tokenize='porter unicode61')",
    "CREATE TRIGGER knowledge_chunks_ai AFTER INSERT ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(rowid, heading, body) "
    "VALUES (new.id, new.heading, new.body); END",
    "CREATE TRIGGER knowledge_chunks_ad AFTER DELETE ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, heading, body) "
    "VALUES ('delete', old.id, old.heading, old.body); END",
    "CREATE TRIGGER knowledge_chunks_au AFTER UPDATE OF heading, body ON knowledge_chunks BEGIN "
    "INSERT INTO knowledge_chunks_fts(knowledge_chunks_fts, rowid, heading, body) "
    "VALUES ('delete', old.id, old.heading, old.body); "
    "INSERT INTO knowledge_chunks_fts(rowid, heading, body) "
    "VALUES (new.id, new.heading, new.body); END",
]


def upgrade() -> None:
    op.create_table(
        "knowledge_documents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("citations", JSONType, nullable=False),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=True),
        sa.Column("symbols", JSONType, nullable=False),
        sa.Column("origin", sa.String(length=12), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_documents")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_knowledge_documents_content_hash")),
    )
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("symbols", JSONType, nullable=False),
        sa.Column("embedding_model", sa.String(length=200), nullable=True),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_knowledge_chunks_document_id_knowledge_documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
        sa.UniqueConstraint("document_id", "ordinal", name="uq_knowledge_chunks_document_ordinal"),
    )
    op.create_index(
        op.f("ix_knowledge_chunks_document_id"), "knowledge_chunks", ["document_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_knowledge_chunks_fts",
            "knowledge_chunks",
            [sa.text("to_tsvector('english', heading || ' ' || body)")],
            postgresql_using="gin",
        )
    else:
        for statement in _SQLITE_FTS:
            op.execute(statement)
    op.create_table(
        "knowledge_index_versions",
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("model", name=op.f("pk_knowledge_index_versions")),
    )
    op.create_table(
        "research_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("events", JSONType, nullable=False),
        sa.Column("document_id", sa.Uuid(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["knowledge_documents.id"],
            name=op.f("fk_research_runs_document_id_knowledge_documents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_runs")),
    )


def downgrade() -> None:
    op.drop_table("research_runs")
    op.drop_table("knowledge_index_versions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_knowledge_chunks_fts", table_name="knowledge_chunks")
    else:
        for name in ("knowledge_chunks_au", "knowledge_chunks_ad", "knowledge_chunks_ai"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE knowledge_chunks_fts")
    op.drop_index(op.f("ix_knowledge_chunks_document_id"), table_name="knowledge_chunks")
    op.drop_table("knowledge_chunks")
    op.drop_table("knowledge_documents")
