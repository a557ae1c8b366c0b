"""security: audit hash chain, MFA, password resets, separation of duties

Adds ``audit.prev_hash`` / ``audit.row_hash`` (and hashes the rows already there), the
TOTP secret and recovery codes of a login, who created a login and whether it still waits
for a second admin, the clinic's MFA setting, and one-time password-reset tokens.

Revision ID: 0004_security
Revises: 0003_pain_history_index
Create Date: 2026-12-07
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_security"
down_revision = "0003_pain_history_index"
branch_labels = None
depends_on = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_FIELDS = ("user_id", "role", "action", "record_type", "record_id", "patient_id", "outcome")


def _text(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def _row_hash(prev_hash: str, row: sa.Row[tuple[object, ...]]) -> str:
    """Frozen copy of runnersknee.store.audit_chain.row_hash."""
    values = row._mapping
    parts = [prev_hash, str(values["id"]), _text(values["at"])]
    parts += [_text(values[name]) for name in _FIELDS]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _hash_existing_rows() -> None:
    audit = sa.table(
        "audit",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        *(sa.column(name) for name in _FIELDS),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    bind = op.get_bind()
    previous = "0" * 64
    rows = bind.execute(sa.select(audit).order_by(audit.c.id)).fetchall()
    for row in rows:
        current = _row_hash(previous, row)
        bind.execute(
            audit.update()
            .where(audit.c.id == row._mapping["id"])
            .values(prev_hash=previous, row_hash=current)
        )
        previous = current


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.String(length=64), nullable=True))
    _hash_existing_rows()
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("recovery_codes", JSON_TYPE, nullable=True))
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mfa_required", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "password_reset",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_password_reset_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset")),
    )


def downgrade() -> None:
    op.drop_table("password_reset")
    with op.batch_alter_table("clinic", schema=None) as batch_op:
        batch_op.drop_column("mfa_required")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        for name in ("recovery_codes", "totp_secret", "pending", "created_by"):
            batch_op.drop_column(name)
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
