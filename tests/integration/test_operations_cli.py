"""Operations of issue 18: ``db backup`` / ``db restore`` (SQLite online backup API) and
``admin create`` on a real install (no demo data)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from runnersknee.cli import build_app, describe_error, exit_code_for
from runnersknee.clinical.errors import RunnersKneeError
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role
from runnersknee.services.care import patients
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import PatientRow, UserRow

PASSWORD = "correct-horse-battery"
DAY = __import__("datetime").date(2026, 3, 2)


class _Result:
    """Exit code and output the way ``runnersknee`` (cli.main) reports them."""

    def __init__(self, args: list[str], given: str | None = None) -> None:
        result = CliRunner().invoke(build_app(), args, input=given)
        self.exit_code = result.exit_code
        self.output = result.output
        if isinstance(result.exception, RunnersKneeError):
            self.exit_code = exit_code_for(result.exception)
            self.output += describe_error(result.exception)


def _patients(url: str) -> int:
    database = Database(url)
    with database.transaction() as tx:
        count = int(tx.scalar(select(func.count()).select_from(PatientRow)) or 0)
    database.dispose()
    return count


def test_backup_then_restore_brings_the_data_back(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = Database(sqlite_url)
    with database.transaction() as tx:
        clinic = create_clinic(tx, "Backup clinic")
        user = create_user(tx, clinic, "b@x.example", "Dr B", Role.CLINICIAN, PASSWORD)
        doc = actor_for(tx, tx.get_one(UserRow, user))
        patients.create_patient(tx, doc, patients.NewPatient("Kept Patient"), DAY)
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", sqlite_url)
    target = tmp_path / "backup.db"
    made = _Result(["db", "backup", str(target)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _Result(["db", "backup", str(target)]).exit_code == 2
    with database.transaction() as tx:  # a change after the backup ...
        patients.create_patient(tx, doc, patients.NewPatient("Lost Patient"), DAY)
    database.dispose()
    assert _patients(sqlite_url) == 2
    refused = _Result(["db", "restore", str(target)])
    assert refused.exit_code == 2
    assert "--yes" in refused.output
    restored = _Result(["db", "restore", str(target), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert _patients(sqlite_url) == 1  # ... is gone: the backup's state is back
    verify = _Result(["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_restore_refuses_a_file_that_is_not_a_backup(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", sqlite_url)
    result = _Result(["db", "restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert _patients(sqlite_url) == 0


def test_backup_on_postgresql_points_to_pg_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1/x")
    result = _Result(["db", "backup", "/tmp/never-written.db"])
    assert result.exit_code == 2
    assert "pg_dump" in result.output


def test_admin_create_makes_a_first_admin_who_can_log_in(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", sqlite_url)
    args = ["admin", "create", "--clinic", "Real Clinic", "--email", "boss@real.example"]
    result = _Result([*args, "--name", "Boss"], f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    weak = _Result([*args[:4], "--email", "w@real.example", "--name", "W"], "short\nshort\n")
    assert weak.exit_code == 2
    from fastapi.testclient import TestClient

    from runnersknee.config import Settings
    from runnersknee.web.app import create_app

    client = TestClient(create_app(Settings(database_url=sqlite_url)))
    login = client.post(
        "/api/v1/auth/login", json={"email": "boss@real.example", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert login.json()["role"] == "admin"
