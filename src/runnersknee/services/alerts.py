"""Alerts a clinician should look at: pain flare, no logging for N days, red-flag answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.services.authz import Actor, authorize
from runnersknee.store.tables import AlertRow, PatientRow, utcnow

__all__ = [
    "ALERT_KINDS",
    "AlertView",
    "list_alerts",
    "raise_alert",
    "resolve_alert",
    "scan_inactivity",
]

#: pain_flare: the pain-monitoring model says regress or review; inactive: no log for N days;
#: red_flag: a new red-flag answer at intake.
ALERT_KINDS = ("pain_flare", "inactive", "red_flag")


@dataclass(frozen=True, slots=True)
class AlertView:
    """One alert as listed."""

    id: int
    patient_id: int
    patient_name: str
    kind: str
    message: str
    created_at: datetime
    resolved_at: datetime | None


def raise_alert(tx: Session, patient_id: int, kind: str, key: str, message: str) -> bool:
    """Add an alert unless one with the same key exists; True when a new one was added."""
    exists = tx.scalar(
        select(AlertRow.id).where(AlertRow.patient_id == patient_id, AlertRow.key == key)
    )
    if exists is not None:
        return False
    tx.add(AlertRow(patient_id=patient_id, kind=kind, key=key, message=message[:500]))
    tx.flush()
    return True


def list_alerts(tx: Session, actor: Actor, include_resolved: bool = False) -> list[AlertView]:
    """Alerts of the clinician's clinic, newest first."""
    authorize(tx, actor, "alert.read")
    query = (
        select(AlertRow, PatientRow.display_name)
        .join(PatientRow, PatientRow.id == AlertRow.patient_id)
        .where(PatientRow.clinic_id == actor.clinic_id)
        .order_by(AlertRow.created_at.desc(), AlertRow.id.desc())
        .limit(500)
    )
    if not include_resolved:
        query = query.where(AlertRow.resolved_at.is_(None))
    return [
        AlertView(a.id, a.patient_id, name, a.kind, a.message, a.created_at, a.resolved_at)
        for a, name in tx.execute(query).all()
    ]


def resolve_alert(tx: Session, actor: Actor, alert_id: int) -> None:
    """Mark an alert as handled (audited as a write to that patient's record)."""
    alert = tx.get(AlertRow, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} does not exist", alert_id=alert_id)
    authorize(tx, actor, "alert.write", alert.patient_id)
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        alert.resolved_by = actor.user_id


def scan_inactivity(tx: Session, actor: Actor, today: date, days: int) -> int:
    """Raise an ``inactive`` alert for active patients with no log in ``days`` days."""
    authorize(tx, actor, "alert.write")
    clinic_id = actor.clinic_id
    cutoff = today - timedelta(days=days)
    rows = tx.execute(
        select(PatientRow.id, PatientRow.last_log_on).where(
            PatientRow.clinic_id == clinic_id,
            PatientRow.status == "active",
            (PatientRow.last_log_on.is_(None)) | (PatientRow.last_log_on <= cutoff),
        )
    ).all()
    added = 0
    for patient_id, last in rows:
        since = "never" if last is None else last.isoformat()
        key = f"inactive:{since}"
        message = f"No exercise or pain log for {days} days or more (last log: {since})"
        added += raise_alert(tx, patient_id, "inactive", key, message)
    return added
