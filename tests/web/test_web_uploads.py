"""Hole 3 of issue 18: uploads are authorized before anything is stored or unpacked; zips are
capped (member count, unpacked size: checked from the directory, nothing decompressed, 422 and
nothing stored when no file is left) and a corrupt member is a skipped file with a reason."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.config import Settings
from runnersknee.services.running import run_uploads
from runnersknee.store.tables import AlertRow, JobRow
from runnersknee.web.app import create_app
from tests.web.conftest import World, api_login, client_for
from tests.web.test_web_runs import OCTET, _day, api_upload, synthetic_run


def _zip(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _post(client: TestClient, headers: dict[str, str], patient_id: int, data: bytes) -> Any:
    return client.post(
        f"/api/v1/patients/{patient_id}/runs",
        headers=headers,
        files=[("files", ("export.zip", data, OCTET))],
    )


@pytest.fixture
def no_unpacking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def refuse(*args: object) -> None:
        calls.append(1)
        raise AssertionError("the upload was stored or unpacked before the permission check")

    monkeypatch.setattr(run_uploads, "store_uploads", refuse)
    monkeypatch.setattr(run_uploads, "read_uploads", refuse)
    return calls


def test_an_upload_to_another_record_is_refused_before_unpacking(
    world: World, no_unpacking: list[int]
) -> None:
    archive = _zip(("a.fit", synthetic_run(_day(2), 5.0)))
    patient = client_for(world)
    headers = api_login(patient, "a@test.example")
    assert _post(patient, headers, world.patient_b, archive).status_code == 403
    assert _post(patient, headers, 987654, archive).status_code in (403, 404)
    doctor = client_for(world)
    doc_headers = api_login(doctor, "doc@test.example")
    assert _post(doctor, doc_headers, 987654, archive).status_code == 404
    assert _post(doctor, doc_headers, world.other_clinic_patient, archive).status_code == 404
    assert no_unpacking == []


def _client(world: World, **settings: Any) -> tuple[TestClient, dict[str, str]]:
    data_dir = world.app.state.settings.data_dir  # type: ignore[attr-defined]
    app = create_app(
        Settings(database_url=world.database.url, data_dir=data_dir, **settings), world.database
    )
    client = TestClient(app)
    return client, api_login(client, "a@test.example")


def _stored_files(world: World) -> list[Any]:
    uploads = world.app.state.settings.data_dir / "uploads"  # type: ignore[attr-defined]
    return [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else []


def test_a_zip_with_too_many_members_is_skipped_with_a_reason(world: World) -> None:
    client, headers = _client(world, max_zip_members=3)
    members = [(f"junk{n}.txt", b"x") for n in range(4)]
    response = _post(client, headers, world.patient_a, _zip(*members))
    assert response.status_code == 422
    assert "above the limit of 3" in response.json()["error"]["message"]
    assert _stored_files(world) == []  # nothing stored, no job row
    with world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(JobRow)) == 0


def test_a_zip_unpacking_too_large_is_skipped_with_a_reason(world: World) -> None:
    client, headers = _client(world, max_zip_unpacked_bytes=100_000)
    response = _post(client, headers, world.patient_a, _zip(("big.fit", b"\0" * 200_000)))
    assert response.status_code == 422
    assert "unpacks to 0.2 MB" in response.json()["error"]["message"]


def test_a_corrupt_zip_member_is_a_skipped_file(world: World) -> None:
    good = synthetic_run(_day(2), 5.0)
    archive = bytearray(_zip(("good.fit", good), ("bad.fit", synthetic_run(_day(5), 4.0))))
    start = archive.index(b"bad.fit") + len(b"bad.fit")  # the local header's name, then data
    for offset in range(start + 40, start + 140):
        archive[offset] ^= 0x5A
    client, headers = _client(world)
    posted, job = api_upload(client, headers, world.patient_a, ("export.zip", bytes(archive)))
    assert posted.status_code == 202, posted.text
    body = job["result"]
    assert len(body["imported"]) == 1
    assert [s["source"] for s in body["skipped"]] == ["export.zip:bad.fit"]
    assert body["skipped"][0]["reason"].startswith("this file could not be read")  # plain words
    with world.database.transaction() as tx:
        detail = tx.scalars(select(AlertRow.message).where(AlertRow.kind == "run_file")).one()
    assert "corrupt zip member" in detail  # the reader's detail is the clinician's
