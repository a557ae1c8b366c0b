"""Video from the phone: a patient films a task the safety gate allows, the analysis runs as
the clinician's video job, the clinician decides what the patient sees (a plain note).

Jobs run through ``job_runner.drain`` (no worker thread), on a real (synthetic) video.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from runnersknee.services.access.accounts import actor_for
from runnersknee.services.demo import RED_FLAG_CASE
from runnersknee.store.tables import AlertRow, JobRow, UserRow
from runnersknee.web.presenters.job_json import PATIENT_VIDEO_ERROR
from tests.ready import IRRITABLE, sign_plan_for
from tests.video_clip import write_clip
from tests.web.conftest import World, api_login, client_for, csrf_of, page_login
from tests.web.test_web_video import VideoWorld

DOC = "doc@test.example"
#: The first bytes of an MP4 file (an ``ftyp`` box).
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42"
#: What a patient must never read about a video: the analysis is the clinician's.
ANALYSIS_WORDS = ("FPPA", "confidence", "No reliable result", "metric", "SEM", "OpenCV", "°")


@pytest.fixture
def vw(world: World, tmp_path: Path) -> VideoWorld:
    from runnersknee.config import Settings
    from runnersknee.web.app import create_app

    settings = Settings(
        database_url=world.database.url, data_dir=tmp_path / "data", max_upload_bytes=400_000
    )
    app = create_app(settings, world.database)
    app.state.clock = world.app.state.clock  # type: ignore[attr-defined]
    return VideoWorld(world, app, settings)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A short real video (OpenCV, MJPG/AVI, 40 frames) with no person in it."""
    return write_clip(tmp_path_factory.mktemp("video") / "garden.avi")


def _ready(vw: VideoWorld, patient_id: int, assessment: Any = None) -> None:
    with vw.world.database.transaction() as tx:
        doc = actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == DOC)).one())
        if assessment is None:
            sign_plan_for(tx, doc, patient_id)
        else:
            sign_plan_for(tx, doc, patient_id, assessment)


def _send(client: Any, token: str, data: bytes, name: str = "clip.mp4", **fields: str) -> Any:
    form = {"csrf_token": token, "task": "squat", "side": "left", **fields}
    name = str(form.pop("name", name))
    return client.post(
        "/me/videos",
        data=form,
        files={"video": (name, data, "video/mp4")},
        follow_redirects=False,
    )


def _stored(vw: VideoWorld) -> list[Path]:
    return list((vw.settings.data_dir / "uploads").rglob("upload"))


def _jobs(vw: VideoWorld) -> int:
    with vw.world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(JobRow)) or 0)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _film_a_squat(vw: VideoWorld, patient: Any, clip: bytes) -> int:
    """The patient's side: the question, how to film, the upload; returns the job id."""
    pid = vw.world.patient_a
    page_login(patient, "a@test.example")
    videos = patient.get("/me/videos")
    assert '<a href="/me/videos" aria-current="page">Videos</a>' in videos.text
    assert "You have not sent a video yet." in videos.text
    question = patient.get("/me/videos/new").text
    assert 'action="/me/videos/film"' in question
    offered = re.findall(r'name="task" value="([^"]+)"', question)
    assert offered == ["run-side", "run-behind", "walk", "squat", "step-down"]
    film = patient.get("/me/videos/film?task=squat").text
    assert "<h1>Single-leg squat</h1>" in film
    assert 'accept="video/*" capture="environment"' in film
    assert 'name="side" value="left"' in film
    assert 'enctype="multipart/form-data"' in film
    assert '<script src="/static/upload.js" defer></script>' in film
    sent = _send(patient, csrf_of(film), clip, name="My squat.avi")
    assert sent.status_code == 303
    job_id = int(sent.headers["location"].split("/")[-1].split("?")[0])
    thanks = patient.get(sent.headers["location"]).text
    assert "Video sent" in thanks
    assert "Your physiotherapist will review it" in thanks
    assert "Single-leg squat, left leg" in thanks
    [stored] = _stored(vw)
    assert stored.read_bytes() == clip
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert str(pid) in stored.parts  # on the patient's own record
    with vw.world.database.transaction() as tx:
        job = tx.get(JobRow, job_id)
        assert job is not None
        assert job.patient_id == pid
        assert job.kind == "video_analysis"  # the clinician's job, not a copy of it
        assert (job.params["task"], job.params["view"], job.params["side"]) == (
            "squat",
            "frontal",
            "left",
        )
        assert job.params["origin"] == "patient"
        alert = tx.scalars(select(AlertRow).where(AlertRow.kind == "video_review")).one()
        assert alert.patient_id == pid
        assert "Single-leg squat, left leg" in alert.message
    return job_id


def test_patient_films_a_squat_and_the_clinician_shares_a_note(vw: VideoWorld, clip: bytes) -> None:
    pid = vw.world.patient_a
    _ready(vw, pid)
    patient = vw.client()
    job_id = _film_a_squat(vw, patient, clip)
    assert [(j.id, j.status) for j in vw.drain()] == [(job_id, "done")]
    waiting = patient.get(f"/me/videos/{job_id}").text
    assert "Waiting for your physiotherapist to review it" in waiting
    listed = patient.get("/me/videos").text
    assert "Waiting for your physiotherapist to review it" in listed
    for word in ANALYSIS_WORDS:
        assert word not in _text(waiting), word
        assert word not in _text(listed), word
    doc = vw.client()
    page_login(doc, DOC)
    clinic_list = doc.get(f"/clinic/patients/{pid}/videos").text
    assert "sent by the patient: to review" in clinic_list
    result = doc.get(f"/clinic/patients/{pid}/videos/{job_id}").text
    assert "Sent by the patient from the portal" in result
    assert "No reliable result" in result  # the clinician reads the analysis
    assert 'The patient sees "waiting for review" until you share it.' in result
    note = "Thank you. Film it again with the phone a bit further away so we see your feet."
    shared = doc.post(
        f"/clinic/patients/{pid}/videos/{job_id}/share",
        data={"csrf_token": csrf_of(result), "note": note},
        follow_redirects=False,
    )
    assert shared.status_code == 303
    assert "Shared with the patient." in doc.get(shared.headers["location"]).text
    seen = patient.get(f"/me/videos/{job_id}").text
    assert "From your physiotherapist" in seen
    assert note in seen
    assert "Your physiotherapist has looked at it" in patient.get("/me/videos").text
    with vw.world.database.transaction() as tx:
        alert = tx.scalars(select(AlertRow).where(AlertRow.kind == "video_review")).one()
        assert alert.resolved_at is not None


def test_bad_uploads_get_a_clear_error_and_change_nothing(vw: VideoWorld, clip: bytes) -> None:
    _ready(vw, vw.world.patient_a)
    patient = vw.client()
    token = page_login(patient, "a@test.example")
    cases = [
        ({"task": "squat", "side": "left", "name": ""}, b"", "Choose or record a video"),
        ({"task": "squat", "side": "left"}, b"", "is not a video"),
        ({"task": "squat", "side": "left"}, b"not a video at all\n" * 40, "is not a video"),
        ({"task": "squat", "side": "left"}, b"\x89PNG\r\n\x1a\n" + b"0" * 500, "is not a video"),
        ({"task": "squat", "side": ""}, clip, "Choose the leg you are standing on"),
        ({"task": "juggling"}, clip, "Choose what you will film"),
        ({"task": "squat", "side": "left"}, MP4_HEAD + b"0" * 400_000, "larger than the upload"),
    ]  # fmt: skip
    for fields, data, message in cases:
        response = _send(patient, token, data, **fields)
        assert response.status_code in (409, 422), (fields, response.status_code)
        assert message in response.text, (fields, message)
        if "larger" not in message:
            assert "There is a problem" in response.text
    assert _jobs(vw) == 0
    assert _stored(vw) == []
    assert patient.get("/me/videos/film?task=juggling").status_code == 422
    assert patient.get("/me/videos/film").status_code == 422


def test_the_safety_gate_decides_what_may_be_filmed(vw: VideoWorld, clip: bytes) -> None:
    """No plan (or a red flag): nothing; an early phase of the plan: no running."""
    patient = vw.client()
    token = page_login(patient, "a@test.example")
    page = patient.get("/me/videos").text
    assert "No videos for now" in page
    assert "/me/videos/new" not in page
    assert "No videos for now" in patient.get("/me/filming-guide").text
    assert 'name="task"' not in patient.get("/me/videos/new").text
    refused = _send(patient, token, clip)
    assert refused.status_code == 409
    _ready(vw, vw.world.patient_a, IRRITABLE)  # phase 1: exercises, no running yet
    question = patient.get("/me/videos/new").text
    offered = re.findall(r'name="task" value="([^"]+)"', question)
    assert offered == ["walk", "squat", "step-down"]
    assert "Running videos:" in question
    run = _send(patient, token, clip, task="run-side")
    assert run.status_code == 409
    assert "Running videos:" in run.text
    assert patient.get("/me/videos/film?task=run-side").status_code == 422
    assert _jobs(vw) == 0
    doc = client_for(vw.world)
    headers = api_login(doc, DOC)
    red = doc.put(
        f"/api/v1/patients/{vw.world.patient_a}/intake", json=RED_FLAG_CASE, headers=headers
    )
    assert red.status_code == 200
    assert 'name="task"' not in patient.get("/me/videos/new").text
    assert _send(patient, token, clip, task="walk").status_code == 409
    assert _jobs(vw) == 0
    assert _stored(vw) == []


def test_a_patient_never_reads_the_analysis_or_another_patients_video(
    vw: VideoWorld, clip: bytes
) -> None:
    pid, other = vw.world.patient_a, vw.world.patient_b
    _ready(vw, pid)
    _ready(vw, other)
    ann = vw.client()
    sent = _send(ann, page_login(ann, "a@test.example"), clip, task="walk", side="")
    job_id = int(sent.headers["location"].split("/")[-1].split("?")[0])
    vw.drain()
    headers = api_login(ann, "a@test.example")
    base = f"/api/v1/patients/{pid}/videos"
    for url in (base, f"{base}/{job_id}/result", f"{base}/{job_id}/files/annotated.mp4"):
        assert ann.get(url, headers=headers).status_code == 403, url
    own_job = ann.get(f"/api/v1/jobs/{job_id}", headers=headers)
    assert own_job.status_code == 200
    shown = own_job.json()
    assert shown["links"] == {"job": f"/api/v1/jobs/{job_id}"}
    assert shown["stage"] is None
    assert set(shown["params"]) <= {"task", "side"}
    assert shown["error"] in (None, PATIENT_VIDEO_ERROR)
    page_login(ann, "a@test.example")
    assert ann.get(f"/clinic/patients/{pid}/videos/{job_id}").status_code == 403
    denied = ann.post(
        f"/clinic/patients/{pid}/videos/{job_id}/share",
        data={"csrf_token": csrf_of(ann.get("/me/videos").text), "note": "All fine"},
    )
    assert denied.status_code == 403
    ben = vw.client()
    page_login(ben, "b@test.example")
    assert ben.get(f"/me/videos/{job_id}").status_code == 404
    assert "Walking" not in ben.get("/me/videos").text
    doc2 = vw.client()
    token = page_login(doc2, "doc2@test.example")
    other_clinic = doc2.post(
        f"/clinic/patients/{pid}/videos/{job_id}/share", data={"csrf_token": token, "note": "x"}
    )
    assert other_clinic.status_code == 404
    with vw.world.database.transaction() as tx:
        job = tx.get(JobRow, job_id)
        assert job is not None
        assert job.result is not None
        assert "shared" not in job.result


def test_sharing_waits_for_the_analysis_and_checks_the_note(vw: VideoWorld, clip: bytes) -> None:
    pid = vw.world.patient_a
    _ready(vw, pid)
    ann = vw.client()
    sent = _send(ann, page_login(ann, "a@test.example"), clip, task="step-down", side="right")
    job_id = int(sent.headers["location"].split("/")[-1].split("?")[0])
    doc = vw.client()
    token = page_login(doc, DOC)
    url = f"/clinic/patients/{pid}/videos/{job_id}/share"
    early = doc.post(url, data={"csrf_token": token, "note": "Looks good"})
    assert early.status_code == 409
    assert "wait until the analysis has finished" in early.text
    vw.drain()
    long = doc.post(url, data={"csrf_token": token, "note": "x" * 1001})
    assert long.status_code == 422
    assert "at most 1000 characters" in long.text
    assert "Waiting for your physiotherapist" in ann.get(f"/me/videos/{job_id}").text
    plain = doc.post(url, data={"csrf_token": token, "note": "  "}, follow_redirects=False)
    assert plain.status_code == 303
    assert "Your physiotherapist has looked at your video." in ann.get(f"/me/videos/{job_id}").text
