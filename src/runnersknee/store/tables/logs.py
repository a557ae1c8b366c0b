"""What patients log and what the record derives from it: exercise and pain logs, the
morning pain baseline, runs and alerts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from runnersknee.store.tables.base import Base, utcnow

__all__ = ["AlertRow", "ExerciseLogRow", "MorningPainBaselineRow", "PainLogRow", "RunRow"]


class ExerciseLogRow(Base):
    """Sets and reps a patient did of one plan exercise on one day."""

    __tablename__ = "exercise_log"
    __table_args__ = (Index("ix_exercise_log_patient_day", "patient_id", "performed_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"))
    exercise_id: Mapped[str] = mapped_column(String(80))
    performed_on: Mapped[date] = mapped_column(Date)
    sets_done: Mapped[int] = mapped_column(Integer)
    reps_done: Mapped[int | None] = mapped_column(Integer, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PainLogRow(Base):
    """A 0–10 pain rating (NPRS) during, after, or the morning after exercise or running."""

    __tablename__ = "pain_log"
    #: Covers the pain history the start page reads (patient, newest day first), so that it
    #: is answered from the index alone (migration 0003).
    __table_args__ = (
        Index(
            "ix_pain_log_patient_history",
            "patient_id",
            "logged_on",
            "id",
            "during",
            "after",
            "next_morning",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    logged_on: Mapped[date] = mapped_column(Date)
    during: Mapped[int | None] = mapped_column(Integer, default=None)
    after: Mapped[int | None] = mapped_column(Integer, default=None)
    next_morning: Mapped[int | None] = mapped_column(Integer, default=None)
    activity: Mapped[str] = mapped_column(String(20), default="exercise")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MorningPainBaselineRow(Base):
    """The patient's usual morning knee pain (NPRS 0-10) before running again.

    Next-morning pain after a run is judged against the latest baseline recorded on or
    before that morning; without one it is never compared with 0/10 (migration 0004).
    """

    __tablename__ = "morning_pain_baseline"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    nprs: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RunRow(Base):
    """One run (imported from FIT/TCX/GPX or entered by hand)."""

    __tablename__ = "run"
    __table_args__ = (Index("ix_run_patient_day", "patient_id", "run_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    run_on: Mapped[date] = mapped_column(Date)
    distance_m: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[float] = mapped_column(Float)
    cadence_spm: Mapped[float | None] = mapped_column(Float, default=None)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    data: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertRow(Base):
    """Something a clinician should look at; ``key`` makes raising an alert idempotent."""

    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("patient_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    #: What the clinician did about it (given when marking it handled).
    resolved_note: Mapped[str | None] = mapped_column(String(500), default=None)
    #: The day the event happened (a log, a run, the day inactivity began); None: when raised.
    occurred_on: Mapped[date | None] = mapped_column(Date, default=None)
