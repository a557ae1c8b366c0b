"""The patient's day: today's exercises, logging sets/reps and pain, and pain monitoring.

After each pain entry the pain-monitoring model of the core (KB 5.5) decides progress, hold,
regress or clinician review; regress and review raise a ``pain_flare`` alert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.pain_monitoring import (
    PainMonitoringConfig,
    SessionPain,
    decide_progression,
)
from runnersknee.services import clinical_core, patient_text
from runnersknee.services.alerts import raise_alert
from runnersknee.services.authz import Actor, authorize
from runnersknee.services.intake import IntakeView, assert_patient
from runnersknee.services.patients import current_episode
from runnersknee.services.records import plan_items
from runnersknee.store.mapping import to_json
from runnersknee.store.tables import (
    EpisodeRow,
    ExerciseLogRow,
    IntakeRow,
    PainLogRow,
    PatientRow,
    PlanVersionRow,
)

__all__ = [
    "PAIN_FIELDS",
    "TodayItem",
    "TodayView",
    "log_exercise",
    "log_pain",
    "pain_decision",
    "signed_plan",
    "today",
    "today_with_intake",
]

#: The three pain ratings a patient logs (NPRS 0–10, KB 4.3 and 5.5).
PAIN_FIELDS = ("during", "after", "next_morning")
#: Pain sessions the pain-monitoring decision looks back over (newest first).
_HISTORY = 60


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
    #: The plan's pain limit (NPRS, KB 5.5 / 8.2); presentation only.
    pain_limit_nprs: float | None = None

    @property
    def patient(self) -> patient_text.PatientToday:
        """Patient-facing cards: exercises (plain dose, log form) first, then advice."""
        return patient_text.arrange(self.items, self.advice, self.pain_limit_nprs)


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
    episode_id, _ = _episode(tx, patient_id)
    return _today(tx, patient_id, episode_id, day)


def today_with_intake(
    tx: Session, actor: Actor, patient_id: int, day: date
) -> tuple[TodayView, IntakeView | None]:
    """The portal's start page in one audited read: :func:`today` and the latest intake."""
    authorize(tx, actor, "patient.read", patient_id)
    episode_id, referral = _episode(tx, patient_id)
    return _today(tx, patient_id, episode_id, day), _latest_intake(tx, episode_id, referral)


def _episode(tx: Session, patient_id: int) -> tuple[int, dict[str, Any] | None]:
    """Id and referral decision of the patient's current (newest) episode of care."""
    found = tx.connection().execute(_today_statements().episode, {"patient_id": patient_id})
    row = found.first()
    if row is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    return int(row[0]), row[1]


def _latest_intake(
    tx: Session, episode_id: int, referral: dict[str, Any] | None
) -> IntakeView | None:
    found = tx.connection().execute(_today_statements().intake, {"episode_id": episode_id})
    row = found.first()
    if row is None:
        return None
    return IntakeView(row[0], row[1], row[2], row[3], row[4], referral)


def _today(tx: Session, patient_id: int, episode_id: int, day: date) -> TodayView:
    queries = _today_statements()
    connection = tx.connection()
    plan = connection.execute(queries.plan, {"episode_id": episode_id}).first()
    if plan is None:
        return TodayView(None, (), (), None, None, None)
    version, data, signed_at = plan
    where = {"patient_id": patient_id, "day": day}
    done: dict[str, int | None] = {r[0]: r[1] for r in connection.execute(queries.done, where)}
    items: list[TodayItem] = []
    advice: list[dict[str, Any]] = []
    for item in plan_items(data):
        exercise_id = item.get("exercise_id")
        if exercise_id:
            details = _exercise_json(str(exercise_id))
            items.append(TodayItem(item, details, int(done.get(exercise_id) or 0)))
        else:
            advice.append(item)
    pain = connection.execute(queries.pain_today, where).first()
    pain_today = None if pain is None else dict(zip(PAIN_FIELDS, pain, strict=True))
    history = connection.execute(
        queries.history, {"patient_id": patient_id, "since": signed_at.date()}
    ).all()
    return TodayView(
        version,
        tuple(items),
        tuple(advice),
        pain_today,
        _decide(tuple(tuple(r) for r in reversed(history))),
        data.get("phase"),
        _limit(data.get("pain_threshold_nprs")),
    )


def _limit(value: Any) -> float | None:
    """The stored plan's pain limit as a number (None when absent)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class _TodayStatements:
    episode: Executable
    intake: Executable
    plan: Executable
    done: Executable
    pain_today: Executable
    history: Executable


@cache
def _today_statements() -> _TodayStatements:
    """The today page's statements, built once (values are bound per call)."""
    patient: BindParameter[int] = bindparam("patient_id")
    day: BindParameter[date] = bindparam("day")
    return _TodayStatements(
        episode=select(EpisodeRow.id, EpisodeRow.referral)
        .where(EpisodeRow.patient_id == patient)
        .order_by(EpisodeRow.id.desc())
        .limit(1),
        intake=select(
            IntakeRow.id,
            IntakeRow.case_data,
            IntakeRow.triage,
            IntakeRow.triage_level,
            IntakeRow.created_at,
        )
        .where(IntakeRow.episode_id == bindparam("episode_id"))
        .order_by(IntakeRow.id.desc())
        .limit(1),
        plan=select(PlanVersionRow.version, PlanVersionRow.data, PlanVersionRow.created_at)
        .where(
            PlanVersionRow.episode_id == bindparam("episode_id"),
            PlanVersionRow.status == "signed",
        )
        .order_by(PlanVersionRow.version.desc())
        .limit(1),
        done=select(ExerciseLogRow.exercise_id, func.sum(ExerciseLogRow.sets_done))
        .where(
            ExerciseLogRow.patient_id == patient, ExerciseLogRow.performed_on == bindparam("day")
        )
        .group_by(ExerciseLogRow.exercise_id),
        pain_today=select(PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
        .where(PainLogRow.patient_id == patient, PainLogRow.logged_on == day)
        .order_by(PainLogRow.id.desc())
        .limit(1),
        history=_history_statement(),
    )


@cache
def _history_statement() -> Executable:
    """Pain rows since a plan's sign-off, newest first (at most ``_HISTORY`` of them)."""
    return (
        select(PainLogRow.logged_on, PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
        .where(
            PainLogRow.patient_id == bindparam("patient_id"),
            PainLogRow.logged_on >= bindparam("since"),
        )
        .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
        .limit(_HISTORY)
    )


@cache
def _exercise_json(exercise_id: str) -> dict[str, Any] | None:
    """The JSON form of a library exercise (the library is loaded once; read-only result)."""
    exercise = clinical_core.exercise_library().get(exercise_id)
    if exercise is None:
        return None
    details: dict[str, Any] = to_json(exercise)
    return details


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
    rows = tx.connection().execute(
        _history_statement(), {"patient_id": patient_id, "since": plan.created_at.date()}
    )
    return _decide(tuple(tuple(r) for r in reversed(rows.all())))


_PainRow = tuple[date, int | None, int | None, int | None]


def _decide(rows: tuple[_PainRow, ...]) -> dict[str, Any] | None:
    """The decision over ``rows`` (oldest first); a fresh copy of a memoized result.

    The core is pure and deterministic and the configuration fixed, so the result depends on
    the rows' values only: an unchanged history (the common case: a page reload) is decided
    once. Keying on the values, not on the newest row id, also covers the update of an
    earlier row's ``next_morning``.
    """
    if not rows:
        return None
    decided: dict[str, Any] = json.loads(_decided_json(rows))
    return decided


@lru_cache(maxsize=2048)
def _decided_json(rows: tuple[_PainRow, ...]) -> str:
    history = [
        SessionPain(
            day=day,
            during_nprs=None if during is None else float(during),
            after_nprs=None if after is None else float(after),
            next_morning_nprs=None if morning is None else float(morning),
        )
        for day, during, after, morning in rows
    ]
    return json.dumps(to_json(decide_progression(history, PainMonitoringConfig())))


def patient_or_404(tx: Session, patient_id: int) -> PatientRow:
    """A patient row that must exist (callers have authorized already)."""
    patient = tx.get(PatientRow, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist")
    return patient
