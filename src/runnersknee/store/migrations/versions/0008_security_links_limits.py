"""security: access links (invites and resets) with their own expiry; shared rate-limit hits

``password_reset`` gains ``purpose`` (``reset`` or ``invite``) and ``expires_at`` (an invite
lasts longer than a reset). ``rate_limit_hit`` holds one row per counted attempt (the key is
a SHA-256, never an email or address), so every server process sharing the database sees
the same sliding windows.

Revision ID: 0008_security
Revises: 0007_jobs
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_security"
down_revision = "0007_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("password_reset") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=10), nullable=False, server_default="reset")
        )
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "rate_limit_hit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rate_limit_hit_bucket_at", "rate_limit_hit", ["bucket", "at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_hit_bucket_at", table_name="rate_limit_hit")
    op.drop_table("rate_limit_hit")
    with op.batch_alter_table("password_reset") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("purpose")
