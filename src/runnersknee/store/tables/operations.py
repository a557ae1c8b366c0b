"""The audit log, background jobs and exercise media."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
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

__all__ = ["AuditRow", "ExerciseMediaRow", "JobRow"]


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
