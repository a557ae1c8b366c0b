"""The record at a glance: pain now, adherence this week, the pain-monitoring decision, open
alerts, the plan's phase and next review, running load and the next run, latest gait metrics.

Everything is read through the existing use cases (each authorizes and is audited); this
module only arranges what the clinician's summary card shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.clinical.return_to_run import Prescription
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import alerts, today_view
from runnersknee.services.care.alerts import AlertView
from runnersknee.services.care.safety_gate import Gate
from runnersknee.services.running import run_records
from runnersknee.store.tables import ExerciseLogRow, PainLogRow

__all__ = ["GaitMetric", "LatestPain", "RecordSummary", "gait_metrics", "summary"]


@dataclass(frozen=True, slots=True)
class LatestPain:
    """The newest pain ratings (0-10) and what they were logged after."""

    day: date
    activity: str
    during: int | None
    after: int | None
    next_morning: int | None


@dataclass(frozen=True, slots=True)
class GaitMetric:
    """One gait measure of the latest assessment, with its unit."""

    label: str
    value: float
    unit: str


@dataclass(frozen=True, slots=True)
class RecordSummary:
    """What the record's summary card shows."""

    pain: LatestPain | None
    days_logged_this_week: int
    days_so_far_this_week: int
    pain_decision: PainAssessment | None
    gate: Gate
    open_alerts: tuple[AlertView, ...]
    week_km: float
    last_week_km: float
    next_run: Prescription | None
    latest_cadence_spm: float | None
    gait: tuple[GaitMetric, ...]


#: Gait measures of an assessment: (section, key, label, unit).
_GAIT = (
    ("running", "cadence_spm", "Cadence", "steps/min"),
    ("running", "overstride_cm", "Overstride", "cm"),
    ("running", "trunk_lean_deg", "Trunk lean", "\u00b0"),
    ("left", "fppa_running_deg", "Knee frontal-plane angle running, left", "\u00b0"),
    ("right", "fppa_running_deg", "Knee frontal-plane angle running, right", "\u00b0"),
    ("left", "pelvic_drop_deg", "Pelvic drop, left stance", "\u00b0"),
    ("right", "pelvic_drop_deg", "Pelvic drop, right stance", "\u00b0"),
)


def gait_metrics(assessment: Assessment | None) -> tuple[GaitMetric, ...]:
    """The recorded gait measures of an assessment, in a fixed order."""
    if assessment is None:
        return ()
    found = []
    for section, key, label, unit in _GAIT:
        value = getattr(getattr(assessment, section), key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            found.append(GaitMetric(label, float(value), unit))
    return tuple(found)


def _latest_pain(tx: Session, patient_id: int) -> LatestPain | None:
    row = tx.execute(
        select(
            PainLogRow.logged_on,
            PainLogRow.activity,
            PainLogRow.during,
            PainLogRow.after,
            PainLogRow.next_morning,
        )
        .where(PainLogRow.patient_id == patient_id)
        .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
        .limit(1)
    ).first()
    return None if row is None else LatestPain(row[0], str(row[1] or "exercise"), *row[2:])


def _days_logged(tx: Session, patient_id: int, monday: date, today: date) -> int:
    count = tx.scalar(
        select(func.count(func.distinct(ExerciseLogRow.performed_on))).where(
            ExerciseLogRow.patient_id == patient_id,
            ExerciseLogRow.performed_on >= monday,
            ExerciseLogRow.performed_on <= today,
        )
    )
    return int(count or 0)


def _week_km(runs: run_records.RunsOverview, monday: date) -> tuple[float, float]:
    weeks = {w.week_start: w.distance_m / 1000 for w in runs.weeks}
    return weeks.get(monday, 0.0), weeks.get(monday - timedelta(weeks=1), 0.0)


def summary(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    assessment: Assessment | None,
    today: date,
    content: ClinicalContent,
) -> RecordSummary:
    """The summary of ``patient_id``'s record on ``today`` (authorized by each read)."""
    view = today_view.today(tx, actor, patient_id, today, content=content)
    runs = run_records.overview(tx, actor, patient_id, today, content=content)
    monday = today - timedelta(days=today.weekday())
    open_alerts = tuple(alerts.patient_alerts(tx, actor, patient_id))
    this_week, last_week = _week_km(runs, monday)
    gate = view.gate if view.gate is not None else runs.gate
    return RecordSummary(
        pain=_latest_pain(tx, patient_id),
        days_logged_this_week=_days_logged(tx, patient_id, monday, today),
        days_so_far_this_week=today.weekday() + 1,
        pain_decision=view.decision,
        gate=gate,
        open_alerts=open_alerts,
        week_km=this_week,
        last_week_km=last_week,
        next_run=runs.next_run,
        latest_cadence_spm=runs.cadence.latest_spm,
        gait=gait_metrics(assessment),
    )
