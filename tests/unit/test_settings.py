"""Settings are read from RUNNERSKNEE_* variables only when built, and fail fast when unsafe."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings


def test_environment_variables_are_read_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", "postgresql+psycopg://127.0.0.1/test")
    assert Settings().database_url == "postgresql+psycopg://127.0.0.1/test"


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValueError, match="session_idle_minutes"):
        Settings(session_idle_minutes=0)


def test_default_secret_is_refused_outside_development() -> None:
    Settings().check_production_safety()
    with pytest.raises(InvalidInput, match="SECRET_KEY"):
        Settings(environment="production").check_production_safety()


def test_a_short_or_public_secret_is_refused_outside_development() -> None:
    for weak in ("", "dev-only-change-me", "x" * 31):
        with pytest.raises(InvalidInput, match="SECRET_KEY"):
            Settings(environment="production", secret_key=weak).check_production_safety()
    Settings(environment="production", secret_key="k" * 32).check_production_safety()


def test_development_uses_a_random_per_install_secret(tmp_path: Path) -> None:
    """Issue 18, item 8: never a public development secret."""
    first = Settings(data_dir=tmp_path / "one").signing_key()
    again = Settings(data_dir=tmp_path / "one").signing_key()
    other = Settings(data_dir=tmp_path / "two").signing_key()
    assert first == again
    assert first != other
    assert len(first) >= 48
    assert stat.S_IMODE((tmp_path / "one" / "secret-key").stat().st_mode) == 0o600
    assert Settings(secret_key="given" * 8, data_dir=tmp_path).signing_key() == "given" * 8
