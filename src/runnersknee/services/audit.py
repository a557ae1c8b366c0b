"""Audit entries: append-only rows of who did what to which record, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.store.tables import AuditRow

__all__ = ["AuditEntry", "entries_for_patient", "record_access"]


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit line as shown to people."""

    at: datetime
    user_id: int | None
    role: str
    action: str
    record_type: str
    record_id: str | None
    outcome: str


def record_access(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    user_id: int | None,
    role: str,
    action: str,
    record_type: str,
    record_id: str | None,
    patient_id: int | None,
    outcome: str = "allowed",
) -> None:
    """Append one audit entry in the caller's transaction."""
    tx.add(
        AuditRow(
            user_id=user_id,
            role=role,
            action=action,
            record_type=record_type,
            record_id=record_id,
            patient_id=patient_id,
            outcome=outcome,
        )
    )


def entries_for_patient(tx: Session, patient_id: int, limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries about one patient (for reviews; not itself patient data)."""
    rows = tx.scalars(
        select(AuditRow)
        .where(AuditRow.patient_id == patient_id)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    return [
        AuditEntry(r.at, r.user_id, r.role, r.action, r.record_type, r.record_id, r.outcome)
        for r in rows
    ]
