"""Settings: built once at an entry point (CLI command, app factory) and passed down.

Nothing here runs at import time; read values from the environment with ``Settings()``
(variables are prefixed ``RUNNERSKNEE_``, e.g. ``RUNNERSKNEE_DATABASE_URL``).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


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
    secret_key: str = Field(default="dev-only-change-me", description="Signs session cookies.")
    environment: str = Field(default="development", description="development or production.")
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)
    max_activity_file_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    max_video_seconds: float = Field(default=15 * 60, gt=0)
    worker_threads: int = Field(default=1, ge=1, le=8)
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

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies get the Secure flag and the ``__Host-`` prefix."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment != "development"

    def check_production_safety(self) -> None:
        """Refuse the development secret outside development."""
        if self.environment != "development" and self.secret_key == "dev-only-change-me":
            msg = "RUNNERSKNEE_SECRET_KEY must be set outside development"
            raise ValueError(msg)
