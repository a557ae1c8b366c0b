"""The pain-monitoring state of a patient: the core's decision over the pain logged since the
newest signed plan (KB 5.5). Shared by the today page and the safety gate.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date, timedelta
from functools import cache, lru_cache

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from runnersknee.clinical.pain_monitoring import (
    PainAssessment,
    PainMonitoringConfig,
    SessionPain,
    decide_progression,
)
from runnersknee.store.tables import MorningPainBaselineRow, PainLogRow, PlanVersionRow

__all__ = [
    "HISTORY",
    "baselines",
    "decide",
    "decision_since",
    "history_statement",
    "pain_decision",
]

#: Pain sessions the pain-monitoring decision looks back over (newest first).
HISTORY = 60


@cache
def history_statement() -> Executable:
    """Pain rows since a plan's sign-off, newest first (at most ``HISTORY`` of them)."""
    return (
        select(PainLogRow.logged_on, PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
        .where(
            PainLogRow.patient_id == bindparam("patient_id"),
            PainLogRow.logged_on >= bindparam("since"),
        )
        .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
        .limit(HISTORY)
    )


def pain_decision(
    tx: Session,
    patient_id: int,
    plan: PlanVersionRow | None,
    config: PainMonitoringConfig,
) -> PainAssessment | None:
    """The core's progress/hold/regress/review decision over sessions since the plan's sign-off."""
    if plan is None:
        return None
    return decision_since(tx, patient_id, plan.created_at.date(), config)


def decision_since(
    tx: Session, patient_id: int, since: date, config: PainMonitoringConfig
) -> PainAssessment | None:
    """The decision over the pain logged on or after ``since`` (a plan's sign-off day)."""
    rows = tx.connection().execute(history_statement(), {"patient_id": patient_id, "since": since})
    history = tuple(tuple(r) for r in reversed(rows.all()))
    return decide(history, baselines(tx, patient_id), config)


_PainRow = tuple[date, int | None, int | None, int | None]
_Baseline = tuple[date, int]


def baselines(tx: Session, patient_id: int) -> tuple[_Baseline, ...]:
    """The patient's recorded usual morning pain (day, NPRS), oldest first."""
    found = tx.connection().execute(_baselines_statement(), {"patient_id": patient_id})
    return tuple((day, int(nprs)) for day, nprs in found.all())


@cache
def _baselines_statement() -> Executable:
    return (
        select(MorningPainBaselineRow.recorded_on, MorningPainBaselineRow.nprs)
        .where(MorningPainBaselineRow.patient_id == bindparam("patient_id"))
        .order_by(MorningPainBaselineRow.recorded_on, MorningPainBaselineRow.id)
    )


def decide(
    rows: tuple[_PainRow, ...], known: tuple[_Baseline, ...], config: PainMonitoringConfig
) -> PainAssessment | None:
    """The decision over ``rows`` (oldest first) with the recorded morning baselines
    ``known`` (each session is judged against the latest baseline up to its next morning)
    and the deployment's pain limits ``config``: the core's frozen decision, memoized.

    The core is pure and deterministic, so the result depends on the rows' values and the
    (frozen) configuration only: an unchanged history (the common case: a page reload) is
    decided once. Keying on the values, not on the newest row id, also covers the update of an
    earlier row's ``next_morning``.
    """
    if not rows:
        return None
    return _decided(rows, known, config)


def _baseline_on(known: tuple[_Baseline, ...], morning: date) -> float | None:
    """The latest baseline recorded on or before ``morning`` (None when there is none)."""
    index = bisect_right([day for day, _ in known], morning)
    return float(known[index - 1][1]) if index else None


@lru_cache(maxsize=2048)
def _decided(
    rows: tuple[_PainRow, ...], known: tuple[_Baseline, ...], config: PainMonitoringConfig
) -> PainAssessment:
    history = [
        SessionPain(
            day=day,
            during_nprs=None if during is None else float(during),
            after_nprs=None if after is None else float(after),
            next_morning_nprs=None if morning is None else float(morning),
            baseline_morning_nprs=_baseline_on(known, day + timedelta(days=1)),
        )
        for day, during, after, morning in rows
    ]
    return decide_progression(history, config)
