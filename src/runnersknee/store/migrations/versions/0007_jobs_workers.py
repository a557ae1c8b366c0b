"""job workers: worker id and heartbeat on the job row; Procrastinate's queue on PostgreSQL

Revision ID: 0007_jobs
Revises: 0006_clinical
Create Date: 2026-12-07

On PostgreSQL this also creates the Procrastinate schema (its tables, types and functions,
version pinned in constraints.txt), so ``runnersknee db upgrade`` is the only set-up step.
"""

from __future__ import annotations

from importlib import resources

import sqlalchemy as sa
from alembic import op

revision = "0007_jobs"
down_revision = "0006_clinical"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("worker_id", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        schema = (resources.files("procrastinate.sql") / "schema.sql").read_text("utf-8")
        # The driver connection runs the script as is (no parameter parsing of '%' or ':').
        bind.connection.driver_connection.execute(schema)  # type: ignore[union-attr]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in (
            "procrastinate_events",
            "procrastinate_periodic_defers",
            "procrastinate_jobs",
            "procrastinate_workers",
        ):
            op.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("worker_id")
