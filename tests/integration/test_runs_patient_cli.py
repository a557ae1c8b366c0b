"""Stored runs: the run-records service on SQLite and PostgreSQL, and
``runnersknee runs report patient:<id>`` reading a patient's runs from the database."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity
from runnersknee.cli import build_app
from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import patients
from runnersknee.services.platform.database import Database
from runnersknee.services.running import pain_after_runs, run_records, run_uploads
from runnersknee.store.tables import AlertRow, AuditRow, RunRow, UserRow
from tests.content import CONTENT
from tests.ready import sign_plan_for

TODAY = date(2026, 3, 2)
PASSWORD = "a-long-enough-password"
FIT_RUN = Path(__file__).resolve().parents[1] / "data" / "fit" / "garmin-fenix-5-run.fit"
RUNNERSKNEE = Path(sys.executable).with_name("runnersknee")


def _fit(days_before: int, km: float) -> bytes:
    start = datetime(2026, 3, 2, 6, tzinfo=UTC) - timedelta(days=days_before)
    seconds = int(km * 1000 / 3)
    times = sorted({*range(0, seconds, max(1, seconds // 40)), seconds})
    records = [SyntheticRecord(t, t * 3.0, 3.0, 150, 84.0) for t in times]
    return encode_activity(start, records, utc_offset=timedelta(hours=2), avg_cadence_strides=84.0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    yield db
    db.dispose()


def _clinic(db: Database, tag: str) -> tuple[Actor, int]:
    with db.transaction() as tx:
        clinic = create_clinic(tx, f"runs {tag}")
        create_user(tx, clinic, f"run-doc-{tag}@x.example", "Doc", Role.CLINICIAN, PASSWORD)
        doc = actor_for(
            tx, tx.scalars(select(UserRow).where(UserRow.email == f"run-doc-{tag}@x.example")).one()
        )
        pid = patients.create_patient(tx, doc, patients.NewPatient("Runner", 1990), TODAY)
        sign_plan_for(tx, doc, pid)  # cleared, in the running phase: the safety gate opens
    return doc, pid


def _upload(*files: tuple[str, bytes]) -> list[run_uploads.Upload]:
    return [run_uploads.Upload(name, io.BytesIO(data)) for name, data in files]


def test_import_spikes_alerts_and_rollback(
    database: Database, request: pytest.FixtureRequest
) -> None:
    doc, pid = _clinic(database, request.node.callspec.id + str(id(database)))
    settings = Settings(database_url=database.url)
    first = run_uploads.read_uploads(_upload(("a.fit", _fit(12, 4.0))), settings)
    with database.transaction() as tx:
        run_uploads.save_import(tx, doc, pid, first, TODAY)
    second = run_uploads.read_uploads(
        _upload(("b.fit", _fit(4, 9.0)), ("junk.gpx", b"<gpx>")), settings
    )
    with database.transaction() as tx:
        outcome = run_uploads.save_import(tx, doc, pid, second, TODAY)
    assert len(outcome.imported) == 1
    assert [s.source for s in outcome.skipped] == ["junk.gpx"]
    assert outcome.alerts_raised == 1
    with database.transaction() as tx:
        view = run_records.overview(tx, doc, pid, TODAY, content=CONTENT)
        keys = list(tx.scalars(select(AlertRow.key).where(AlertRow.patient_id == pid)))
    assert [e.spike.category.value for e in view.runs] == ["no_reference", "large"]
    assert view.runs[1].run.start.utcoffset() == timedelta(hours=2)
    assert view.next_run.kind.value == "distance_cap"
    assert view.next_run.distance_m == pytest.approx(9000, rel=0.01)  # no pain log: hold
    assert keys == [f"run_spike:{view.runs[1].run.id}"]
    with database.transaction() as tx:
        before = tx.scalar(select(func.count()).select_from(RunRow).where(RunRow.patient_id == pid))
    bad = run_uploads.read_uploads(_upload(("c.fit", b"\x0e" * 100)), settings)
    with pytest.raises(InvalidInput), database.transaction() as tx:
        run_uploads.save_import(tx, doc, pid, bad, TODAY)
    with database.transaction() as tx:
        after = tx.scalar(select(func.count()).select_from(RunRow).where(RunRow.patient_id == pid))
    assert after == before == 2


def test_other_clinic_is_refused_and_audited(
    database: Database, request: pytest.FixtureRequest
) -> None:
    tag = request.node.callspec.id + str(id(database))
    _, pid = _clinic(database, f"own-{tag}")
    other, _ = _clinic(database, f"other-{tag}")
    with pytest.raises(NotFound), database.transaction() as tx:  # like a missing record
        run_records.overview(tx, other, pid, TODAY, content=CONTENT)
    with database.transaction() as tx:
        denied = tx.scalar(
            select(func.count()).where(AuditRow.patient_id == pid, AuditRow.outcome == "denied")
        )
    assert denied == 1


@pytest.fixture
def stored_patient(sqlite_url: str) -> tuple[str, int]:
    database = Database(sqlite_url)
    doc, pid = _clinic(database, "cli")
    settings = Settings(database_url=sqlite_url)
    result = run_uploads.read_uploads(
        _upload(
            ("a.fit", _fit(9, 5.0)), ("b.fit", _fit(2, 5.2)), ("real.fit", FIT_RUN.read_bytes())
        ),
        settings,
    )
    with database.transaction() as tx:
        run_uploads.save_import(tx, doc, pid, result, TODAY)
        pain_after_runs.log_run_pain(
            tx, doc, pid, TODAY - timedelta(days=2), 1, 1, None, content=CONTENT
        )
    database.dispose()
    return sqlite_url, pid


def test_report_of_a_stored_patient(
    stored_patient: tuple[str, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, pid = stored_patient
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", url)
    chart = tmp_path / "load.svg"
    result = CliRunner().invoke(
        build_app(),
        ["runs", "report", f"patient:{pid}", "--format", "json", "--today", "2026-03-02",
         "--chart", str(chart)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["schema_version"] == 1
    assert data["patient_id"] == pid
    assert data["pain_sessions"] == 1
    assert [r["source"] for r in data["runs"]] == ["real.fit", "a.fit", "b.fit"]
    assert data["runs"][0]["cadence_spm"] == pytest.approx(167.34, abs=0.01)
    assert data["runs"][0]["start"] == "2017-06-11T07:34:09-07:00"
    assert data["runs"][2]["spike_category"] == "none"  # 5.2 km after 5.0 km: +4 %
    assert data["next_run"]["kind"] == "distance_cap"
    assert "FRANDSEN-2025" in data["citations"]
    assert chart.read_text(encoding="utf-8").startswith("<?xml")
    text = CliRunner().invoke(build_app(), ["runs", "report", f"patient:{pid}"])
    assert text.exit_code == 0
    assert "Next run" in text.stdout
    with Database(url).transaction() as tx:
        audited = tx.scalar(
            select(func.count()).where(AuditRow.action == "run.report", AuditRow.patient_id == pid)
        )
    assert audited == 2


def test_bad_patient_arguments_exit_with_codes(
    stored_patient: tuple[str, int], tmp_path: Path
) -> None:
    url, pid = stored_patient
    env = {"RUNNERSKNEE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    missing = subprocess.run(
        [str(RUNNERSKNEE), "runs", "report", "patient:999"],
        capture_output=True, text=True, env=env, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert missing.returncode == 4
    assert "patient 999 does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
    mixed = subprocess.run(
        [str(RUNNERSKNEE), "runs", "report", f"patient:{pid}", str(FIT_RUN)],
        capture_output=True, text=True, env=env, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert mixed.returncode == 2
    assert "not both" in mixed.stderr
    with_log = CliRunner().invoke(
        build_app(),
        ["runs", "report", f"patient:{pid}", "--pain-log", str(FIT_RUN)],
        env={"RUNNERSKNEE_DATABASE_URL": url},
    )
    assert with_log.exit_code != 0
    assert isinstance(with_log.exception, InvalidInput)
