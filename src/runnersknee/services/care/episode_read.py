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
    Table,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.store.mapping import JSONObject
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
    referral: JSONObject | None
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


def _episode_subqueries(episode: Any) -> tuple[Any, Any]:
    """Correlated to ``episode``: its latest intake's id and its newest signed plan's id."""
    intakes, plans = _table(IntakeRow).alias(), _table(PlanVersionRow).alias()
    latest_intake = (
        select(func.max(intakes.c.id))
        .where(intakes.c.episode_id == episode.c.id)
        .correlate(episode)
        .scalar_subquery()
    )
    signed = (
        select(plans.c.id)
        .where(plans.c.episode_id == episode.c.id, plans.c.status == "signed")
        .order_by(plans.c.version.desc())
        .limit(1)
        .correlate(episode)
        .scalar_subquery()
    )
    return latest_intake, signed


def _baseline_subqueries(episode: Any) -> tuple[Any, Any]:
    """Correlated to ``episode``: the patient's baseline count and latest baseline's id."""
    baselines = _table(MorningPainBaselineRow).alias()
    count = (
        select(func.count(baselines.c.id))
        .where(baselines.c.patient_id == episode.c.patient_id)
        .correlate(episode)
        .scalar_subquery()
    )
    latest = (
        select(baselines.c.id)
        .where(baselines.c.patient_id == episode.c.patient_id)
        .order_by(baselines.c.recorded_on.desc(), baselines.c.id.desc())
        .limit(1)
        .correlate(episode)
        .scalar_subquery()
    )
    return count, latest


def _table(row: Any) -> Table:
    """The Core table of a mapped row class."""
    table: Table = row.__table__
    return table


@cache
def _statement() -> Executable:
    """The read, built once (the patient id is bound per call).

    Built on the Core tables, not the mapped classes: the statement's cache key, hashed at
    every execution to find the compiled form, is then about half the size.
    """
    episode, patient, clinic = _table(EpisodeRow), _table(PatientRow), _table(ClinicRow)
    intake, plan, alert = _table(IntakeRow), _table(PlanVersionRow), _table(AlertRow)
    baseline = _table(MorningPainBaselineRow)
    latest_intake, signed = _episode_subqueries(episode)
    baseline_count, latest_baseline = _baseline_subqueries(episode)
    open_review = (
        select(alert.c.id)
        .where(
            alert.c.patient_id == episode.c.patient_id,
            alert.c.kind == "pain_flare",
            alert.c.resolved_at.is_(None),
            alert.c.key.like(_constant(REVIEW_KEYS[0]))
            | alert.c.key.like(_constant(REVIEW_KEYS[1])),
        )
        .correlate(episode)
        .exists()
    )
    return (
        select(
            episode.c.id,
            episode.c.referral,
            intake.c.id,
            intake.c.triage_level,
            intake.c.created_at,
            plan.c.id,
            plan.c.version,
            plan.c.created_at,
            open_review,
            clinic.c.name,
            clinic.c.phone,
            baseline_count,
            baseline.c.recorded_on,
            baseline.c.nprs,
        )
        .select_from(episode)
        .join(patient, patient.c.id == episode.c.patient_id)
        .join(clinic, clinic.c.id == patient.c.clinic_id)
        .outerjoin(intake, intake.c.id == latest_intake)
        .outerjoin(plan, plan.c.id == signed)
        .outerjoin(baseline, baseline.c.id == latest_baseline)
        .where(episode.c.patient_id == bindparam("patient_id"))
        .order_by(episode.c.id.desc())
        .limit(1)
    )
