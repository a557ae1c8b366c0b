"""Pain after a run: record it (0–10, the morning rating on the latest earlier run), read it
as core sessions, and the next run it allows (a clinician-review decision raises an alert)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.pain_monitoring import SessionPain
from runnersknee.clinical.return_to_run import Prescription, next_run
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.alerts import raise_alert
from runnersknee.services.care.morning_baseline import record_baseline, with_baselines
from runnersknee.services.care.safety_gate import Gate, gate_for
from runnersknee.services.running.stored_runs import StoredRun, patient_runs, touch_last_log
from runnersknee.store.tables import PainLogRow

__all__ = ["log_run_pain", "prescribe", "run_pain"]


def _nprs(value: int | None, name: str) -> int | None:
    if value is not None and not 0 <= value <= 10:
        raise InvalidInput(
            f"{name.replace('_', ' ')} pain must be between 0 and 10",
            field=name,
            allowed="0..10",
            got=value,
        )
    return value


def run_pain(tx: Session, patient_id: int) -> list[SessionPain]:
    """Pain logged after runs (``activity = "run"``), oldest first, as core sessions, each
    with the usual morning pain (baseline) recorded up to its next morning."""
    rows = tx.scalars(
        select(PainLogRow)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.activity == "run")
        .order_by(PainLogRow.logged_on, PainLogRow.id)
    )
    sessions = [
        SessionPain(
            day=r.logged_on,
            during_nprs=None if r.during is None else float(r.during),
            after_nprs=None if r.after is None else float(r.after),
            next_morning_nprs=None if r.next_morning is None else float(r.next_morning),
        )
        for r in rows
    ]
    return with_baselines(tx, patient_id, sessions)


def prescribe(
    runs: Sequence[StoredRun], pain: Sequence[SessionPain], content: ClinicalContent, today: date
) -> Prescription:
    """The next run after ``runs`` and their ``pain`` (``content``'s walk-run protocol and pain
    limits)."""
    return next_run(runs, pain, content.return_to_run, content.pain_monitoring, today=today)


def _latest_run_log_before(tx: Session, patient_id: int, day: date) -> PainLogRow:
    """The latest run pain log before ``day`` (a new one on the day before when none)."""
    earlier = tx.scalar(
        select(PainLogRow)
        .where(
            PainLogRow.patient_id == patient_id,
            PainLogRow.activity == "run",
            PainLogRow.logged_on < day,
        )
        .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
        .limit(1)
    )
    if earlier is None:
        earlier = PainLogRow(
            patient_id=patient_id, logged_on=day - timedelta(days=1), activity="run"
        )
        tx.add(earlier)
    return earlier


def _alert_review(tx: Session, patient_id: int, day: date, prescription: Prescription) -> None:
    raise_alert(
        tx,
        patient_id,
        "pain_flare",
        f"run_pain:review:{day.isoformat()}",
        "Return to running paused for clinician review: " + "; ".join(prescription.reasons),
        day,
    )


def log_run_pain(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    day: date,
    during: int | None,
    after: int | None,
    next_morning: int | None,
    *,
    content: ClinicalContent,
    morning_baseline: int | None = None,
) -> tuple[Prescription | None, Gate]:
    """Record pain of a run (0–10); the morning rating belongs to the latest earlier run.

    ``morning_baseline`` is the usual morning pain before running again (the baseline that
    next-morning pain is judged against).

    Returns the next run after the entry (``None`` when the safety gate allows no run) and
    the gate; a clinician-review decision raises a ``pain_flare`` alert (once per day of
    the last session).
    """
    authorize(tx, actor, "log.write", patient_id)
    values = [_nprs(v, n) for v, n in ((during, "during"), (after, "after"))]
    morning = _nprs(next_morning, "next_morning")
    baseline = _nprs(morning_baseline, "morning_baseline")
    if all(v is None for v in (*values, morning, baseline)):
        raise InvalidInput("enter at least one pain rating", field="during", allowed="0..10")
    if baseline is not None:
        record_baseline(tx, patient_id, day, baseline)
    if morning is not None:
        _latest_run_log_before(tx, patient_id, day).next_morning = morning
    if any(v is not None for v in values):
        tx.add(
            PainLogRow(
                patient_id=patient_id,
                logged_on=day,
                during=values[0],
                after=values[1],
                activity="run",
            )
        )
    touch_last_log(tx, patient_id, [day], day)
    tx.flush()
    prescription = prescribe(patient_runs(tx, patient_id), run_pain(tx, patient_id), content, day)
    if prescription.clinician_review:
        _alert_review(tx, patient_id, day, prescription)
    gate = gate_for(tx, patient_id, content)
    return (prescription if gate.allowance.runs else None), gate
