"""Settings: built once at an entry point (CLI command, app factory) and passed down.

Nothing here runs at import time; read values from the environment with ``Settings()``
(variables are prefixed ``RUNNERSKNEE_``, e.g. ``RUNNERSKNEE_DATABASE_URL``).
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from runnersknee.clinical.errors import InvalidInput

__all__ = ["Settings"]

#: Shortest secret key accepted outside development.
_MIN_SECRET = 32


@lru_cache(maxsize=64)
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/London``); a clear error for an unknown name."""
    try:
        if not name or name != name.strip() or ".." in name:
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        msg = f"unknown time zone {name!r}: use an IANA name such as Europe/London or UTC"
        raise InvalidInput(msg, field="time_zone", got=name[:64]) from error


class Settings(BaseSettings):
    """Deployment settings. Clinical thresholds live in content files, not here."""

    model_config = SettingsConfigDict(env_prefix="RUNNERSKNEE_", frozen=True, extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/runnersknee.db",
        description="SQLAlchemy URL; SQLite by default, PostgreSQL via postgresql+psycopg://...",
    )
    data_dir: Path = Field(default=Path("var"), description="Uploads, job outputs, SQLite file.")
    content_overrides: Path | None = Field(
        default=None,
        description="A TOML file overriding configurable clinical defaults (unverified values).",
    )
    secret_key: str = Field(
        default="",
        description="Signs the login form's CSRF cookie and MFA enrolment; required outside "
        "development (in development a random per-install key is kept in data_dir).",
    )
    environment: str = Field(default="development", description="development or production.")
    clinic_time_zone: str = Field(
        default="UTC",
        description="IANA time zone of a clinic that has none set (e.g. Europe/London): the "
        "patient's 'today' and the times shown in the portal.",
    )
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    max_json_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest JSON or form body (uploads apart)."
    )
    max_zip_members: int = Field(
        default=5000, ge=1, description="Most entries a zip upload may hold."
    )
    max_zip_unpacked_bytes: int = Field(
        default=1024 * 1024 * 1024, ge=1024, description="Largest total unpacked size of a zip."
    )
    max_activity_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_video_seconds: float = Field(default=15 * 60, gt=0)
    worker_threads: int = Field(default=1, ge=1, le=8)
    job_stale_after_s: float = Field(
        default=60.0,
        ge=2.0,
        le=3600.0,
        description="A running job whose worker sent no heartbeat for this long is retried.",
    )
    in_process_worker: bool | None = Field(
        default=None,
        description="Run jobs inside the web process; default: on for SQLite, off for "
        "PostgreSQL (run `runnersknee worker` processes there).",
    )
    storage_root: Path | None = Field(
        default=None,
        description="Where uploads and job outputs are stored (a shared path when several "
        "machines run workers); default: data_dir.",
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, le=24 * 7, description="Sessions end this long after login."
    )
    cookie_secure: bool | None = Field(
        default=None,
        description="Secure, __Host- session cookie; default: on outside development.",
    )
    login_max_failures: int = Field(
        default=10, ge=3, le=100, description="Failed logins before a temporary lock-out."
    )
    login_lock_minutes: int = Field(default=15, ge=1, le=24 * 60)
    login_rate_per_account: int = Field(
        default=5, ge=1, le=1000, description="Login attempts per minute per account."
    )
    login_rate_per_address: int = Field(
        default=20, ge=1, le=10000, description="Login attempts per minute per client address."
    )
    smtp_host: str = Field(
        default="",
        description="SMTP server for invitation and reset links; empty: no mail, "
        "the link is shown once to the clinician or admin who made it.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_sender: str = Field(default="", description="From address of the links' e-mails.")
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True
    public_url: str = Field(
        default="",
        description="The address patients open (e.g. https://clinic.example); links in e-mails "
        "start with it. Default: the address of the request.",
    )
    hash_concurrency: int = Field(
        default=2, ge=1, le=64, description="Password hashes computed at once (64 MiB each)."
    )
    inactivity_alert_days: int = Field(
        default=7, ge=1, le=60, description="Days without any log before an alert is raised."
    )
    record_retention_days: int | None = Field(
        default=None,
        ge=0,
        le=100 * 366,
        description="Legal retention period of a patient record after its last entry; erasure "
        "is refused before it ends, and refused while it is not set (docs/reports.md).",
    )
    raw_video_retention_days: int | None = Field(
        default=None,
        ge=0,
        le=100 * 366,
        description="Delete raw and annotated videos this many days after upload; the metrics "
        "stay (`runnersknee retention apply`). Unset: videos are kept.",
    )

    @field_validator("clinic_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone_named(value)
        return value

    @property
    def job_heartbeat_s(self) -> float:
        """How often a worker marks its jobs alive (a sixth of the stale limit)."""
        return self.job_stale_after_s / 6

    @property
    def runs_in_process_worker(self) -> bool:
        """Whether the web process runs jobs itself (the embedded SQLite default)."""
        if self.in_process_worker is not None:
            return self.in_process_worker
        return not self.database_url.startswith("postgresql")

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies get the Secure flag and the ``__Host-`` prefix."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment != "development"

    def check_production_safety(self) -> None:
        """Refuse a missing or short secret outside development."""
        from runnersknee.clinical.errors import InvalidInput

        if self.environment != "development" and len(self.secret_key) < _MIN_SECRET:
            msg = (
                f"RUNNERSKNEE_SECRET_KEY must be set outside development (at least "
                f"{_MIN_SECRET} characters, e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')"
            )
            raise InvalidInput(msg, field="RUNNERSKNEE_SECRET_KEY")

    def signing_key(self) -> str:
        """``secret_key``; in development without one, a random key made once per install
        and kept (owner-only) in ``data_dir/secret-key``, never a value published anywhere."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret-key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                return path.read_text(encoding="ascii").strip()
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(48))
        return path.read_text(encoding="ascii").strip()
