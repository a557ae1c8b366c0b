"""Hole 9 of issue 18: another clinic's record answers like a missing one (404, audited);
uploads are stored owner-only (0600 files, 0700 folders) and a refused upload is deleted."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.video import uploads as video_uploads
from runnersknee.store.tables import AuditRow, JobRow
from tests.web.conftest import World, api_login, client_for, page_login
from tests.web.test_web_video import DOC, VideoWorld, _upload, vw  # noqa: F401 - fixture


def test_other_clinics_records_answer_like_missing_ones(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "doc2@test.example")
    ours = client.get(f"/api/v1/patients/{world.patient_a}", headers=headers)
    missing = client.get("/api/v1/patients/424242", headers=headers)
    assert ours.status_code == missing.status_code == 404
    assert ours.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert set(ours.json()["error"]) == set(missing.json()["error"])
    assert "Ann A" not in ours.text
    page_login(client, "doc2@test.example")
    assert client.get(f"/clinic/patients/{world.patient_a}").status_code == 404
    with world.database.transaction() as tx:
        denied = tx.scalars(
            select(AuditRow.patient_id).where(
                AuditRow.outcome == "denied", AuditRow.patient_id == world.patient_a
            )
        ).all()
    assert denied, "the refused look at another clinic's record is still audited"


def _modes(root: Path) -> list[tuple[Path, int]]:
    return [(p, stat.S_IMODE(p.stat().st_mode)) for p in [root, *root.rglob("*")]]


def test_uploads_are_owner_only(vw: VideoWorld) -> None:  # noqa: F811 - fixture
    client = vw.client()
    csrf = page_login(client, DOC)
    response = _upload(client, csrf, vw.world.patient_a, b"not really a video" * 10)
    assert response.status_code == 303
    uploads = vw.settings.data_dir / "uploads"
    modes = _modes(uploads)
    assert any(p.is_file() for p, _ in modes)
    for path, mode in modes:
        assert mode == (0o600 if path.is_file() else 0o700), (path, oct(mode))


def test_a_refused_upload_is_deleted(
    vw: VideoWorld,  # noqa: F811 - fixture
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object) -> None:
        raise InvalidInput("refused for the test", field="video")

    monkeypatch.setattr(video_uploads, "submit", refuse)
    client = vw.client()
    csrf = page_login(client, DOC)
    response = _upload(client, csrf, vw.world.patient_a, b"x" * 1000)
    assert response.status_code == 422
    headers = api_login(client, DOC)
    api = client.post(
        f"/api/v1/patients/{vw.world.patient_a}/videos",
        headers=headers,
        data={"view": "sagittal", "task": "run"},
        files={"video": ("clip.mp4", b"x" * 1000, "application/octet-stream")},
    )
    assert api.status_code == 422
    uploads = vw.settings.data_dir / "uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file()]
    with vw.world.database.transaction() as tx:
        assert tx.scalar(select(JobRow.id)) is None


def test_another_clinics_job_answers_like_a_missing_one(world: World) -> None:
    with world.database.transaction() as tx:
        job = JobRow(clinic_id=1, patient_id=world.patient_a, kind="video_analysis", params={},
                     status="queued", created_by=1)  # fmt: skip
        tx.add(job)
        tx.flush()
        job_id = job.id
    client = client_for(world)
    headers = api_login(client, "doc2@test.example")
    for method, tail in (("GET", ""), ("POST", "/cancel")):
        ours = client.request(method, f"/api/v1/jobs/{job_id}{tail}", headers=headers)
        missing = client.request(method, f"/api/v1/jobs/{job_id + 999}{tail}", headers=headers)
        assert ours.status_code == missing.status_code == 404
        assert set(ours.json()["error"]) == set(missing.json()["error"])
        assert ours.json()["error"]["message"] == f"job {job_id} does not exist"
    own = client_for(world)
    assert own.get(f"/api/v1/jobs/{job_id}", headers=api_login(own, DOC)).status_code == 200
