"""Settings are read from RUNNERSKNEE_* variables only when built, and fail fast when unsafe."""

from __future__ import annotations

import pytest

from runnersknee.config import Settings


def test_environment_variables_are_read_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", "postgresql+psycopg://127.0.0.1/test")
    assert Settings().database_url == "postgresql+psycopg://127.0.0.1/test"


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError, match="session_idle_minutes"):
        Settings(session_idle_minutes=0)


def test_default_secret_is_refused_outside_development() -> None:
    Settings().check_production_safety()
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production").check_production_safety()
