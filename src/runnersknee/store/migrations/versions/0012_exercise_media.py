"""a clinic's own photo or short video per exercise (shown instead of the drawing)

Revision ID: 0012_exercise_media
Revises: 0011_clinic_record
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_exercise_media"
down_revision = "0011_clinic_record"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exercise_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("alt_text", sa.String(length=300), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinic.id"], name=op.f("fk_exercise_media_clinic_id_clinic")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_exercise_media_created_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exercise_media")),
        sa.UniqueConstraint("clinic_id", "exercise_id", name=op.f("uq_exercise_media_clinic_id")),
    )
    op.create_index(
        op.f("ix_exercise_media_clinic_id"), "exercise_media", ["clinic_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_exercise_media_clinic_id"), table_name="exercise_media")
    op.drop_table("exercise_media")
