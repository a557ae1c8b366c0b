"""The patient's day as the portal shows it: today's plan exercises with the sets logged,
the day's pain, the pain-monitoring decision (KB 5.5) and the safety gate's allowance.

Reads only; logging sets and pain is services/care/logs.py. The today page's reads take one
statement per need (the statements are built once, values bound per call).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter

from runnersknee.clinical.exercises import Exercise
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize_record
from runnersknee.services.care import pain_state, patient_text
from runnersknee.services.care.episode_read import EpisodeRead, read_episode
from runnersknee.services.care.intake import RED_FLAG_LEVELS, IntakeSummary
from runnersknee.services.care.logs import PAIN_FIELDS
from runnersknee.services.care.plan_document import PlanItemDoc
from runnersknee.services.care.plan_parts import database_key, plan_parts
from runnersknee.services.care.safety_gate import Gate, gate_for
from runnersknee.store.mapping import JSONObject, to_json
from runnersknee.store.tables import ExerciseLogRow, IntakeRow, PainLogRow

__all__ = ["TodayItem", "TodayView", "today", "today_with_intake"]


@dataclass(frozen=True, slots=True)
class TodayItem:
    """One plan item for today with the library details and what was logged."""

    item: PlanItemDoc
    #: The library exercise (None when the library no longer has it).
    exercise: Exercise | None
    sets_done_today: int

    def to_json(self) -> JSONObject:
        """The JSON form the API gives: the stored item, the library exercise, today's sets."""
        exercise = None if self.exercise is None else to_json(self.exercise)
        return {
            "item": self.item.to_json(),
            "exercise": exercise,
            "sets_done_today": self.sets_done_today,
        }


@dataclass(frozen=True, slots=True)
class TodayView:
    """The portal's start page."""

    plan_version: int | None
    items: tuple[TodayItem, ...]
    advice: tuple[PlanItemDoc, ...]
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
    #: Sets logged today per exercise id, plan items or not (an easier level after a
    #: regress decision is not a plan item); empty without a signed plan.
    sets_today: Mapping[str, int] = dataclasses.field(default_factory=dict)

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
    record = read_episode(tx, patient_id)
    return _gated(tx, record, _view(tx, record, day, content), content)


def today_with_intake(
    tx: Session, actor: Actor, patient_id: int, day: date, *, content: ClinicalContent
) -> tuple[TodayView, IntakeSummary | None]:
    """The portal's start page in one audited read: :func:`today` and the latest intake.

    The current episode, its latest intake's level and its newest signed plan version come
    from the read the safety gate shares (services/care/episode_read.py); the intake's
    triage is read only when it blocks the plan, and its answers not at all.
    """
    authorize_record(tx, actor, "patient.read", patient_id)
    record = read_episode(tx, patient_id)
    intake = None
    if record.intake_id is not None and record.intake_at is not None:
        triage = None
        if record.triage_level in RED_FLAG_LEVELS:
            found = tx.connection().execute(_statements().triage, {"intake_id": record.intake_id})
            triage = found.scalar()
        level, referral = record.triage_level, record.referral
        intake = IntakeSummary(record.intake_id, level, record.intake_at, referral, triage)
    return _gated(tx, record, _view(tx, record, day, content), content), intake


def _gated(
    tx: Session, record: EpisodeRead, view: TodayView, content: ClinicalContent
) -> TodayView:
    """``view`` with the safety gate's decision; without plan items when it allows none.

    The gate decides from the same episode read, with the view's pain decision (over the
    same signed plan's history), the plan's phase and its running hold.
    """
    patient_id = record.patient_id
    if view.plan_key is None:
        gate = gate_for(tx, patient_id, content, record=record)
    else:
        gate = gate_for(
            tx,
            patient_id,
            content,
            record=record,
            pain=view.decision,
            phase=view.phase,
            held=view.running_held,
        )
    if gate.allowance.exercises:
        return dataclasses.replace(view, gate=gate)
    blocked = TodayView(None, (), (), view.pain_today, None, None, gate=gate)
    return dataclasses.replace(blocked, sets_today=view.sets_today)


def _view(tx: Session, record: EpisodeRead, day: date, content: ClinicalContent) -> TodayView:
    """The view over the episode's newest signed plan version (empty without one)."""
    plan = record.plan
    if plan is None:
        return TodayView(None, (), (), None, None, None)
    statements = _statements()
    connection = tx.connection()
    plan_id, version, signed_at = plan
    key = (database_key(connection.engine), plan_id, signed_at.isoformat())
    parts = plan_parts(tx, key, content.exercises)
    where = {"patient_id": record.patient_id, "day": day}
    found = connection.execute(statements.done, where).all()
    sets_today = {str(r[0]): int(r[1] or 0) for r in found}
    items = tuple(
        TodayItem(item, details, sets_today.get(str(item.exercise_id), 0))
        for item, details in parts.exercises
    )
    since = signed_at.date()
    history = connection.execute(
        statements.history, {"patient_id": record.patient_id, "since": since}
    )
    rows = tuple(map(tuple, history.all()))  # one fetchall, not a fetchone per row
    pain = _pain_of_day(tx, rows, record.patient_id, day, since)
    return TodayView(
        version,
        items,
        parts.advice,
        None if pain is None else dict(zip(PAIN_FIELDS, pain, strict=True)),
        pain_state.decide(
            tuple(reversed(rows)), _baselines(tx, record, rows), content.pain_monitoring
        ),
        parts.phase,
        parts.pain_limit_nprs,
        key,
        running_held=parts.running_held,
        sets_today=sets_today,
    )


def _baselines(
    tx: Session, record: EpisodeRead, rows: tuple[tuple[Any, ...], ...]
) -> tuple[tuple[date, int], ...]:
    """The recorded usual morning pain the decision needs (day, NPRS; oldest first).

    A baseline is compared with next-morning ratings only, so without one in ``rows`` none
    is needed; a single recorded baseline came with the episode read; otherwise they are
    read.
    """
    if record.baseline_count == 0 or all(row[3] is None for row in rows):
        return ()
    if record.baseline_count == 1 and record.latest_baseline is not None:
        return (record.latest_baseline,)
    return pain_state.baselines(tx, record.patient_id)


def _pain_of_day(
    tx: Session, rows: tuple[tuple[Any, ...], ...], patient_id: int, day: date, since: date
) -> tuple[int | None, ...] | None:
    """The day's newest pain ratings, read from the history rows when they hold the answer.

    ``rows`` (since the plan's sign-off, newest first, same order as the day's own query)
    contain the day's newest row when it exists and falls on or after ``since``; only when
    they cannot tell (a day before the sign-off, or a full history of later days) is the day
    queried by itself.
    """
    for row in rows:
        if row[0] == day:
            return tuple(row[1:])
        if row[0] < day:
            return None
    if day >= since and len(rows) < pain_state.HISTORY:
        return None
    where = {"patient_id": patient_id, "day": day}
    found = tx.connection().execute(_statements().pain_today, where).first()
    return None if found is None else tuple(found)


@dataclass(frozen=True, slots=True)
class _Statements:
    triage: Executable
    done: Executable
    pain_today: Executable
    history: Executable


@cache
def _statements() -> _Statements:
    """The today page's own statements, built once (values are bound per call)."""
    patient: BindParameter[int] = bindparam("patient_id")
    day: BindParameter[date] = bindparam("day")
    return _Statements(
        triage=select(IntakeRow.triage).where(IntakeRow.id == bindparam("intake_id")),
        done=(
            select(ExerciseLogRow.exercise_id, func.sum(ExerciseLogRow.sets_done))
            .where(ExerciseLogRow.patient_id == patient, ExerciseLogRow.performed_on == day)
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
