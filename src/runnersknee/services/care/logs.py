"""The patient's day: today's exercises, logging sets/reps and pain, and pain monitoring.

After each pain entry the pain-monitoring model of the core (KB 5.5) decides progress, hold,
regress or clinician review; regress and review raise a ``pain_flare`` alert, progress a
``ready_to_progress`` alert (once per signed plan version). A patient may log a plan
exercise's easier level (services/care/today_session.py shows it after a regress decision).
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Engine, Executable, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize, authorize_record
from runnersknee.services.care import pain_state, patient_text
from runnersknee.services.care.alerts import raise_alert
from runnersknee.services.care.intake import RED_FLAG_LEVELS, IntakeSummary, assert_patient
from runnersknee.services.care.patients import current_episode
from runnersknee.services.care.records import plan_items
from runnersknee.services.care.safety_gate import (
    Gate,
    episode_subqueries,
    gate_for,
    require_exercises,
)
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
    "done_today",
    "log_exercise",
    "log_pain",
    "signed_plan",
    "today",
    "today_with_intake",
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
    decision: PainAssessment | None
    phase: Any
    #: The plan's pain limit (NPRS, KB 5.5 / 8.2); presentation only.
    pain_limit_nprs: float | None = None
    #: Identifies the signed plan version's content for caches (plan versions are never
    #: changed): the database, the version's row id and its sign-off time.
    plan_key: tuple[str, int, str] | None = None
    #: What the safety gate allows today; the view holds no plan items when it allows none.
    gate: Gate | None = None
    #: The signed plan holds running (a clinician's hold; the gate gives no run).
    running_held: bool = False

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


def today(
    tx: Session, actor: Actor, patient_id: int, day: date, *, content: ClinicalContent
) -> TodayView:
    """Today's exercises (signed plan only), today's logs and the pain-monitoring decision
    (with ``content``'s pain limits)."""
    authorize_record(tx, actor, "patient.read", patient_id)
    episode_id, _ = _episode(tx, patient_id)
    return _gated(tx, patient_id, _today(tx, patient_id, episode_id, day, content), content)


def _gated(tx: Session, patient_id: int, view: TodayView, content: ClinicalContent) -> TodayView:
    """``view`` with the safety gate's decision; without plan items when it allows none.

    The view's pain decision (over the same signed plan's history) and the plan's phase are
    handed to the gate.
    """
    gate = (
        gate_for(
            tx,
            patient_id,
            content,
            pain=view.decision,
            phase=view.phase,
            held=view.running_held,
        )
        if view.plan_key
        else gate_for(tx, patient_id, content)
    )
    if gate.allowance.exercises:
        return dataclasses.replace(view, gate=gate)
    return TodayView(None, (), (), view.pain_today, None, None, gate=gate)


def today_with_intake(
    tx: Session, actor: Actor, patient_id: int, day: date, *, content: ClinicalContent
) -> tuple[TodayView, IntakeSummary | None]:
    """The portal's start page in one audited read: :func:`today` and the latest intake.

    The current episode, its latest intake's level and its newest signed plan version come
    from one statement (:attr:`_TodayStatements.start`); the intake's triage is read only
    when it blocks the plan, and its answers not at all.
    """
    authorize_record(tx, actor, "patient.read", patient_id)
    row = tx.connection().execute(_today_statements().start, {"patient_id": patient_id}).first()
    if row is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    intake = None
    if row[2] is not None:
        triage = None
        if row[3] in RED_FLAG_LEVELS:
            found = tx.connection().execute(_today_statements().triage, {"intake_id": row[2]})
            triage = found.scalar()
        intake = IntakeSummary(row[2], row[3], row[4], row[1], triage)
    plan = None if row[5] is None else (row[5], row[6], row[7])
    view = _today_of_plan(tx, patient_id, plan, day, content)
    return _gated(tx, patient_id, view, content), intake


def _episode(tx: Session, patient_id: int) -> tuple[int, dict[str, Any] | None]:
    """Id and referral decision of the patient's current (newest) episode of care."""
    found = tx.connection().execute(_today_statements().episode, {"patient_id": patient_id})
    row = found.first()
    if row is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    return int(row[0]), row[1]


def _today(
    tx: Session, patient_id: int, episode_id: int, day: date, content: ClinicalContent
) -> TodayView:
    found = tx.connection().execute(_today_statements().plan, {"episode_id": episode_id})
    return _today_of_plan(tx, patient_id, found.first(), day, content)


def _today_of_plan(
    tx: Session, patient_id: int, plan: Sequence[Any] | None, day: date, content: ClinicalContent
) -> TodayView:
    """The view over the signed plan version ``(id, version, signed at)`` (None: no plan)."""
    if plan is None:
        return TodayView(None, (), (), None, None, None)
    queries = _today_statements()
    connection = tx.connection()
    plan_id, version, signed_at = plan
    key = (_database_key(connection.engine), int(plan_id), signed_at.isoformat())
    parts = _plan_parts(tx, key, content.exercises)
    where = {"patient_id": patient_id, "day": day}
    done: dict[str, int | None] = {r[0]: r[1] for r in connection.execute(queries.done, where)}
    items = tuple(
        TodayItem(item, details, int(done.get(item["exercise_id"]) or 0))
        for item, details in parts.exercises
    )
    since = signed_at.date()
    history = connection.execute(queries.history, {"patient_id": patient_id, "since": since})
    rows = tuple(tuple(r) for r in history)
    pain = _pain_of_day(tx, rows, where, since)
    return TodayView(
        version,
        items,
        parts.advice,
        None if pain is None else dict(zip(PAIN_FIELDS, pain, strict=True)),
        pain_state.decide(
            tuple(reversed(rows)), pain_state.baselines(tx, patient_id), content.pain_monitoring
        ),
        parts.phase,
        parts.pain_limit_nprs,
        key,
        running_held=parts.running_held,
    )


def _pain_of_day(
    tx: Session, rows: tuple[tuple[Any, ...], ...], where: dict[str, Any], since: date
) -> tuple[int | None, ...] | None:
    """The day's newest pain ratings, read from the history rows when they hold the answer.

    ``rows`` (since the plan's sign-off, newest first, same order as the day's own query)
    contain the day's newest row when it exists and falls on or after ``since``; only when
    they cannot tell (a day before the sign-off, or a full history of later days) is the day
    queried by itself.
    """
    day: date = where["day"]
    for row in rows:
        if row[0] == day:
            return tuple(row[1:])
        if row[0] < day:
            return None
    if day >= since and len(rows) < pain_state.HISTORY:
        return None
    found = tx.connection().execute(_today_statements().pain_today, where).first()
    return None if found is None else tuple(found)


@dataclass(frozen=True, slots=True)
class _PlanParts:
    """What a signed plan version gives the today page (read-only; shared between requests)."""

    exercises: tuple[tuple[dict[str, Any], dict[str, Any] | None], ...]
    advice: tuple[dict[str, Any], ...]
    phase: Any
    pain_limit_nprs: float | None
    running_held: bool = False


#: Plan versions whose parsed parts are kept (plan versions are never changed).
_PLANS_KEPT = 512
_PLAN_PARTS: dict[tuple[str, int, str], tuple[ExerciseLibrary, _PlanParts]] = {}


def _plan_parts(tx: Session, key: tuple[str, int, str], library: ExerciseLibrary) -> _PlanParts:
    """The parsed items of the plan version ``key`` names, with ``library``'s details of
    each exercise (its JSON is read once).

    The key holds the database and the sign-off time besides the row id, so another
    database in the same process (or a re-created one reusing ids) never shares an entry;
    an entry built with another content bundle's library is built again.
    """
    found = _PLAN_PARTS.get(key)
    if found is not None and found[0] is library:
        return found[1]
    statement = _today_statements().plan_data
    data: dict[str, Any] = tx.connection().execute(statement, {"plan_id": key[1]}).scalar() or {}
    exercises: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
    advice: list[dict[str, Any]] = []
    for item in plan_items(data):
        exercise_id = item.get("exercise_id")
        if exercise_id:
            exercises.append((item, _exercise_json(library, str(exercise_id))))
        else:
            advice.append(item)
    held = (data.get("running_hold") or {}).get("held") is True
    parts = _PlanParts(
        tuple(exercises),
        tuple(advice),
        data.get("phase"),
        _limit(data.get("pain_threshold_nprs")),
        held,
    )
    while len(_PLAN_PARTS) >= _PLANS_KEPT:
        _PLAN_PARTS.pop(next(iter(_PLAN_PARTS)), None)
    _PLAN_PARTS[key] = (library, parts)
    return parts


_DATABASE_KEYS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def _database_key(engine: Engine) -> str:
    """The engine's URL as text (part of cache keys), rendered once per engine."""
    key = _DATABASE_KEYS.get(engine)
    if key is None:
        key = _DATABASE_KEYS[engine] = engine.url.render_as_string()
    return key


def _limit(value: Any) -> float | None:
    """The stored plan's pain limit as a number (None when absent)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class _TodayStatements:
    episode: Executable
    start: Executable
    plan: Executable
    plan_data: Executable
    triage: Executable
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
        start=_start_statement(),
        plan=select(PlanVersionRow.id, PlanVersionRow.version, PlanVersionRow.created_at)
        .where(
            PlanVersionRow.episode_id == bindparam("episode_id"),
            PlanVersionRow.status == "signed",
        )
        .order_by(PlanVersionRow.version.desc())
        .limit(1),
        plan_data=select(PlanVersionRow.data).where(PlanVersionRow.id == bindparam("plan_id")),
        triage=select(IntakeRow.triage).where(IntakeRow.id == bindparam("intake_id")),
        done=(
            select(ExerciseLogRow.exercise_id, func.sum(ExerciseLogRow.sets_done))
            .where(
                ExerciseLogRow.patient_id == patient,
                ExerciseLogRow.performed_on == bindparam("day"),
            )
            .group_by(ExerciseLogRow.exercise_id)
        ),
        pain_today=(
            select(PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
            .where(PainLogRow.patient_id == patient, PainLogRow.logged_on == day)
            .order_by(PainLogRow.id.desc())
            .limit(1)
        ),
        history=pain_state.history_statement(),
    )


def _start_statement() -> Executable:
    """The newest episode with its latest intake (level) and newest signed plan version."""
    latest_intake, signed = episode_subqueries()
    return (
        select(
            EpisodeRow.id,
            EpisodeRow.referral,
            IntakeRow.id,
            IntakeRow.triage_level,
            IntakeRow.created_at,
            PlanVersionRow.id,
            PlanVersionRow.version,
            PlanVersionRow.created_at,
        )
        .select_from(EpisodeRow)
        .outerjoin(IntakeRow, IntakeRow.id == latest_intake)
        .outerjoin(PlanVersionRow, PlanVersionRow.id == signed)
        .where(EpisodeRow.patient_id == bindparam("patient_id"))
        .order_by(EpisodeRow.id.desc())
        .limit(1)
    )


def _exercise_json(library: ExerciseLibrary, exercise_id: str) -> dict[str, Any] | None:
    """The JSON form of a library exercise (built once per plan version: ``_plan_parts``)."""
    exercise = library.get(exercise_id)
    if exercise is None:
        return None
    details: dict[str, Any] = to_json(exercise)
    return details


def _plan_exercises(plan: PlanVersionRow | None) -> set[str]:
    if plan is None:
        return set()
    return {str(i["exercise_id"]) for i in plan_items(plan.data) if i.get("exercise_id")}


def _with_easier_levels(exercise_ids: set[str], library: ExerciseLibrary) -> set[str]:
    """``exercise_ids`` and each one's easier level in the library (its ``regression_id``):
    the patient may step back one level ("too painful", or a regress decision)."""
    easier = {getattr(library.get(e), "regression_id", None) for e in exercise_ids}
    return exercise_ids | {str(e) for e in easier if e and e in library}


def done_today(tx: Session, patient_id: int, day: date) -> dict[str, int]:
    """Sets logged on ``day`` per exercise id (the caller has authorized the read)."""
    rows = (
        tx.connection()
        .execute(_today_statements().done, {"patient_id": patient_id, "day": day})
        .all()
    )
    return {str(r[0]): int(r[1] or 0) for r in rows}


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
        _session_row(tx, patient_id, day, activity, same_session, values)
    _touch(patient, day)
    tx.flush()
    plan = signed_plan(tx, patient_id)
    decision = pain_state.pain_decision(tx, patient_id, plan, content.pain_monitoring)
    if plan is not None and decision is not None:
        kind = decision.decision.value
        key = {
            "regress": f"pain:regress:{day.isoformat()}",
            "clinician_review": f"pain:review:plan{plan.id}",
        }.get(kind)
        if key is not None:
            message = "Pain flare: " + "; ".join(decision.reasons)
            raise_alert(tx, patient_id, "pain_flare", key, message, day)
        elif kind == "progress":
            raise_alert(
                tx,
                patient_id,
                "ready_to_progress",
                f"pain:progress:plan{plan.id}",
                "Ready to progress: "
                + "; ".join(decision.reasons)
                + ". Sign a plan version with the next level to move the patient on.",
                day,
            )
    return decision


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
