"""the patient's phone number and next review date; the episode's discharge; an alert's
event day and handling note

Revision ID: 0011_clinic_record
Revises: 0007_jobs
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011_clinic_record"
down_revision = "0010_clinic_timezone"
branch_labels = None
depends_on = None

#: JSON on SQLite, JSONB on PostgreSQL (frozen here: migrations never import app code).
JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("next_review_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_patient_clinic_review", ["clinic_id", "next_review_on"])
    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discharge", JSON_TYPE, nullable=True))
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("occurred_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_column("occurred_on")
        batch_op.drop_column("resolved_note")
    with op.batch_alter_table("episode", schema=None) as batch_op:
        batch_op.drop_column("discharge")
    with op.batch_alter_table("patient", schema=None) as batch_op:
        batch_op.drop_index("ix_patient_clinic_review")
        batch_op.drop_column("next_review_on")
        batch_op.drop_column("phone")
