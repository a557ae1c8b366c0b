"""CLI: demo (idempotent), db upgrade/current, and the refusal to serve an unmigrated DB."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runnersknee.cli import build_app
from runnersknee.store.migrate import head_revision

BIN = Path(sys.executable).parent / "runnersknee"


def test_demo_no_serve_is_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", f"sqlite:///{tmp_path}/demo.db")
    runner = CliRunner()
    first = runner.invoke(build_app(), ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "Demo clinic created" in first.output
    assert "clinician@demo.example" in first.output
    assert "http://127.0.0.1:8000/" in first.output
    second = runner.invoke(build_app(), ["demo", "--no-serve"])
    assert second.exit_code == 0
    assert "already present" in second.output


def test_db_upgrade_then_current(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", f"sqlite:///{tmp_path}/db.db")
    runner = CliRunner()
    before = runner.invoke(build_app(), ["db", "current"])
    assert "current: none" in before.output
    upgraded = runner.invoke(build_app(), ["db", "upgrade"])
    assert upgraded.exit_code == 0
    head = head_revision()
    assert f"revision {head}" in upgraded.output
    after = runner.invoke(build_app(), ["db", "current"])
    assert f"current: {head}  head: {head}" in after.output


def test_serve_refuses_unmigrated_database_with_the_fix(tmp_path: Path) -> None:
    env = {"RUNNERSKNEE_DATABASE_URL": f"sqlite:///{tmp_path}/new.db", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [str(BIN), "serve", "--port", "8765"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 7
    assert "runnersknee db upgrade" in result.stderr
    assert "Traceback" not in result.stderr
