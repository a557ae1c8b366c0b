"""The patient's day as the portal shows it: today's plan exercises with the sets logged,
the day's pain, the pain-monitoring decision (KB 5.5) and the safety gate's allowance.

Reads only; logging sets and pain is services/care/logs.py. The today page's reads take one
statement per need (the statements are built once, values bound per call).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from runnersknee.clinical.errors import NotFound
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize_record
from runnersknee.services.care import pain_state, patient_text
from runnersknee.services.care.intake import RED_FLAG_LEVELS, IntakeSummary
from runnersknee.services.care.logs import PAIN_FIELDS
from runnersknee.services.care.plan_parts import database_key, plan_parts
from runnersknee.services.care.safety_gate import Gate, episode_subqueries, gate_for
from runnersknee.store.tables import (
    EpisodeRow,
    ExerciseLogRow,
    IntakeRow,
    PainLogRow,
    PlanVersionRow,
)

__all__ = ["TodayItem", "TodayView", "done_today", "today", "today_with_intake"]


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
    key = (database_key(connection.engine), int(plan_id), signed_at.isoformat())
    parts = plan_parts(tx, key, content.exercises)
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
class _TodayStatements:
    episode: Executable
    start: Executable
    plan: Executable
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


def done_today(tx: Session, patient_id: int, day: date) -> dict[str, int]:
    """Sets logged on ``day`` per exercise id (the caller has authorized the read)."""
    rows = (
        tx.connection()
        .execute(_today_statements().done, {"patient_id": patient_id, "day": day})
        .all()
    )
    return {str(r[0]): int(r[1] or 0) for r in rows}
