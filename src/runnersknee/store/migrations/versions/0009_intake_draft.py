"""the patient's step-by-step intake: one saved draft of unsent answers per episode

Revision ID: 0009_intake_draft
Revises: 0007_jobs
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_intake_draft"
down_revision = "0008_security"
branch_labels = None
depends_on = None

#: JSON on SQLite, JSONB on PostgreSQL (frozen here: migrations never import app code).
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "intake_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("answers", JSON_TYPE, nullable=False),
        sa.Column("step", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episode.id"], name=op.f("fk_intake_draft_episode_id_episode")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_draft")),
        sa.UniqueConstraint("episode_id", name=op.f("uq_intake_draft_episode_id")),
    )


def downgrade() -> None:
    op.drop_table("intake_draft")
