"""plan-change suggestions: the clinician's decision on each (accepted into a draft version,
or dismissed with a reason), keyed by the suggestion's evidence

Revision ID: 0013_suggestions
Revises: 0012_exercise_media
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_suggestions"
down_revision = "0012_exercise_media"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("evidence", sa.String(length=1000), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("plan_version_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_plan_suggestion_patient_id_patient")
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], ["episode.id"], name=op.f("fk_plan_suggestion_episode_id_episode")
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["plan_version.id"],
            name=op.f("fk_plan_suggestion_plan_version_id_plan_version"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["app_user.id"], name=op.f("fk_plan_suggestion_decided_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_suggestion")),
        sa.UniqueConstraint("patient_id", "key", name=op.f("uq_plan_suggestion_patient_id")),
    )
    with op.batch_alter_table("plan_suggestion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plan_suggestion_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("plan_suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_suggestion_patient_id"))
    op.drop_table("plan_suggestion")
