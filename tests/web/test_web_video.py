"""Movement analysis in the web app: upload → background job → drain → result → accept.

Jobs run synchronously through ``job_runner.drain`` (the app's worker is not started: the test
client is used without its lifespan), so nothing sleeps or polls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.config import Settings
from runnersknee.gait import synthetic
from runnersknee.gait.keypoint_io import write_keypoints_csv
from runnersknee.services.care import records
from runnersknee.services.jobs import records as jobs
from runnersknee.services.jobs import runner as job_runner
from runnersknee.services.video.results import band_text
from runnersknee.store.tables import AssessmentRow, AuditRow, JobRow
from runnersknee.web.app import create_app, route_table
from runnersknee.web.pages.video import markdown_html
from tests.web.conftest import World, api_login, page_login

DOC = "doc@test.example"


@dataclass
class VideoWorld:
    """The seeded world on an app whose data folder is the test's own."""

    world: World
    app: Any
    settings: Settings

    def client(self) -> TestClient:
        return TestClient(self.app)

    def drain(self) -> list[jobs.JobView]:
        return job_runner.drain(
            self.world.database,
            self.settings,
            self.app.state.job_handlers,
            content=self.app.state.content,
        )


@pytest.fixture
def vw(world: World, tmp_path: Path) -> VideoWorld:
    settings = Settings(
        database_url=world.database.url, data_dir=tmp_path / "data", max_upload_bytes=400_000
    )
    app = create_app(settings, world.database)
    return VideoWorld(world, app, settings)


@pytest.fixture(scope="module")
def empty_room_video(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A short video with a moving box and no person (OpenCV, MJPG/AVI, 40 frames)."""
    import cv2

    path = tmp_path_factory.mktemp("video") / "empty_room.avi"
    fourcc = cv2.VideoWriter_fourcc(*"MJPG")  # type: ignore[attr-defined]
    writer = cv2.VideoWriter(str(path), fourcc, 30.0, (320, 240))
    rng = np.random.default_rng(0)
    for i in range(40):
        frame = np.full((240, 320, 3), 90, np.uint8)
        cv2.rectangle(frame, (20 + i, 60), (120 + i, 160), (30, 160, 200), -1)
        writer.write(cv2.add(frame, rng.integers(0, 12, frame.shape, dtype=np.uint8)))
    writer.release()
    return path.read_bytes()


@pytest.fixture(scope="module")
def squat_csv(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Keypoints of 5 left single-leg squats with a known FPPA of 12° (synthetic model)."""
    kp, _ = synthetic.single_leg_squat(stance_side="left", fppa_deg=12.0, repetitions=5)
    path = tmp_path_factory.mktemp("kp") / "squat.csv"
    write_keypoints_csv(kp, path)
    return path.read_bytes()


def _upload(client: TestClient, csrf: str, patient: int, content: bytes, **fields: str) -> Any:
    data = {"csrf_token": csrf, "view": "sagittal", "task": "run", **fields}
    name = fields.pop("filename", "clip.mp4") if "filename" in fields else "clip.mp4"
    data.pop("filename", None)
    return client.post(
        f"/clinic/patients/{patient}/videos",
        data=data,
        files={"video": (name, content, "application/octet-stream")},
        follow_redirects=False,
    )


def _job_id(response: Any) -> int:
    found = re.search(r"/videos/(\d+)$", response.headers["location"])
    assert found is not None
    return int(found.group(1))


def test_video_upload_runs_in_the_background_and_shows_the_result(
    vw: VideoWorld, empty_room_video: bytes
) -> None:
    client = vw.client()
    csrf = page_login(client, DOC)
    form = client.get(f"/clinic/patients/{vw.world.patient_a}/assessment")
    assert 'enctype="multipart/form-data"' in form.text
    assert 'name="view"' in form.text
    assert 'name="side"' in form.text
    response = _upload(client, csrf, vw.world.patient_a, empty_room_video, filename="room.avi")
    assert response.status_code == 303
    job_id = _job_id(response)
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.headers["refresh"] == "3"  # reloads itself while queued, no JavaScript
    assert "Waiting to start" in page.text
    assert "refresh" not in client.get(f"{response.headers['location']}?refresh=off").headers
    stored = list((vw.settings.data_dir / "uploads" / str(vw.world.patient_a)).rglob("upload"))
    assert len(stored) == 1
    assert stored[0].read_bytes() == empty_room_video  # stored under data_dir, not by name
    ran = vw.drain()
    assert [(j.id, j.status) for j in ran] == [(job_id, "done")]
    page = client.get(response.headers["location"])
    assert "refresh" not in page.headers
    assert "No reliable result" in page.text
    assert "no person was detected in the video" in page.text
    assert re.search(r'<video[^>]+src="[^"]+/files/annotated\.mp4"', page.text)
    assert 'kind="captions"' in page.text
    assert "No metric of this analysis can go into the assessment." in page.text
    base = f"/clinic/patients/{vw.world.patient_a}/videos/{job_id}/files"
    whole = client.get(f"{base}/annotated.mp4")
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"{base}/annotated.mp4", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 0-99/{len(whole.content)}"
    assert part.content == whole.content[:100]
    assert whole.content[4:8] == b"ftyp"  # an MP4 container
    assert client.get(f"{base}/angles.svg").headers["content-type"].startswith("image/svg+xml")
    assert client.get(f"{base}/annotated.vtt").text.startswith("WEBVTT")
    assert client.get(f"{base}/../../../etc/passwd").status_code == 404
    assert client.get(f"{base}/result.json").status_code == 404


def test_keypoint_upload_then_accept_creates_a_new_assessment_version(
    vw: VideoWorld, squat_csv: bytes
) -> None:
    pid = vw.world.patient_a
    with vw.world.database.transaction() as tx:
        doc = _actor(tx, DOC)
        records.save_assessment(tx, doc, pid, {"body_mass_kg": 64})
    client = vw.client()
    csrf = page_login(client, DOC)
    response = _upload(
        client,
        csrf,
        pid,
        squat_csv,
        view="frontal",
        task="squat",
        side="left",
        source="keypoints",
        filename="squat.txt",
    )
    assert response.status_code == 303
    job_id = _job_id(response)
    assert [j.status for j in vw.drain()] == ["done"]
    page = client.get(response.headers["location"]).text
    assert "No reliable result" not in page
    assert 'value="left.fppa_sls_deg"' in page
    assert 'value="right.fppa_sls_deg"' not in page  # only the tested leg is offered
    assert "SEM" in page
    assert "within measurement error" in page
    bad = client.post(f"/clinic/patients/{pid}/videos/{job_id}/accept", data={"csrf_token": csrf})
    assert bad.status_code == 422
    assert "choose at least one metric" in bad.text
    done = client.post(
        f"/clinic/patients/{pid}/videos/{job_id}/accept",
        data={"csrf_token": csrf, "metric": "left.fppa_sls_deg"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "copied into a new assessment version" in client.get(done.headers["location"]).text
    with vw.world.database.transaction() as tx:
        versions = tx.scalar(select(func.count()).select_from(AssessmentRow))
        latest = records.latest_assessment(tx, _actor(tx, DOC), pid)
        audited = tx.scalar(
            select(func.count()).where(
                AuditRow.action == "video.accept", AuditRow.record_id == str(job_id)
            )
        )
    assert versions == 2  # the manual version stays; the video values are a new one
    assert latest is not None
    assert latest["body_mass_kg"] == 64  # manual entries are kept
    assert latest["left"]["movement"]["fppa_sls_deg"] == pytest.approx(12.0, abs=1.0)
    assert latest["right"]["movement"]["fppa_sls_deg"] is None
    assert audited == 1


def _actor(tx: Any, email: str) -> Any:
    from runnersknee.services.access.accounts import actor_for
    from runnersknee.store.tables import UserRow

    return actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == email)).one())


def test_a_non_video_gives_a_clear_error(vw: VideoWorld) -> None:
    client = vw.client()
    csrf = page_login(client, DOC)
    response = _upload(client, csrf, vw.world.patient_a, b"just some notes\n" * 20)
    job_id = _job_id(response)
    assert [j.status for j in vw.drain()] == ["failed"]
    page = client.get(response.headers["location"])
    assert "The analysis could not run" in page.text
    assert "clip.mp4 is not a video OpenCV can decode" in page.text
    headers = api_login(client, DOC)
    result = client.get(
        f"/api/v1/patients/{vw.world.patient_a}/videos/{job_id}/result", headers=headers
    ).json()
    assert result["job"]["status"] == "failed"
    assert result["result"] is None
    assert "not a video" in result["job"]["error"]


def test_upload_options_and_size_limit_are_checked(vw: VideoWorld) -> None:
    client = vw.client()
    csrf = page_login(client, DOC)
    pid = vw.world.patient_a
    squat_no_side = _upload(client, csrf, pid, b"x" * 100, view="frontal", task="squat")
    assert squat_no_side.status_code == 422
    assert "choose the tested leg" in squat_no_side.text
    side_view_squat = _upload(client, csrf, pid, b"x" * 100, task="squat", side="left")
    assert side_view_squat.status_code == 422
    assert "needs a frontal view" in side_view_squat.text
    too_big = _upload(client, csrf, pid, b"x" * 400_001)
    assert too_big.status_code == 422
    assert "larger than the upload limit of 0.4 MB" in too_big.text
    declared_too_big = _upload(client, csrf, pid, b"x" * 600_000)
    assert declared_too_big.status_code == 422  # refused from Content-Length
    empty = _upload(client, csrf, pid, b"")
    assert empty.status_code == 422
    with vw.world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(JobRow)) == 0
    uploads = vw.settings.data_dir / "uploads"
    assert not uploads.exists() or not any(uploads.rglob("upload"))


def test_json_api_upload_job_result_and_accept(vw: VideoWorld, squat_csv: bytes) -> None:
    client = vw.client()
    headers = api_login(client, DOC)
    pid = vw.world.patient_a
    bad = client.post(
        f"/api/v1/patients/{pid}/videos",
        data={"view": "top", "task": "run"},
        files={"video": ("a.csv", squat_csv, "text/csv")},
        headers=headers,
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"
    assert bad.json()["error"]["field"] == "view"
    created = client.post(
        f"/api/v1/patients/{pid}/videos",
        data={"view": "frontal", "task": "squat", "side": "left", "source": "keypoints"},
        files={"video": ("a.csv", squat_csv, "text/csv")},
        headers=headers,
    )
    assert created.status_code == 202
    job = created.json()
    assert job["status"] == "queued"
    assert created.headers["location"] == f"/api/v1/jobs/{job['id']}"
    assert "upload" not in job["params"]  # the server's file path is not shown
    pending = client.get(job["links"]["result"], headers=headers).json()
    assert pending["result"] is None
    assert client.get(job["links"]["accept"], headers=headers).status_code == 405
    early = client.post(job["links"]["accept"], json={"metrics": ["x"]}, headers=headers)
    assert early.status_code == 409
    vw.drain()
    status = client.get(f"/api/v1/jobs/{job['id']}", headers=headers).json()
    assert status["status"] == "done"
    assert status["progress"] == 1.0
    result = client.get(job["links"]["result"], headers=headers).json()
    assert result["result"]["schema"] == "runnersknee.gait.result/2"
    fppa = result["result"]["metrics"]["fppa_deg"]["left"]
    assert fppa["value"] == pytest.approx(12.0, abs=1.0)
    assert set(result["acceptable"]) == {"left.fppa_sls_deg"}
    unknown = client.post(job["links"]["accept"], json={"metrics": ["left.x"]}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["allowed"] == ["left.fppa_sls_deg"]
    accepted = client.post(
        job["links"]["accept"], json={"metrics": ["left.fppa_sls_deg"]}, headers=headers
    )
    assert accepted.status_code == 200
    body = accepted.json()
    assert body["assessment"]["left"]["movement"]["fppa_sls_deg"] == pytest.approx(
        body["accepted"]["left.fppa_sls_deg"]
    )
    again = client.get(job["links"]["result"], headers=headers).json()
    assert len(again["accepted"]) == 1
    listed = client.get(f"/api/v1/patients/{pid}/videos", headers=headers).json()
    assert listed["count"] == 1


def test_jobs_do_not_leak_across_patients_or_clinics(vw: VideoWorld, squat_csv: bytes) -> None:
    """Every route with a job id, called with patient B's job by patient A, by another
    clinic's clinician, and under the wrong patient: 403/404 and no data."""
    doc = vw.client()
    headers = api_login(doc, DOC)
    created = doc.post(
        f"/api/v1/patients/{vw.world.patient_b}/videos",
        data={"view": "frontal", "task": "squat", "side": "right", "source": "keypoints"},
        files={"video": ("b-secret.csv", squat_csv, "text/csv")},
        headers=headers,
    )
    job_id = created.json()["id"]
    vw.drain()
    routes = [
        (path, method)
        for path, methods in route_table(vw.app)
        if "{job_id}" in path
        for method in sorted(methods - {"HEAD"})
    ]
    assert len(routes) >= 7
    outsiders = [("a@test.example", vw.world.patient_b), ("doc2@test.example", vw.world.patient_b)]
    outsiders.append((DOC, vw.world.patient_a))  # right clinic, wrong patient in the URL
    for email, patient in outsiders:
        client = vw.client()
        token = page_login(client, email)
        csrf = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
        for path, method in routes:
            if patient == vw.world.patient_a and "{patient_id}" not in path:
                continue  # /api/v1/jobs/{job_id} is the clinic's own job: allowed
            url = (
                path.replace("{patient_id}", str(patient))
                .replace("{job_id}", str(job_id))
                .replace("{name}", "annotated.vtt")
            )
            if path.startswith("/api/"):
                response = client.request(method, url, json={"metrics": []}, headers=csrf)
            else:
                response = client.request(
                    method, url, data={"csrf_token": token}, follow_redirects=False
                )
            assert response.status_code in (403, 404), (email, method, url)
            assert "b-secret" not in response.text
            assert "Ben B" not in response.text
    with vw.world.database.transaction() as tx:
        denied = tx.scalar(select(func.count()).where(AuditRow.outcome == "denied"))
    assert denied


def test_filming_guide_page_is_rendered_server_side(vw: VideoWorld) -> None:
    client = vw.client()
    page_login(client, "a@test.example")
    page = client.get("/me/filming-guide")
    assert page.status_code == 200
    assert '<a href="/me/videos" aria-current="page">Videos</a>' in page.text
    assert "<h1>How to film for a movement analysis</h1>" in page.text
    assert "<strong>Camera height:</strong> about hip height" in page.text
    assert "60 frames per second" in page.text
    assert "<li>" in page.text
    assert "<script" not in page.text


def test_markdown_subset_escapes_markup() -> None:
    out = str(markdown_html("# T <b>\n\nSome **bold** <script>x</script>\n- one\n  more\n- two"))
    assert out == (
        "<h1>T &lt;b&gt;</h1>\n<p>Some <strong>bold</strong> &lt;script&gt;x&lt;/script&gt;</p>"
        "\n<ul><li>one more</li><li>two</li></ul>"
    )


def test_error_band_text() -> None:
    error = {
        "unit": "deg",
        "bands": [
            {"kind": "sem", "low": 2.72, "high": 3.01, "citations": ["C1"], "verified": True},
            {"kind": "sdd", "low": 7.54, "high": 8.93, "citations": [], "verified": True},
            {"kind": "method_error", "low": 2, "high": 6, "citations": [], "verified": False},
        ],
    }
    assert band_text(error) == (
        "± 2.72–3.01° SEM [C1]; a change < 8.93° is within measurement error "
        "(SDD 7.54–8.93°); method error 2–6° (unverified, indicative)"
    )
    assert band_text(None) == ""


def test_a_queued_analysis_can_be_cancelled(vw: VideoWorld, squat_csv: bytes) -> None:
    client = vw.client()
    headers = api_login(client, DOC)
    created = client.post(
        f"/api/v1/patients/{vw.world.patient_a}/videos",
        data={"view": "frontal", "task": "squat", "side": "left", "source": "keypoints"},
        files={"video": ("a.csv", squat_csv, "text/csv")},
        headers=headers,
    ).json()
    cancelled = client.post(f"/api/v1/jobs/{created['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert [j.id for j in vw.drain()] == []  # never started
    again = client.get(f"/api/v1/jobs/{created['id']}", headers=headers).json()
    assert (again["status"], again["started_at"]) == ("cancelled", None)


def test_result_page_shows_direction_rejected_steps_and_per_step_chart(
    vw: VideoWorld, tmp_path: Path
) -> None:
    kp, _ = synthetic.running_sagittal(
        facing=-1.0, speed_px_s=250.0, body_px=300.0, duration_s=3.0, cadence_spm=170.0
    )
    xy = kp.xy_px.copy()
    xy[-20:, 29:33, 0] += np.random.default_rng(3).normal(0.0, 60.0, xy[-20:, 29:33, 0].shape)
    path = tmp_path / "run.csv"
    write_keypoints_csv(kp.replace(xy_px=xy), path)
    client = vw.client()
    csrf = page_login(client, DOC)
    pid = vw.world.patient_a
    response = _upload(
        client,
        csrf,
        pid,
        path.read_bytes(),
        view="sagittal",
        task="run",
        source="keypoints",
        filename="run.csv",
    )
    assert response.status_code == 303
    assert [j.status for j in vw.drain()] == ["done"]
    page = client.get(response.headers["location"]).text
    assert "Steps and direction of travel" in page
    assert "right to left" in page
    assert "steps kept" in page
    assert '<svg role="img"' in page
    assert 'fill="#1a7f37"' in page  # kept steps drawn filled
    assert "Every detected contact" in page
    assert "Steps kept / rejected" in page


def test_walking_is_offered_accepted_and_kept_out_of_the_running_fields(
    vw: VideoWorld, tmp_path: Path
) -> None:
    kp, _ = synthetic.running_sagittal(
        facing=1.0, speed_px_s=120.0, body_px=300.0, duration_s=4.0, cadence_spm=110.0
    )
    path = tmp_path / "walk.csv"
    write_keypoints_csv(kp, path)
    client = vw.client()
    csrf = page_login(client, DOC)
    pid = vw.world.patient_a
    form = client.get(f"/clinic/patients/{pid}/videos").text
    assert '<option value="walk"' in form
    assert ">Walking</option>" in form
    response = _upload(
        client, csrf, pid, path.read_bytes(), task="walk", source="keypoints", filename="w.csv"
    )
    assert response.status_code == 303  # no tested leg needed: both legs are filmed
    assert [j.status for j in vw.drain()] == ["done"]
    page = client.get(response.headers["location"]).text
    assert "No metric of this analysis can go into the assessment." in page
    unknown = _upload(client, csrf, pid, path.read_bytes(), task="jog", source="keypoints")
    assert unknown.status_code == 422
    assert "unknown task" in unknown.text
    headers = api_login(client, DOC)
    created = client.post(
        f"/api/v1/patients/{pid}/videos",
        data={"view": "sagittal", "task": "walk", "source": "keypoints"},
        files={"video": ("w.csv", path.read_bytes(), "text/csv")},
        headers=headers,
    )
    assert created.status_code == 202
    vw.drain()
    result = client.get(created.json()["links"]["result"], headers=headers).json()
    assert result["result"]["task"] == "walk"
    assert result["acceptable"] == {}  # a walking cadence is not the running cadence field
    refused = client.post(
        f"/api/v1/patients/{pid}/videos",
        data={"view": "sagittal", "task": "jog", "source": "keypoints"},
        files={"video": ("w.csv", path.read_bytes(), "text/csv")},
        headers=headers,
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert (error["field"], error["code"]) == ("task", "invalid_input")
    assert "walk" in error["allowed"]
    with vw.world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(JobRow)) == 2


def test_web_tasks_are_the_pipeline_tasks() -> None:
    from runnersknee.gait.pipeline import TASKS
    from runnersknee.services.video import uploads as video_uploads

    assert video_uploads.TASKS == TASKS
