"""The patient's current episode of care in one statement, shared by the today view and the
safety gate.

One read gives the newest episode with its referral decision, its latest intake (id, triage
level, time), its newest signed plan version (id, version, sign-off time), whether a
pain-monitoring review alert is open, the clinic's contact and the patient's recorded usual
morning pain (how many, and the latest), so a today-page view reads the record once for
both (services/care/today_view.py, services/care/safety_gate.py). Callers have authorized
the read of the patient's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    String,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session, aliased

from runnersknee.clinical.errors import NotFound
from runnersknee.store.tables import (
    AlertRow,
    ClinicRow,
    EpisodeRow,
    IntakeRow,
    MorningPainBaselineRow,
    PatientRow,
    PlanVersionRow,
)

__all__ = ["REVIEW_KEYS", "EpisodeRead", "read_episode"]

#: Alert keys of the pain-monitoring reviews
#: (services/care/logs.py, services/running/pain_after_runs.py).
REVIEW_KEYS = ("pain:review:%", "run_pain:review:%")


@dataclass(frozen=True, slots=True)
class EpisodeRead:
    """The current episode's facts for the today page and the safety gate."""

    patient_id: int
    episode_id: int
    #: The clinician's referral decision (``{"decision": ..., "intake_id": ...}``) or None.
    referral: dict[str, Any] | None
    intake_id: int | None
    triage_level: str | None
    intake_at: datetime | None
    plan_id: int | None
    plan_version: int | None
    #: When the newest signed plan version was signed (None: no signed plan).
    signed_at: datetime | None
    #: A pain-monitoring review alert (exercise or run pain) is open.
    open_review: bool
    clinic_name: str
    clinic_phone: str | None
    #: How many usual-morning-pain baselines are recorded, and the latest (day, NPRS).
    baseline_count: int
    latest_baseline: tuple[date, int] | None

    @property
    def plan(self) -> tuple[int, int, datetime] | None:
        """The newest signed plan version as ``(row id, version, signed at)``."""
        if self.plan_id is None or self.plan_version is None or self.signed_at is None:
            return None
        return self.plan_id, self.plan_version, self.signed_at


def read_episode(tx: Session, patient_id: int) -> EpisodeRead:
    """The current (newest) episode of ``patient_id`` (NotFound when there is none)."""
    row = tx.connection().execute(_statement(), {"patient_id": patient_id}).first()
    if row is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    baseline = None if row[12] is None else (row[12], int(row[13]))
    return EpisodeRead(
        patient_id,
        int(row[0]),
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        bool(row[8]),
        str(row[9]),
        row[10],
        int(row[11] or 0),
        baseline,
    )


def _constant(value: str) -> ColumnElement[str]:
    """``value`` written into the SQL text, not bound.

    SQLite's LIKE optimization plans with the pattern's value, so a statement whose LIKE
    pattern is a bound parameter is prepared again at every execution (about 0.15 ms for
    this statement, the costliest part of a today-page view); a constant pattern is
    prepared once per connection. The patterns are this module's constants.
    """
    return literal_column("'" + value.replace("'", "''") + "'", String)


def _episode_subqueries() -> tuple[Any, Any]:
    """Correlated to ``EpisodeRow``: its latest intake's id and its newest signed plan's id."""
    intakes, plans = aliased(IntakeRow), aliased(PlanVersionRow)
    latest_intake = (
        select(func.max(intakes.id))
        .where(intakes.episode_id == EpisodeRow.id)
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    signed = (
        select(plans.id)
        .where(plans.episode_id == EpisodeRow.id, plans.status == "signed")
        .order_by(plans.version.desc())
        .limit(1)
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    return latest_intake, signed


def _baseline_subqueries() -> tuple[Any, Any]:
    """Correlated to ``EpisodeRow``: the patient's baseline count and latest baseline's id."""
    baselines = aliased(MorningPainBaselineRow)
    count = (
        select(func.count(baselines.id))
        .where(baselines.patient_id == EpisodeRow.patient_id)
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    latest = (
        select(baselines.id)
        .where(baselines.patient_id == EpisodeRow.patient_id)
        .order_by(baselines.recorded_on.desc(), baselines.id.desc())
        .limit(1)
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    return count, latest


@cache
def _statement() -> Executable:
    """The read, built once (the patient id is bound per call)."""
    latest_intake, signed = _episode_subqueries()
    baseline_count, latest_baseline = _baseline_subqueries()
    open_review = (
        select(AlertRow.id)
        .where(
            AlertRow.patient_id == EpisodeRow.patient_id,
            AlertRow.kind == "pain_flare",
            AlertRow.resolved_at.is_(None),
            AlertRow.key.like(_constant(REVIEW_KEYS[0]))
            | AlertRow.key.like(_constant(REVIEW_KEYS[1])),
        )
        .correlate(EpisodeRow)
        .exists()
    )
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
            open_review,
            ClinicRow.name,
            ClinicRow.phone,
            baseline_count,
            MorningPainBaselineRow.recorded_on,
            MorningPainBaselineRow.nprs,
        )
        .select_from(EpisodeRow)
        .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
        .join(ClinicRow, ClinicRow.id == PatientRow.clinic_id)
        .outerjoin(IntakeRow, IntakeRow.id == latest_intake)
        .outerjoin(PlanVersionRow, PlanVersionRow.id == signed)
        .outerjoin(MorningPainBaselineRow, MorningPainBaselineRow.id == latest_baseline)
        .where(EpisodeRow.patient_id == bindparam("patient_id"))
        .order_by(EpisodeRow.id.desc())
        .limit(1)
    )
