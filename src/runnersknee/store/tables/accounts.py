"""Clinics, users, sign-in sessions, password resets and rate-limit hits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from runnersknee.store.tables.base import Base, JSONType, utcnow

__all__ = ["AuthSessionRow", "ClinicRow", "PasswordResetRow", "RateLimitHitRow", "UserRow"]


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
