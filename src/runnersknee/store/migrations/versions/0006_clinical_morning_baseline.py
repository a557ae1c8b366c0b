"""usual morning knee pain before running again (return-to-run baseline)

Next-morning pain after a run is judged against this baseline; a missing baseline is never
read as 0/10 (docs/clinical-basis.md, "Pain monitoring").

Revision ID: 0006_clinical
Revises: 0005_clinic_phone
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_clinical"
down_revision = "0005_clinic_phone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "morning_pain_baseline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("nprs", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patient.id"],
            name=op.f("fk_morning_pain_baseline_patient_id_patient"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_morning_pain_baseline")),
    )
    with op.batch_alter_table("morning_pain_baseline", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_morning_pain_baseline_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("morning_pain_baseline", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_morning_pain_baseline_patient_id"))
    op.drop_table("morning_pain_baseline")
