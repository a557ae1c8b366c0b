"""SQLAlchemy 2 table rows. Row classes are storage only: services map them to core types.

Clinical payloads (the intake Case, triage results, assessments, plans) are stored as JSON
columns holding the core dataclasses' dict form; :mod:`runnersknee.store.mapping` converts.
Every timestamp is stored and returned as an aware UTC ``datetime``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "AlertRow",
    "AssessmentRow",
    "AuditRow",
    "AuthSessionRow",
    "Base",
    "ClinicRow",
    "EpisodeRow",
    "ExerciseLogRow",
    "IntakeDraftRow",
    "IntakeRow",
    "JobRow",
    "MorningPainBaselineRow",
    "PainLogRow",
    "PasswordResetRow",
    "PatientRow",
    "PlanSuggestionRow",
    "PlanVersionRow",
    "QuestionnaireRow",
    "RateLimitHitRow",
    "RunRow",
    "UTCDateTime",
    "UserRow",
    "utcnow",
]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        if value.tzinfo is None:
            msg = "naive datetime given to a UTC column"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        del dialect
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with a stable constraint naming convention (for migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSONType,
        datetime: UTCDateTime(),
    }


class ClinicRow(Base):
    """A clinic: the tenant boundary for clinicians and patients."""

    __tablename__ = "clinic"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: How patients reach the clinic; shown with every stop or hold message.
    phone: Mapped[str | None] = mapped_column(String(40), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Clinicians and admins of this clinic must use a second factor (TOTP).
    mfa_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: IANA time zone (e.g. ``Europe/London``): the patients' "today" and the times shown in
    #: the portal; None means the deployment default (``Settings.clinic_time_zone``).
    time_zone: Mapped[str | None] = mapped_column(String(64), default=None)


class UserRow(Base):
    """A login: clinician, patient or admin. Passwords are argon2id hashes only."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The admin who created the login; ``pending`` until a second admin approves it.
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: TOTP second factor (base32 secret) and the SHA-256 hashes of unused recovery codes.
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    recovery_codes: Mapped[list[str] | None] = mapped_column(JSONType, default=None)


class AuthSessionRow(Base):
    """A server-side session; the cookie carries a random token whose SHA-256 is the key."""

    __tablename__ = "auth_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class PasswordResetRow(Base):
    """A one-time password-reset token (the id is the SHA-256 of the token handed out)."""

    __tablename__ = "password_reset"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    #: ``reset`` (a forgotten password) or ``invite`` (a new login sets its first password).
    purpose: Mapped[str] = mapped_column(String(10), default="reset", server_default="reset")
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class RateLimitHitRow(Base):
    """One counted attempt of a rate-limit bucket (the bucket is a SHA-256 of its key)."""

    __tablename__ = "rate_limit_hit"
    __table_args__ = (Index("ix_rate_limit_hit_bucket_at", "bucket", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


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


class AuditRow(Base):
    """Append-only audit entry: who did what to which record, when, allowed or denied."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_patient_at", "patient_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(40), default=None)
    patient_id: Mapped[int | None] = mapped_column(Integer, default=None)
    outcome: Mapped[str] = mapped_column(String(10), default="allowed")
    #: The hash chain (store/audit_chain.py): the previous row's hash and this row's.
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    row_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class JobRow(Base):
    """A background job (video analysis, bulk import): queued → running → done | failed.

    ``params`` and ``result`` are JSON; ``attempts`` counts starts (a job left running by a
    crash is re-queued once, then failed with a reason).
    """

    __tablename__ = "job"
    __table_args__ = (Index("ix_job_status_id", "status", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str | None] = mapped_column(String(80), default=None)
    params: Mapped[dict[str, Any]] = mapped_column()
    result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Who runs it now (``host:pid:random``) and when that worker last said it is alive.
    worker_id: Mapped[str | None] = mapped_column(String(80), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)


class ExerciseMediaRow(Base):
    """A clinic's own photo or short video of a library exercise (shown to the clinic's
    patients instead of the drawing). The file lives in the private storage (``key``)."""

    __tablename__ = "exercise_media"
    __table_args__ = (UniqueConstraint("clinic_id", "exercise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinic.id"), index=True)
    exercise_id: Mapped[str] = mapped_column(String(80))
    #: ``photo`` or ``video``.
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(300))
    alt_text: Mapped[str] = mapped_column(String(300))
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
