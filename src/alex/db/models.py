"""SQLAlchemy 2.0 models. Alembic owns the schema; these mirror it for the ORM."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from alex.db.types import ExactDecimal, JSONType, UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Tables Alex creates outside the ORM: SQLite's full-text index of passages (FTS5 adds shadow
# tables named after it) and the table the pgvector store keeps when it shares the database.
UNMAPPED_TABLES = ("knowledge_chunks_fts", "knowledge_vectors")


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's filter: the unmapped tables are not the models' business (autogenerate would
    propose dropping them), and PostgreSQL gives the full-text index's expression back in its
    own normal form (casts added), which Alembic compares as text and would always rebuild."""
    if type_ == "table" and reflected and compare_to is None and name:
        return not name.startswith(UNMAPPED_TABLES)
    return not (type_ == "index" and name == "ix_knowledge_chunks_fts")


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    current_age: Mapped[int] = mapped_column(Integer, nullable=False)
    years_until_retirement: Mapped[int] = mapped_column(Integer, nullable=False)
    target_retirement_income: Mapped[Decimal] = mapped_column(ExactDecimal(20, 4), nullable=False)
    annual_contribution: Mapped[Decimal] = mapped_column(ExactDecimal(20, 4), nullable=False)
    asset_class_targets: Mapped[dict[str, float]] = mapped_column(JSONType, nullable=False)
    region_targets: Mapped[dict[str, float]] = mapped_column(JSONType, nullable=False)
    # alex.schemas.RetirementPlan as JSON; null means every default.
    retirement_plan: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Set when the user saves their own figures; until then the ones above are placeholders.
    profile_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    accounts: Mapped[list[Account]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )


class LocalCredential(Timestamped, Base):
    """Built-in sign-in (local auth profile). Clerk users never have a row here."""

    __tablename__ = "local_credentials"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)


class Instrument(Timestamped, Base):
    __tablename__ = "instruments"
    __table_args__ = (
        # Trigram GIN on PostgreSQL (name search anywhere); a plain index on SQLite.
        Index(
            "ix_instruments_name_search",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ),
    )

    symbol: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # None until classified: an unknown symbol's type is not guessed.
    instrument_type: Mapped[str | None] = mapped_column(String(20))
    current_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 6))
    price_as_of: Mapped[date | None]
    allocation_asset_class: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    allocation_regions: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    allocation_sectors: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    classification_source: Mapped[str | None] = mapped_column(String(10))
    expense_ratio: Mapped[Decimal | None] = mapped_column(ExactDecimal(8, 6))
    # Where the row comes from: 'curated' (seed_data), 'sp500' and 'fund_list' (the shipped
    # reference files) are shared with every user; 'user' is a symbol some user typed that no
    # shared source knows, visible only to users who hold it (see `user_instruments`).
    origin: Mapped[str] = mapped_column(
        String(12), nullable=False, default="user", server_default="user", index=True
    )
    classification_note: Mapped[str | None] = mapped_column(Text)
    classified_as_of: Mapped[date | None]
    # The shared price's provenance, and the last refresh's failure (the old price is kept and
    # reported stale; a failed refresh never writes a price).
    price_source: Mapped[str | None] = mapped_column(String(40))
    price_error: Mapped[str | None] = mapped_column(String(500))
    price_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserInstrument(Timestamped, Base):
    """One user's view of an instrument: their own name and classification, laid over the
    shared row for that user only. A user never changes what another user sees."""

    __tablename__ = "user_instruments"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    symbol: Mapped[str] = mapped_column(
        ForeignKey("instruments.symbol", ondelete="CASCADE"), primary_key=True, index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    instrument_type: Mapped[str | None] = mapped_column(String(20))
    allocation_asset_class: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    allocation_regions: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    allocation_sectors: Mapped[dict[str, float] | None] = mapped_column(JSONType)
    classification_source: Mapped[str | None] = mapped_column(String(10))


class Price(Base):
    """Price history. `user_id` NULL is a shared price (seed, a provider); otherwise the price
    is that user's own (typed, or read from their broker export) and applies to them only.
    For a user, an instrument's price is the latest by `as_of` of the shared and their own."""

    __tablename__ = "prices"
    __table_args__ = (
        Index("ix_prices_symbol_user_as_of", "symbol", "user_id", "as_of"),
        # One row per symbol, owner, day and source; NULL (shared) counts as one owner, which a
        # plain unique constraint would not do, so concurrent refreshes cannot duplicate a day.
        Index(
            "uq_prices_symbol_owner_day_source",
            "symbol",
            func.coalesce(text("user_id"), ""),
            "as_of",
            "source",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    symbol: Mapped[str] = mapped_column(
        ForeignKey("instruments.symbol", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    price: Mapped[Decimal] = mapped_column(ExactDecimal(20, 6), nullable=False)
    as_of: Mapped[date] = mapped_column(nullable=False)
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Account(Timestamped, Base):
    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    account_name: Mapped[str] = mapped_column(String(200), nullable=False)
    account_type: Mapped[str] = mapped_column(String(20), nullable=False)
    account_purpose: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cash_balance: Mapped[Decimal] = mapped_column(ExactDecimal(20, 4), nullable=False)
    cash_interest: Mapped[Decimal] = mapped_column(ExactDecimal(8, 4), nullable=False)

    user: Mapped[User] = relationship(back_populates="accounts")
    positions: Mapped[list[Position]] = relationship(
        back_populates="account",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Position.symbol",
    )


class Position(Timestamped, Base):
    __tablename__ = "positions"
    __table_args__ = (
        UniqueConstraint("account_id", "symbol", name="uq_positions_account_symbol"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    symbol: Mapped[str] = mapped_column(
        ForeignKey("instruments.symbol", ondelete="RESTRICT"), nullable=False, index=True
    )
    quantity: Mapped[Decimal] = mapped_column(ExactDecimal(28, 8), nullable=False)
    cost_basis: Mapped[Decimal | None] = mapped_column(ExactDecimal(20, 4))
    as_of_date: Mapped[date] = mapped_column(nullable=False)

    account: Mapped[Account] = relationship(back_populates="positions")


class Job(Timestamped, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_user_created", "user_id", "created_at"),
        Index("ix_jobs_status_lease", "status", "lease_expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    job_type: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="pending")
    request_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # Each section's result is loaded on first access, one column per statement: a job row
    # is then a few hundred bytes, where all four payloads together (~68 KB for the demo)
    # exceed the RDS Data API's 64 KB limit per result row.
    report_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True)
    charts_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True)
    retirement_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True)
    summary_payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, deferred=True)
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class JobEvent(Timestamped, Base):
    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_events_job_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    agent: Mapped[str] = mapped_column(String(20), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    tokens_in: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    tokens_out: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    cost_usd: Mapped[Decimal] = mapped_column(ExactDecimal(14, 6), nullable=False, default=0)


class TokenRevocation(Timestamped, Base):
    """Tokens refused before their expiry, shared by every server process (each polls for rows
    newer than the last it saw). Either one token (`jti`, on sign-out) or every token of a user
    issued up to `issued_before` (the user deleted their data). Rows are purged once no token
    they could refuse is still valid."""

    __tablename__ = "token_revocations"
    __table_args__ = (
        CheckConstraint(
            "(jti IS NOT NULL) OR (user_id IS NOT NULL AND issued_before IS NOT NULL)",
            name="token_or_user_cutoff",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jti: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[str | None] = mapped_column(String(128))
    issued_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)


class RateLimitHit(Base):
    """One hit counted by a rate limit (sign-in attempts, writes), in the database so that every
    server process counts against the same budget (`db/rate_limits.py`, limits' moving window).
    Times are seconds since the epoch; a row is deleted once it has expired."""

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(512), nullable=False)
    at: Mapped[float] = mapped_column(Float, nullable=False)
    expires_at: Mapped[float] = mapped_column(Float, nullable=False, index=True)


class KnowledgeDocument(Timestamped, Base):
    """One source in the knowledge base: a starter note, an operator's upload or a researcher's
    note. `content_hash` (of the normalised text) makes ingesting the same text twice a no-op."""

    __tablename__ = "knowledge_documents"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    content_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    # Where the text came from: a file name, a URL, "researcher".
    source: Mapped[str] = mapped_column(String(500), nullable=False)
    # The references the note itself names (books, papers, pages).
    citations: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    published: Mapped[date | None]
    topic: Mapped[str | None] = mapped_column(String(40))
    symbols: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    # 'starter', 'operator' or 'research'.
    origin: Mapped[str] = mapped_column(String(12), nullable=False)
    media_type: Mapped[str] = mapped_column(String(40), nullable=False)
    chunk_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    chunks: Mapped[list[KnowledgeChunk]] = relationship(
        back_populates="document", cascade="all, delete-orphan", passive_deletes=True
    )


class KnowledgeChunk(Base):
    """A passage of a document: what search returns and a report cites. The flat vector store
    keeps the passage's embedding here (float32 bytes); other stores keep it themselves."""

    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        UniqueConstraint("document_id", "ordinal", name="uq_knowledge_chunks_document_ordinal"),
        # PostgreSQL's keyword search; SQLite's is the FTS5 table the migration creates.
        Index(
            "ix_knowledge_chunks_fts",
            text("to_tsvector('english', heading || ' ' || body)"),
            postgresql_using="gin",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer, nullable=False)
    heading: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False)
    symbols: Mapped[list[str]] = mapped_column(JSONType, nullable=False, default=list)
    embedding_model: Mapped[str | None] = mapped_column(String(200))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    document: Mapped[KnowledgeDocument] = relationship(back_populates="chunks")


class ResearchRun(Timestamped, Base):
    """One run of the researcher: what it looked into, what it did, and the note it filed."""

    __tablename__ = "research_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    topic: Mapped[str] = mapped_column(String(300), nullable=False)
    # Why this topic: "asked" or the reason it was picked (most held, least covered).
    reason: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="running")
    # [{"at": iso, "kind": "tool"|"info"|"error", "message": str, "data": {...}}]
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, nullable=False, default=list)
    document_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("knowledge_documents.id", ondelete="SET NULL")
    )
    model: Mapped[str] = mapped_column(String(200), nullable=False, default="offline")
    error_message: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KnowledgeIndexVersion(Base):
    """Changed by every write to the flat vector store, so each process's in-memory matrix of
    one model's vectors knows, with one primary-key read, when another process changed it. A
    random token rather than a counter: a counter restarts when the table is emptied and could
    meet a stale copy's number again."""

    __tablename__ = "knowledge_index_versions"

    model: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[str] = mapped_column(String(32), nullable=False)
