"""Patients, episodes of care, intakes, questionnaires, assessments, plan versions and
suggestion decisions."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from runnersknee.store.tables.base import Base, utcnow

__all__ = [
    "AssessmentRow",
    "EpisodeRow",
    "IntakeDraftRow",
    "IntakeRow",
    "PatientRow",
    "PlanSuggestionRow",
    "PlanVersionRow",
    "QuestionnaireRow",
]


class PatientRow(Base):
    """A patient of a clinic, optionally linked to a portal login."""

    __tablename__ = "patient"
    __table_args__ = (
        Index("ix_patient_clinic_name", "clinic_id", "display_name"),
        #: The roster's list of reviews due (migration 0008).
        Index("ix_patient_clinic_review", "clinic_id", "next_review_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    clinician_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    display_name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="intake")
    last_log_on: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: How the clinic reaches the patient (a red flag: call them now).
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    #: When the clinician plans to see the patient again (the roster's due list).
    next_review_on: Mapped[date | None] = mapped_column(Date, default=None)


class EpisodeRow(Base):
    """One episode of care (one knee problem, from intake to discharge)."""

    __tablename__ = "episode"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    triage_level: Mapped[str | None] = mapped_column(String(20), default=None)
    referral: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The discharge: day, clinician, summary and the criteria as judged then.
    discharge: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class IntakeRow(Base):
    """An intake submission (a Case in dict form) and the triage computed from it."""

    __tablename__ = "intake"
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    case_data: Mapped[dict[str, Any]] = mapped_column()
    triage: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    triage_level: Mapped[str | None] = mapped_column(String(20), default=None)
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntakeDraftRow(Base):
    """The patient's unsent intake answers (one draft per episode), saved at every step."""

    __tablename__ = "intake_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), unique=True)
    #: Question name -> answer text (or list of texts for multiple choice), as typed.
    answers: Mapped[dict[str, Any]] = mapped_column()
    #: The step to show next.
    step: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuestionnaireRow(Base):
    """One administration of a questionnaire, with its score."""

    __tablename__ = "questionnaire"
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    instrument: Mapped[str] = mapped_column(String(40))
    answers: Mapped[dict[str, Any]] = mapped_column()
    score: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    total: Mapped[float | None] = mapped_column(Float, default=None)
    administered_on: Mapped[date] = mapped_column(Date)
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AssessmentRow(Base):
    """A clinician's assessment (left/right tests) in dict form."""

    __tablename__ = "assessment"
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column()
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanVersionRow(Base):
    """One version of a plan. Every edit and every sign-off adds a row; none is changed."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("episode_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(20))
    change: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanSuggestionRow(Base):
    """A clinician's decision on a plan-change suggestion: accepted into a draft version, or
    dismissed with a reason. Suggestions are computed (clinical/suggestions.py); only the
    decisions are kept, so a decided suggestion with the same evidence ``key`` stays decided."""

    __tablename__ = "plan_suggestion"
    __table_args__ = (UniqueConstraint("patient_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episode.id"))
    rule: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(160))
    #: accepted | dismissed
    status: Mapped[str] = mapped_column(String(20))
    #: The suggestion as shown: what it proposed and why (kept with the decision).
    title: Mapped[str] = mapped_column(String(300))
    evidence: Mapped[str] = mapped_column(String(1000))
    #: The clinician's reason (required when dismissing).
    note: Mapped[str | None] = mapped_column(String(1000), default=None)
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"), default=None)
    decided_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
