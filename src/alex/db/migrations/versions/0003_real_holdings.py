"""real holdings: instrument origin, per-user overlays, price history

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Before this revision a user's classification was written to the shared instrument row, so it
changed every holder's numbers, and nothing recorded who wrote it. Upgrading clears every
classification of a symbol no shared source knows (by a user or by the tagger) from the shared
row; when exactly one user holds the symbol it must have been theirs (or the tagger's for
them), so it becomes their overlay. With several holders it may be another holder's (the
reclassify-as-cash attack), so it is dropped: the tagger or each user classifies it again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import alex.db.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
_ALLOCATIONS = ("allocation_asset_class", "allocation_regions", "allocation_sectors")


def upgrade() -> None:
    with op.batch_alter_table("instruments") as batch:
        batch.add_column(
            sa.Column("origin", sa.String(length=12), nullable=False, server_default="user")
        )
        batch.add_column(sa.Column("classification_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("classified_as_of", sa.Date(), nullable=True))
        batch.add_column(sa.Column("price_source", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("price_error", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("price_checked_at", alex.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index("ix_instruments_origin", "instruments", ["origin"], unique=False)
    # Autocomplete matches names anywhere in 33k rows. On PostgreSQL a trigram index answers
    # that ILIKE in under a millisecond instead of scanning every name (pg_trgm is a trusted
    # extension shipped with PostgreSQL and offered by RDS/Aurora). SQLite gets a plain index.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_instruments_name_search",
        "instruments",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_table(
        "user_instruments",
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("instrument_type", sa.String(length=20), nullable=True),
        sa.Column("allocation_asset_class", JSON_TYPE, nullable=True),
        sa.Column("allocation_regions", JSON_TYPE, nullable=True),
        sa.Column("allocation_sectors", JSON_TYPE, nullable=True),
        sa.Column("classification_source", sa.String(length=10), nullable=True),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["symbol"],
            ["instruments.symbol"],
            name=op.f("fk_user_instruments_symbol_instruments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_instruments_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "symbol", name=op.f("pk_user_instruments")),
    )
    op.create_index(
        op.f("ix_user_instruments_symbol"), "user_instruments", ["symbol"], unique=False
    )
    op.create_table(
        "prices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("price", alex.db.types.ExactDecimal(precision=20, scale=6), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["symbol"],
            ["instruments.symbol"],
            name=op.f("fk_prices_symbol_instruments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_prices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prices")),
    )
    op.create_index(
        "ix_prices_symbol_user_as_of", "prices", ["symbol", "user_id", "as_of"], unique=False
    )
    op.create_index(op.f("ix_prices_user_id"), "prices", ["user_id"], unique=False)
    op.create_index(
        "uq_prices_symbol_owner_day_source",
        "prices",
        ["symbol", sa.func.coalesce(sa.text("user_id"), ""), "as_of", "source"],
        unique=True,
    )
    _move_private_classifications()
    _record_existing_prices()


def _tables() -> tuple[sa.Table, sa.Table, sa.Table, sa.Table, sa.Table]:
    meta = sa.MetaData()
    instruments = sa.Table(
        "instruments",
        meta,
        sa.Column("symbol", sa.String),
        sa.Column("name", sa.String),
        sa.Column("instrument_type", sa.String),
        *(sa.Column(c, JSON_TYPE) for c in _ALLOCATIONS),
        sa.Column("classification_source", sa.String),
        sa.Column("origin", sa.String),
        sa.Column("current_price", alex.db.types.ExactDecimal(20, 6)),
        sa.Column("price_as_of", sa.Date),
        sa.Column("price_source", sa.String),
    )
    overlays = sa.Table(
        "user_instruments",
        meta,
        sa.Column("user_id", sa.String),
        sa.Column("symbol", sa.String),
        sa.Column("name", sa.String),
        sa.Column("instrument_type", sa.String),
        *(sa.Column(c, JSON_TYPE) for c in _ALLOCATIONS),
        sa.Column("classification_source", sa.String),
        sa.Column("created_at", alex.db.types.UTCDateTime()),
        sa.Column("updated_at", alex.db.types.UTCDateTime()),
    )
    positions = sa.Table(
        "positions", meta, sa.Column("account_id", sa.Uuid), sa.Column("symbol", sa.String)
    )
    accounts = sa.Table("accounts", meta, sa.Column("id", sa.Uuid), sa.Column("user_id", sa.String))
    prices = sa.Table(
        "prices",
        meta,
        sa.Column("symbol", sa.String),
        sa.Column("user_id", sa.String),
        sa.Column("price", alex.db.types.ExactDecimal(20, 6)),
        sa.Column("as_of", sa.Date),
        sa.Column("source", sa.String),
        sa.Column("created_at", alex.db.types.UTCDateTime()),
    )
    return instruments, overlays, positions, accounts, prices


def _move_private_classifications() -> None:
    conn = op.get_bind()
    instruments, overlays, positions, accounts, _ = _tables()
    conn.execute(
        instruments.update()
        .where(instruments.c.classification_source == "seed")
        .values(origin="curated")
    )
    private = conn.execute(
        sa.select(instruments).where(
            instruments.c.origin == "user", instruments.c.classification_source.is_not(None)
        )
    ).all()
    now = alex.db.types.utcnow()
    for row in private:
        holders = (
            conn.execute(
                sa.select(accounts.c.user_id)
                .distinct()
                .join(positions, positions.c.account_id == accounts.c.id)
                .where(positions.c.symbol == row.symbol)
            )
            .scalars()
            .all()
        )
        if len(holders) == 1:
            (user_id,) = holders
            conn.execute(
                overlays.insert().values(
                    user_id=user_id,
                    symbol=row.symbol,
                    name=row.name,
                    instrument_type=row.instrument_type,
                    allocation_asset_class=row.allocation_asset_class,
                    allocation_regions=row.allocation_regions,
                    allocation_sectors=row.allocation_sectors,
                    classification_source=row.classification_source,
                    created_at=now,
                    updated_at=now,
                )
            )
        conn.execute(
            instruments.update()
            .where(instruments.c.symbol == row.symbol)
            .values(
                name=row.symbol,
                instrument_type=None,
                allocation_asset_class=None,
                allocation_regions=None,
                allocation_sectors=None,
                classification_source=None,
            )
        )


def _record_existing_prices() -> None:
    conn = op.get_bind()
    instruments, _, _, _, prices = _tables()
    now = alex.db.types.utcnow()
    priced = conn.execute(
        sa.select(
            instruments.c.symbol, instruments.c.current_price, instruments.c.price_as_of
        ).where(instruments.c.current_price.is_not(None), instruments.c.price_as_of.is_not(None))
    ).all()
    for symbol, price, as_of in priced:
        conn.execute(
            prices.insert().values(
                symbol=symbol,
                user_id=None,
                price=price,
                as_of=as_of,
                source="seed",
                created_at=now,
            )
        )
    conn.execute(
        instruments.update()
        .where(instruments.c.current_price.is_not(None))
        .values(price_source="seed")
    )


def downgrade() -> None:
    op.drop_index("uq_prices_symbol_owner_day_source", table_name="prices")
    op.drop_index(op.f("ix_prices_user_id"), table_name="prices")
    op.drop_index("ix_prices_symbol_user_as_of", table_name="prices")
    op.drop_table("prices")
    op.drop_index(op.f("ix_user_instruments_symbol"), table_name="user_instruments")
    op.drop_table("user_instruments")
    op.drop_index("ix_instruments_origin", table_name="instruments")
    op.drop_index("ix_instruments_name_search", table_name="instruments")
    with op.batch_alter_table("instruments") as batch:
        batch.drop_column("price_checked_at")
        batch.drop_column("price_error")
        batch.drop_column("price_source")
        batch.drop_column("classified_as_of")
        batch.drop_column("classification_note")
        batch.drop_column("origin")
