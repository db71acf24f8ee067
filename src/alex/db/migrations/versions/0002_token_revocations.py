"""token revocations shared by every server process

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import alex.db.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "token_revocations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("jti", sa.String(length=128), nullable=True),
        sa.Column("user_id", sa.String(length=128), nullable=True),
        sa.Column("issued_before", alex.db.types.UTCDateTime(), nullable=True),
        sa.Column("expires_at", alex.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_at", alex.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", alex.db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(jti IS NOT NULL) OR (user_id IS NOT NULL AND issued_before IS NOT NULL)",
            name=op.f("ck_token_revocations_token_or_user_cutoff"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_revocations")),
    )
    op.create_index(
        op.f("ix_token_revocations_expires_at"), "token_revocations", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_token_revocations_expires_at"), table_name="token_revocations")
    op.drop_table("token_revocations")
