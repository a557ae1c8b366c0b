"""the clinic's time zone (IANA name): the patient's "today" and every time shown in the portal

Revision ID: 0010_clinic_timezone
Revises: 0007_jobs
Create Date: 2026-12-07

Empty (NULL) means the deployment default (``RUNNERSKNEE_CLINIC_TIME_ZONE``, UTC unless set).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_clinic_timezone"
down_revision = "0009_intake_draft"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
