"""profile setup: when the user confirmed their own profile figures

Revision ID: 0004_profile_setup
Revises: 0003
Create Date: 2026-12-09

A new user's profile starts from placeholder figures (age 40, 25 years to retirement, …). Until
the user has saved their own, the app must not present those as facts, so it needs to know
whether they have. Users who exist before this revision (the demo user among them) have been
using their figures as theirs, so they count as completed, stamped with their last update.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import alex.db.types

revision: str = "0004_profile_setup"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("profile_completed_at", alex.db.types.UTCDateTime(), nullable=True)
        )
    users = sa.table(
        "users",
        sa.column("profile_completed_at", alex.db.types.UTCDateTime()),
        sa.column("updated_at", alex.db.types.UTCDateTime()),
    )
    # Copying a column of the same type keeps each database's own timestamp format.
    op.execute(users.update().values(profile_completed_at=users.c.updated_at))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("profile_completed_at")
