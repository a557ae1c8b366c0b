"""Alerts a clinician should look at: pain flare, no logging for N days, red-flag answers,
running-load spikes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.clinical.load import RunSpike, SpikeCategory
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.store.tables import (
    AlertRow,
    ClinicRow,
    EpisodeRow,
    PatientRow,
    PlanVersionRow,
    utcnow,
)

__all__ = [
    "ALERT_KINDS",
    "NOTE_MAX",
    "SPIKE_ALERT_CATEGORIES",
    "SPIKE_BANDS",
    "AlertView",
    "close_alerts",
    "list_alerts",
    "patient_alerts",
    "raise_alert",
    "raise_run_spike",
    "resolve_alert",
    "scan_inactivity",
    "scan_inactivity_all_clinics",
]

#: pain_flare: the pain-monitoring model says regress or review; inactive: no log for N days;
#: red_flag: a new red-flag answer at intake; run_spike: a run more than 10 % longer than the
#: longest run of the previous 30 days (Frandsen 2025; docs/clinical-basis.md, "Running load");
#: ready_to_progress: the pain-monitoring model says progress (the clinician signs the next level);
#: run_file: a watch file the patient uploaded could not be read (the reader's detail);
#: video_review: the patient sent a video (services/video/patient_videos.py; handled when shared).
#: non_responder: no clinically important improvement at re-assessment
#: (services/care/responder.py).
ALERT_KINDS = (
    "pain_flare",
    "inactive",
    "red_flag",
    "run_spike",
    "ready_to_progress",
    "run_file",
    "video_review",
    "non_responder",
)

#: The longest handling note kept (characters).
NOTE_MAX = 500

#: Spike categories that raise a ``run_spike`` alert: every band above 10 % over the longest run
#: of the previous 30 days. Frandsen 2025 found the > 10-30 % band already carried a higher
#: injury hazard (HRR 1.64), similar to > 30-100 % (1.52) (FRANDSEN-2025).
SPIKE_ALERT_CATEGORIES = frozenset(
    {SpikeCategory.SMALL, SpikeCategory.MODERATE, SpikeCategory.LARGE}
)

#: The band of each alerting category as shown to the clinician, with its hazard-rate ratio.
SPIKE_BANDS = {
    SpikeCategory.SMALL: "> 10-30 %, hazard ratio about 1.6",
    SpikeCategory.MODERATE: "> 30-100 %, hazard ratio about 1.5",
    SpikeCategory.LARGE: "> 100 %, hazard ratio about 2.3",
}


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
    #: When the event happened (the day of the log, run or inactivity; else when raised).
    occurred_on: date | None = None
    resolved_note: str | None = None

    @property
    def event_day(self) -> date:
        """The day the event happened, or the day the alert was raised."""
        return self.occurred_on or self.created_at.date()


def raise_alert(  # noqa: PLR0917 - the alert's fields
    tx: Session,
    patient_id: int,
    kind: str,
    key: str,
    message: str,
    occurred_on: date | None = None,
) -> bool:
    """Add an alert unless one with the same key exists; True when a new one was added.

    ``occurred_on`` is the day the event happened (default: the day it is raised)."""
    exists = tx.scalar(
        select(AlertRow.id).where(AlertRow.patient_id == patient_id, AlertRow.key == key)
    )
    if exists is not None:
        return False
    try:  # a concurrent transaction may add the same alert first: then this one is a no-op
        with tx.begin_nested():
            tx.add(
                AlertRow(
                    patient_id=patient_id,
                    kind=kind,
                    key=key,
                    message=message[:500],
                    occurred_on=occurred_on,
                )
            )
    except IntegrityError:
        return False
    return True


def _view(row: AlertRow, name: str) -> AlertView:
    return AlertView(
        row.id,
        row.patient_id,
        name,
        row.kind,
        row.message,
        row.created_at,
        row.resolved_at,
        row.occurred_on,
        row.resolved_note,
    )


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
    return [_view(a, name) for a, name in tx.execute(query).all()]


def patient_alerts(tx: Session, actor: Actor, patient_id: int) -> list[AlertView]:
    """The open alerts of one patient, newest first."""
    patient = authorize(tx, actor, "alert.read", patient_id)
    name = patient.display_name if patient is not None else ""
    rows = tx.scalars(
        select(AlertRow)
        .where(AlertRow.patient_id == patient_id, AlertRow.resolved_at.is_(None))
        .order_by(AlertRow.created_at.desc(), AlertRow.id.desc())
        .limit(100)
    )
    return [_view(a, name) for a in rows]


def resolve_alert(tx: Session, actor: Actor, alert_id: int, note: str = "") -> AlertView:
    """Mark an alert as handled, with what was done (audited as a write to the record).

    An alert already handled keeps its first handling (time, clinician and note)."""
    alert = tx.get(AlertRow, alert_id)
    if alert is None:
        raise NotFound(f"alert {alert_id} does not exist", alert_id=alert_id)
    patient = authorize(tx, actor, "alert.write", alert.patient_id)
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        alert.resolved_by = actor.user_id
        alert.resolved_note = note.strip()[:NOTE_MAX] or None
    return _view(alert, patient.display_name if patient is not None else "")


def close_alerts(tx: Session, actor: Actor, patient_id: int, kind: str, note: str) -> int:
    """Mark every open ``kind`` alert of a patient handled with ``note`` (the caller has
    authorized a write to the record); the number closed."""
    rows = tx.scalars(
        select(AlertRow).where(
            AlertRow.patient_id == patient_id,
            AlertRow.kind == kind,
            AlertRow.resolved_at.is_(None),
        )
    ).all()
    for alert in rows:
        alert.resolved_at = utcnow()
        alert.resolved_by = actor.user_id
        alert.resolved_note = note.strip()[:NOTE_MAX] or None
    return len(rows)


def scan_inactivity(tx: Session, actor: Actor, today: date, days: int) -> int:
    """Raise an ``inactive`` alert for active patients with no log in ``days`` days."""
    authorize(tx, actor, "alert.write")
    return _scan_clinic(tx, actor.clinic_id, today, days)


def scan_inactivity_all_clinics(tx: Session, today: date, days: int) -> int:
    """The daily scan of the job worker (no user: a system task): every clinic's patients."""
    return sum(
        _scan_clinic(tx, clinic_id, today, days) for clinic_id in tx.scalars(select(ClinicRow.id))
    )


def _scan_clinic(tx: Session, clinic_id: int, today: date, days: int) -> int:
    """Inactivity counts from the later of the last log and the newest plan sign-off: a
    newly signed plan is not "inactive" before the patient has had ``days`` days with it."""
    cutoff = today - timedelta(days=days)
    signed_at = (
        select(func.max(PlanVersionRow.created_at))
        .join(EpisodeRow, EpisodeRow.id == PlanVersionRow.episode_id)
        .where(EpisodeRow.patient_id == PatientRow.id, PlanVersionRow.status == "signed")
        .correlate(PatientRow)
        .scalar_subquery()
    )
    rows = tx.execute(
        select(PatientRow.id, PatientRow.last_log_on, signed_at).where(
            PatientRow.clinic_id == clinic_id,
            PatientRow.status == "active",
            (PatientRow.last_log_on.is_(None)) | (PatientRow.last_log_on <= cutoff),
        )
    ).all()
    added = 0
    for patient_id, last, signed in rows:
        signed_on = None if signed is None else signed.date()
        since = max(d for d in (last, signed_on, date.min) if d is not None)
        if since == date.min or since > cutoff:
            continue
        last_text = "never" if last is None else last.isoformat()
        message = (
            f"No exercise or pain log for {days} days or more since {since.isoformat()} "
            f"(last log: {last_text}; plan signed: "
            f"{'not yet' if signed_on is None else signed_on.isoformat()})"
        )
        occurred = since + timedelta(days=days)
        added += raise_alert(
            tx, patient_id, "inactive", f"inactive:{since.isoformat()}", message, occurred
        )
    return added


def raise_run_spike(tx: Session, patient_id: int, run_id: int, spike: RunSpike) -> bool:
    """A ``run_spike`` alert for one stored run (key ``run_spike:<run id>``, so idempotent).

    Every spike above 10 % alerts, with its Frandsen 2025 band (FRANDSEN-2025).
    """
    if spike.category not in SPIKE_ALERT_CATEGORIES:
        return False
    increase = (spike.increase_fraction or 0.0) * 100
    band = SPIKE_BANDS[spike.category]
    message = (
        f"Running load spike: run of {spike.start.date().isoformat()} was "
        f"{spike.distance_m / 1000:.2f} km, {increase:.0f} % longer than the longest run of the "
        f"previous 30 days ({spike.longest_previous_30d_m / 1000:.2f} km); band {band} "
        f"against <= 10 % (Frandsen JSB et al., Br J Sports Med 2025) "
        f"[{', '.join(spike.citation_ids)}]"
    )
    return raise_alert(
        tx, patient_id, "run_spike", f"run_spike:{run_id}", message, spike.start.date()
    )
