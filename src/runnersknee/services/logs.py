"""The patient's day: today's exercises, logging sets/reps and pain, and pain monitoring.

After each pain entry the pain-monitoring model of the core (KB 5.5) decides progress, hold,
regress or clinician review; regress and review raise a ``pain_flare`` alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.pain_monitoring import (
    PainMonitoringConfig,
    SessionPain,
    decide_progression,
)
from runnersknee.services import clinical_core
from runnersknee.services.alerts import raise_alert
from runnersknee.services.authz import Actor, authorize
from runnersknee.services.intake import assert_patient
from runnersknee.services.patients import current_episode
from runnersknee.services.records import plan_items
from runnersknee.store.mapping import to_json
from runnersknee.store.tables import ExerciseLogRow, PainLogRow, PatientRow, PlanVersionRow

__all__ = [
    "PAIN_FIELDS",
    "TodayItem",
    "TodayView",
    "log_exercise",
    "log_pain",
    "pain_decision",
    "signed_plan",
    "today",
]

#: The three pain ratings a patient logs (NPRS 0–10, KB 4.3 and 5.5).
PAIN_FIELDS = ("during", "after", "next_morning")


@dataclass(frozen=True, slots=True)
class TodayItem:
    """One plan item for today with the library details and what was logged."""

    item: dict[str, Any]
    exercise: dict[str, Any] | None
    sets_done_today: int


@dataclass(frozen=True, slots=True)
class TodayView:
    """The portal's start page."""

    plan_version: int | None
    items: tuple[TodayItem, ...]
    advice: tuple[dict[str, Any], ...]
    pain_today: dict[str, int | None] | None
    decision: dict[str, Any] | None
    phase: Any


def signed_plan(tx: Session, patient_id: int) -> PlanVersionRow | None:
    """The newest signed plan version of the current episode."""
    episode = current_episode(tx, patient_id)
    return tx.scalar(
        select(PlanVersionRow)
        .where(PlanVersionRow.episode_id == episode.id, PlanVersionRow.status == "signed")
        .order_by(PlanVersionRow.version.desc())
        .limit(1)
    )


def today(tx: Session, actor: Actor, patient_id: int, day: date) -> TodayView:
    """Today's exercises (signed plan only), today's logs and the pain-monitoring decision."""
    authorize(tx, actor, "patient.read", patient_id)
    plan = signed_plan(tx, patient_id)
    if plan is None:
        return TodayView(None, (), (), None, None, None)
    done = dict(
        tx.execute(
            select(ExerciseLogRow.exercise_id, func.sum(ExerciseLogRow.sets_done))
            .where(ExerciseLogRow.patient_id == patient_id, ExerciseLogRow.performed_on == day)
            .group_by(ExerciseLogRow.exercise_id)
        ).all()
    )
    library = clinical_core.exercise_library()
    items: list[TodayItem] = []
    advice: list[dict[str, Any]] = []
    for item in plan_items(plan.data):
        exercise_id = item.get("exercise_id")
        if exercise_id:
            exercise = library.get(exercise_id)
            details = None if exercise is None else to_json(exercise)
            items.append(TodayItem(item, details, int(done.get(exercise_id) or 0)))
        else:
            advice.append(item)
    pain = tx.scalar(
        select(PainLogRow)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.logged_on == day)
        .order_by(PainLogRow.id.desc())
        .limit(1)
    )
    pain_today = None if pain is None else {f: getattr(pain, f) for f in PAIN_FIELDS}
    return TodayView(
        plan.version,
        tuple(items),
        tuple(advice),
        pain_today,
        pain_decision(tx, patient_id, plan),
        plan.data.get("phase"),
    )


def _plan_exercises(plan: PlanVersionRow | None) -> set[str]:
    if plan is None:
        return set()
    return {str(i["exercise_id"]) for i in plan_items(plan.data) if i.get("exercise_id")}


def _count(value: int | None, name: str, high: int) -> int | None:
    if value is None:
        return None
    if not 0 <= value <= high:
        raise InvalidInput(
            f"{name.replace('_', ' ')} must be between 0 and {high}",
            field=name,
            allowed=f"0..{high}",
            got=value,
        )
    return value


def log_exercise(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    exercise_id: str,
    sets_done: int,
    reps_done: int | None,
    day: date,
    note: str = "",
) -> int:
    """Record sets (and reps) done of one exercise of the signed plan."""
    patient = assert_patient(authorize(tx, actor, "log.write", patient_id))
    plan = signed_plan(tx, patient_id)
    allowed = _plan_exercises(plan)
    if exercise_id not in allowed:
        raise InvalidInput(
            "this exercise is not in your current plan",
            field="exercise_id",
            allowed=sorted(allowed),
            got=exercise_id,
        )
    sets = _count(sets_done, "sets_done", 30)
    if not sets:
        raise InvalidInput("sets done must be between 1 and 30", field="sets_done", got=sets)
    row = ExerciseLogRow(
        patient_id=patient_id,
        plan_version_id=None if plan is None else plan.id,
        exercise_id=exercise_id,
        performed_on=day,
        sets_done=sets,
        reps_done=_count(reps_done, "reps_done", 500),
        note=note.strip()[:500] or None,
    )
    tx.add(row)
    _touch(patient, day)
    tx.flush()
    return row.id


def _touch(patient: PatientRow, day: date) -> None:
    if patient.last_log_on is None or patient.last_log_on < day:
        patient.last_log_on = day


def log_pain(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    day: date,
    during: int | None,
    after: int | None,
    next_morning: int | None,
    activity: str = "exercise",
) -> dict[str, Any] | None:
    """Record pain (0–10). ``next_morning`` belongs to the latest earlier session.

    Returns the pain-monitoring decision (JSON form) after the entry.
    """
    patient = assert_patient(authorize(tx, actor, "log.write", patient_id))
    values = {
        "during": _count(during, "during", 10),
        "after": _count(after, "after", 10),
        "next_morning": _count(next_morning, "next_morning", 10),
    }
    if all(v is None for v in values.values()):
        raise InvalidInput("enter at least one pain rating", field="during", allowed="0..10")
    if activity not in ("exercise", "run"):
        raise InvalidInput("unknown activity", field="activity", allowed=["exercise", "run"])
    if values["next_morning"] is not None:
        earlier = tx.scalar(
            select(PainLogRow)
            .where(PainLogRow.patient_id == patient_id, PainLogRow.logged_on < day)
            .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
            .limit(1)
        )
        if earlier is None:
            earlier = PainLogRow(patient_id=patient_id, logged_on=day - timedelta(days=1))
            tx.add(earlier)
        earlier.next_morning = values["next_morning"]
    if values["during"] is not None or values["after"] is not None:
        tx.add(
            PainLogRow(
                patient_id=patient_id,
                logged_on=day,
                during=values["during"],
                after=values["after"],
                activity=activity,
            )
        )
    _touch(patient, day)
    tx.flush()
    plan = signed_plan(tx, patient_id)
    decision = pain_decision(tx, patient_id, plan)
    if plan is not None and decision is not None:
        kind = decision["decision"]
        key = {
            "regress": f"pain:regress:{day.isoformat()}",
            "clinician_review": f"pain:review:plan{plan.id}",
        }.get(kind)
        if key is not None:
            raise_alert(
                tx, patient_id, "pain_flare", key, "Pain flare: " + "; ".join(decision["reasons"])
            )
    return decision


def pain_decision(
    tx: Session, patient_id: int, plan: PlanVersionRow | None
) -> dict[str, Any] | None:
    """The core's progress/hold/regress/review decision over sessions since the plan's sign-off."""
    if plan is None:
        return None
    rows = list(
        tx.scalars(
            select(PainLogRow)
            .where(
                PainLogRow.patient_id == patient_id,
                PainLogRow.logged_on >= plan.created_at.date(),
            )
            .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
            .limit(60)
        )
    )[::-1]
    if not rows:
        return None
    history = [
        SessionPain(
            day=r.logged_on,
            during_nprs=None if r.during is None else float(r.during),
            after_nprs=None if r.after is None else float(r.after),
            next_morning_nprs=None if r.next_morning is None else float(r.next_morning),
        )
        for r in rows
    ]
    result = decide_progression(history, PainMonitoringConfig())
    as_json: dict[str, Any] = to_json(result)
    return as_json


def patient_or_404(tx: Session, patient_id: int) -> PatientRow:
    """A patient row that must exist (callers have authorized already)."""
    patient = tx.get(PatientRow, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist")
    return patient
