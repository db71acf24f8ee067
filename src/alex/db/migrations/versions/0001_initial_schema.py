"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import alex.db.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)


def upgrade() -> None:
    op.create_table(
        "instruments",
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("instrument_type", sa.String(length=20), nullable=True),
        sa.Column(
            "current_price", alex.db.types.ExactDecimal(precision=20, scale=6), nullable=True
        ),
        sa.Column("price_as_of", sa.Date(), nullable=True),
        sa.Column("allocation_asset_class", JSON_TYPE, nullable=True),
        sa.Column("allocation_regions", JSON_TYPE, nullable=True),
        sa.Column("allocation_sectors", JSON_TYPE, nullable=True),
        sa.Column("classification_source", sa.String(length=10), nullable=True),
        sa.Column("expense_ratio", alex.db.types.ExactDecimal(precision=8, scale=6), nullable=True),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("symbol", name=op.f("pk_instruments")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("current_age", sa.Integer(), nullable=False),
        sa.Column("years_until_retirement", sa.Integer(), nullable=False),
        sa.Column(
            "target_retirement_income",
            alex.db.types.ExactDecimal(precision=20, scale=4),
            nullable=False,
        ),
        sa.Column(
            "annual_contribution", alex.db.types.ExactDecimal(precision=20, scale=4), nullable=False
        ),
        sa.Column("asset_class_targets", JSON_TYPE, nullable=False),
        sa.Column("region_targets", JSON_TYPE, nullable=False),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("account_type", sa.String(length=20), nullable=False),
        sa.Column("account_purpose", sa.Text(), nullable=False),
        sa.Column(
            "cash_balance", alex.db.types.ExactDecimal(precision=20, scale=4), nullable=False
        ),
        sa.Column(
            "cash_interest", alex.db.types.ExactDecimal(precision=8, scale=4), nullable=False
        ),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_accounts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_user_id"), ["user_id"], unique=False)

    op.create_table(
        "jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("job_type", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("request_payload", JSON_TYPE, nullable=True),
        sa.Column("report_payload", JSON_TYPE, nullable=True),
        sa.Column("charts_payload", JSON_TYPE, nullable=True),
        sa.Column("retirement_payload", JSON_TYPE, nullable=True),
        sa.Column("summary_payload", JSON_TYPE, nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", alex.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", alex.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", alex.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_lease", ["status", "lease_expires_at"], unique=False)
        batch_op.create_index("ix_jobs_user_created", ["user_id", "created_at"], unique=False)

    op.create_table(
        "local_credentials",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("user_id", sa.String(length=128), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_local_credentials_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_local_credentials")),
        sa.UniqueConstraint("user_id", name=op.f("uq_local_credentials_user_id")),
    )
    op.create_table(
        "job_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("data", JSON_TYPE, nullable=True),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("cost_usd", alex.db.types.ExactDecimal(precision=14, scale=6), nullable=False),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_job_events_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_events")),
        sa.UniqueConstraint("job_id", "seq", name="uq_job_events_job_seq"),
    )
    op.create_table(
        "positions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("symbol", sa.String(length=20), nullable=False),
        sa.Column("quantity", alex.db.types.ExactDecimal(precision=28, scale=8), nullable=False),
        sa.Column("cost_basis", alex.db.types.ExactDecimal(precision=20, scale=4), nullable=True),
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("created_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_positions_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_positions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["symbol"],
            ["instruments.symbol"],
            name=op.f("fk_positions_symbol_instruments"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint("account_id", "symbol", name="uq_positions_account_symbol"),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_positions_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_positions_symbol"), ["symbol"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_positions_symbol"))
        batch_op.drop_index(batch_op.f("ix_positions_account_id"))

    op.drop_table("positions")
    op.drop_table("job_events")
    op.drop_table("local_credentials")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_user_created")
        batch_op.drop_index("ix_jobs_status_lease")

    op.drop_table("jobs")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_user_id"))

    op.drop_table("accounts")
    op.drop_table("users")
    op.drop_table("instruments")
