"""Logging the patient's day: sets/reps of plan exercises and pain (0-10).

After each pain entry the pain-monitoring model of the core (KB 5.5) decides progress, hold,
regress or clinician review; regress and review raise a ``pain_flare`` alert, progress a
``ready_to_progress`` alert (once per signed plan version). A patient may log a plan
exercise's easier level (services/care/today_session.py shows it after a regress decision).
The day as the portal shows it is services/care/today_view.py.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care import pain_state
from runnersknee.services.care.alerts import raise_alert
from runnersknee.services.care.intake import assert_patient
from runnersknee.services.care.patients import current_episode
from runnersknee.services.care.records import plan_items
from runnersknee.services.care.safety_gate import gate_for, require_exercises
from runnersknee.store.tables import ExerciseLogRow, PainLogRow, PatientRow, PlanVersionRow

__all__ = [
    "PAIN_FIELDS",
    "log_exercise",
    "log_pain",
    "signed_plan",
]

#: The three pain ratings a patient logs (NPRS 0–10, KB 4.3 and 5.5).
PAIN_FIELDS = ("during", "after", "next_morning")


def signed_plan(tx: Session, patient_id: int) -> PlanVersionRow | None:
    """The newest signed plan version of the current episode."""
    episode = current_episode(tx, patient_id)
    return tx.scalar(
        select(PlanVersionRow)
        .where(PlanVersionRow.episode_id == episode.id, PlanVersionRow.status == "signed")
        .order_by(PlanVersionRow.version.desc())
        .limit(1)
    )


def _plan_exercises(plan: PlanVersionRow | None) -> set[str]:
    if plan is None:
        return set()
    return {str(i["exercise_id"]) for i in plan_items(plan.data) if i.get("exercise_id")}


def _with_easier_levels(exercise_ids: set[str], library: ExerciseLibrary) -> set[str]:
    """``exercise_ids`` and each one's easier level in the library (its ``regression_id``):
    the patient may step back one level ("too painful", or a regress decision)."""
    easier = {getattr(library.get(e), "regression_id", None) for e in exercise_ids}
    return exercise_ids | {str(e) for e in easier if e and e in library}


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
    *,
    content: ClinicalContent,
) -> int:
    """Record sets (and reps) done of one exercise of the signed plan."""
    patient = assert_patient(authorize(tx, actor, "log.write", patient_id))
    require_exercises(gate_for(tx, patient_id, content))
    plan = signed_plan(tx, patient_id)
    allowed = _with_easier_levels(_plan_exercises(plan), content.exercises)
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
    *,
    same_session: bool = False,
    content: ClinicalContent,
) -> PainAssessment | None:
    """Record pain (0–10). ``next_morning`` belongs to the latest earlier session.

    ``same_session``: the ratings complete the day's latest entry of this activity (the
    session mode records "too painful" and then the pain check of one session) instead
    of starting another session. Returns the core's pain-monitoring decision (``content``'s
    limits) after the entry.
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
    morning = values["next_morning"]
    if morning is not None:
        _next_morning(tx, patient_id, day, morning)
    if values["during"] is not None or values["after"] is not None:
        _session_row(tx, patient_id, day, activity, same_session, values)
    _touch(patient, day)
    tx.flush()
    plan = signed_plan(tx, patient_id)
    decision = pain_state.pain_decision(tx, patient_id, plan, content.pain_monitoring)
    if plan is not None and decision is not None:
        _alert_clinician(tx, patient_id, plan.id, decision, day)
    return decision


def _next_morning(tx: Session, patient_id: int, day: date, nprs: int) -> None:
    """Record ``nprs`` as the next-morning pain of the latest session before ``day``."""
    earlier = tx.scalar(
        select(PainLogRow)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.logged_on < day)
        .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
        .limit(1)
    )
    if earlier is None:
        earlier = PainLogRow(patient_id=patient_id, logged_on=day - timedelta(days=1))
        tx.add(earlier)
    earlier.next_morning = nprs


def _alert_clinician(
    tx: Session, patient_id: int, plan_id: int, decision: PainAssessment, day: date
) -> None:
    """A ``pain_flare`` alert after regress or review, ``ready_to_progress`` after progress."""
    kind = decision.decision.value
    key = {
        "regress": f"pain:regress:{day.isoformat()}",
        "clinician_review": f"pain:review:plan{plan_id}",
    }.get(kind)
    if key is not None:
        message = "Pain flare: " + "; ".join(decision.reasons)
        raise_alert(tx, patient_id, "pain_flare", key, message, day)
    elif kind == "progress":
        raise_alert(
            tx,
            patient_id,
            "ready_to_progress",
            f"pain:progress:plan{plan_id}",
            "Ready to progress: "
            + "; ".join(decision.reasons)
            + ". Sign a plan version with the next level to move the patient on.",
            day,
        )


def _session_row(  # noqa: PLR0917 - internal
    tx: Session,
    patient_id: int,
    day: date,
    activity: str,
    same_session: bool,
    values: dict[str, int | None],
) -> None:
    """Add the day's pain entry, or with ``same_session`` complete the day's latest one."""
    row = None
    if same_session:
        row = tx.scalar(
            select(PainLogRow)
            .where(
                PainLogRow.patient_id == patient_id,
                PainLogRow.logged_on == day,
                PainLogRow.activity == activity,
            )
            .order_by(PainLogRow.id.desc())
            .limit(1)
        )
    if row is None:
        row = PainLogRow(patient_id=patient_id, logged_on=day, activity=activity)
        tx.add(row)
    for name in ("during", "after"):
        if values[name] is not None:
            setattr(row, name, values[name])


def patient_or_404(tx: Session, patient_id: int) -> PatientRow:
    """A patient row that must exist (callers have authorized already)."""
    patient = tx.get(PatientRow, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist")
    return patient
