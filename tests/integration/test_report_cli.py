"""``runnersknee report``, ``export`` and ``retention`` on a real database (the demo clinic)."""

from __future__ import annotations

import io
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import func, select
from typer.testing import CliRunner

from runnersknee.cli import build_app, exit_code_for
from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AuditRow, ClinicRow, JobRow, PatientRow, UserRow
from tests.content import CONTENT

TODAY = date(2026, 3, 2)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int, Path]:
    """The demo clinic on a migrated SQLite file, seeded once for the module."""
    from runnersknee.store.db import make_engine
    from runnersknee.store.migrate import upgrade

    folder = tmp_path_factory.mktemp("report-cli")
    url = f"sqlite:///{folder}/demo.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    database = Database(url)
    seed_demo(database, TODAY, content=CONTENT)
    with database.transaction() as tx:
        pid = tx.scalars(select(PatientRow.id).where(PatientRow.display_name == "Sam Mid")).one()
    database.dispose()
    return url, pid, folder / "data"


@pytest.fixture
def demo(demo_database: tuple[str, int, Path], monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    url, pid, data_dir = demo_database
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", url)
    monkeypatch.setenv("RUNNERSKNEE_DATA_DIR", str(data_dir))
    return url, pid


def _run(*args: str) -> Result:
    return CliRunner().invoke(build_app(), list(args))


def test_reports_of_a_stored_patient_and_of_case_files(
    demo: tuple[str, int], tmp_path: Path
) -> None:
    url, pid = demo
    out = tmp_path / "evaluation.pdf"
    result = _run(
        "report", "evaluation", f"patient:{pid}", "--out", str(out), "--today", "2026-03-02"
    )
    assert result.exit_code == 0, result.output
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Sam Mid" in text
    assert "Dr Demo" in text  # the plan's signature
    folder = tmp_path / "handouts"
    cases = [
        str(EXAMPLES / "assessed" / name)
        for name in ("female-runner-hip-weakness.yaml", "runner-pronated-feet.yaml")
    ]
    batch = _run("report", "handout", *cases, "--out", str(folder))
    assert batch.exit_code == 0, batch.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "female-runner-hip-weakness-handout.pdf",
        "runner-pronated-feet-handout.pdf",
    ]
    with Database(url).transaction() as tx:
        audited = tx.scalar(
            select(func.count()).where(
                AuditRow.patient_id == pid,
                AuditRow.role == "operator",
                AuditRow.action == "report.clinical",
            )
        )
    assert audited == 1


def test_export_fhir_prints_a_valid_bundle(demo: tuple[str, int], tmp_path: Path) -> None:
    _, pid = demo
    result = _run("export", "fhir", f"patient:{pid}")
    assert result.exit_code == 0, result.output
    bundle = Bundle.model_validate_json(result.stdout)
    names = [
        e.resource.name[0].text for e in bundle.entry if e.resource.get_resource_type() == "Patient"
    ]
    assert names == ["Sam Mid"]
    target = tmp_path / "export.zip"
    assert _run("export", "zip", f"patient:{pid}", "--out", str(target)).exit_code == 0
    assert target.read_bytes()[:2] == b"PK"


def test_bad_arguments_give_the_documented_exit_codes(
    demo: tuple[str, int], tmp_path: Path
) -> None:
    missing = _run("report", "evaluation", "patient:999", "--out", str(tmp_path / "x.pdf"))
    assert isinstance(missing.exception, NotFound)
    assert exit_code_for(missing.exception) == 4
    wrong = _run(
        "report", "evaluation", str(tmp_path / "case.txt"), "--out", str(tmp_path / "x.pdf")
    )
    assert isinstance(wrong.exception, InvalidInput)
    not_pdf = _run("report", "handout", f"patient:{demo[1]}", "--out", str(tmp_path / "x.txt"))
    assert exit_code_for(not_pdf.exception) == 2
    assert not (tmp_path / "x.pdf").exists()


def test_retention_deletes_old_raw_videos_and_keeps_metrics(
    demo: tuple[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, pid = demo
    folder = Path(os.environ["RUNNERSKNEE_DATA_DIR"]) / "uploads" / str(pid)
    old, new = folder / "old", folder / "new"
    for place in (old, new):
        (place / "analysis").mkdir(parents=True)
        (place / "upload").write_bytes(b"raw video")
        (place / "analysis" / "annotated.mp4").write_bytes(b"annotated")
        (place / "analysis" / "angles.svg").write_text("<svg/>")
    now = datetime.now(UTC)
    with Database(url).transaction() as tx:
        clinic = tx.scalars(select(ClinicRow.id)).first()
        doc = tx.scalars(select(UserRow.id).where(UserRow.role == "clinician")).first()
        for name, age in (("old", 40), ("new", 2)):
            tx.add(
                JobRow(
                    kind="video_analysis",
                    clinic_id=clinic,
                    patient_id=pid,
                    status="done",
                    params={"upload": f"uploads/{pid}/{name}/upload"},
                    result={"metrics": {"cadence_spm": 170}},
                    created_by=doc,
                    created_at=now - timedelta(days=age),
                )
            )
    assert "0 video files deleted" in _run("retention", "apply").stdout
    monkeypatch.setenv("RUNNERSKNEE_RAW_VIDEO_RETENTION_DAYS", "30")
    assert "2 video files deleted" in _run("retention", "apply").stdout
    assert not (old / "upload").exists()
    assert not (old / "analysis" / "annotated.mp4").exists()
    assert (old / "analysis" / "angles.svg").exists()
    assert (new / "upload").exists()
    with Database(url).transaction() as tx:
        kept = tx.scalars(select(JobRow).where(JobRow.patient_id == pid)).all()
    assert all(job.result == {"metrics": {"cadence_spm": 170}} for job in kept)
    assert sorted(bool(job.params.get("raw_video_deleted")) for job in kept) == [False, True]
    assert "0 video files deleted" in _run("retention", "apply").stdout
