"""the user's retirement plan: income streams, one-offs, taxes, return model, what-ifs saved

Revision ID: 0007_retirement_plan
Revises: 0006_knowledge
Create Date: 2026-12-03

One JSON column validated by `alex.schemas.RetirementPlan` on every write; null means the
defaults, so existing users need no backfill.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from alex.db.types import JSONType

revision: str = "0007_retirement_plan"
down_revision: str | None = "0006_knowledge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("retirement_plan", JSONType, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("retirement_plan")
