"""A clinic's own photo or video per exercise: attached by clinicians or admins, checked by
content and size, stored owner-only, served only to the clinic's logged-in users, and shown to
the clinic's patients (session and exercise card) instead of the drawing, with its text."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for
from runnersknee.store.tables import AuditRow, ExerciseMediaRow, UserRow
from runnersknee.web.app import create_app
from tests.ready import sign_plan_for
from tests.web.conftest import World, csrf_of, page_login

ALT = "A woman lying on her side lifts her top knee while her feet stay together."


@pytest.fixture
def app(world: World, tmp_path: Path) -> Any:
    with world.database.transaction() as tx:
        doc = actor_for(
            tx, tx.scalars(select(UserRow).where(UserRow.email == "doc@test.example")).one()
        )
        sign_plan_for(tx, doc, world.patient_a)
    made = create_app(
        Settings(database_url=world.database.url, data_dir=tmp_path / "data"), world.database
    )
    made.state.clock = world.app.state.clock  # type: ignore[attr-defined]
    made.state.data_dir = tmp_path / "data"
    return made


def _client(app: Any, email: str) -> tuple[Any, str]:
    from fastapi.testclient import TestClient

    client = TestClient(app)
    return client, page_login(client, email)


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def _mp4(folder: Path) -> bytes:
    import cv2
    import numpy as np

    path = folder / "clip.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 15.0, (160, 120))  # type: ignore[attr-defined]
    for i in range(15):
        frame = np.full((120, 160, 3), 200, np.uint8)
        cv2.circle(frame, (20 + 8 * i, 60), 12, (40, 40, 200), -1)
        writer.write(frame)
    writer.release()
    return path.read_bytes()


def _attach(  # noqa: PLR0917 - a form post's parts
    client: Any, token: str, exercise_id: str, data: bytes, alt: str = ALT, name: str = "pic.png"
) -> Any:
    return client.post(
        f"/clinic/exercises/{exercise_id}/media",
        data={"csrf_token": token, "alt_text": alt},
        files={"media": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


def _first_exercise(client: Any) -> str:
    found = re.search(r'name="exercise_id" value="([^"]+)"', client.get("/me/session/1").text)
    assert found is not None
    return found.group(1)


def _stored(app: Any) -> list[Path]:
    return sorted((app.state.data_dir / "exercise-media").rglob("media"))


def _rows(app: Any) -> int:
    with app.state.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(ExerciseMediaRow)) or 0)


def test_a_clinic_photo_replaces_the_drawing_for_its_patients(app: Any) -> None:
    patient, _ = _client(app, "a@test.example")
    exercise_id = _first_exercise(patient)
    assert f'src="/illustrations/{exercise_id}.svg"' in patient.get("/me/session/1").text
    doc, _ = _client(app, "doc@test.example")
    listing = doc.get("/clinic/exercises")
    assert listing.status_code == 200
    assert f'href="/clinic/exercises/{exercise_id}"' in listing.text
    photo = _png()
    saved = _attach(
        doc, csrf_of(doc.get(f"/clinic/exercises/{exercise_id}").text), exercise_id, photo
    )
    assert saved.status_code == 303
    assert "Picture saved." in doc.get(saved.headers["location"]).text
    [stored] = _stored(app)
    assert stored.read_bytes() == photo
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    session = patient.get("/me/session/1").text
    found = re.search(
        r'<img class="session-illustration" src="(/exercise-media/\d+\?v=\w+)" alt="([^"]+)">',
        session,
    )
    assert found is not None, "the session shows the clinic's photo"
    assert found.group(2) == ALT
    assert f"/illustrations/{exercise_id}.svg" not in session
    today = patient.get("/me").text
    assert f'<img class="illustration" src="{found.group(1)}" alt="{ALT}">' in today  # the card
    served = patient.get(found.group(1))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.content == photo
    assert served.headers["x-content-type-options"] == "nosniff"
    other, _ = _client(app, "doc2@test.example")
    assert other.get(found.group(1)).status_code == 404  # another clinic's users
    from fastapi.testclient import TestClient

    anonymous = TestClient(app).get(found.group(1), follow_redirects=False)
    assert anonymous.status_code == 303
    with app.state.database.transaction() as tx:
        audited = tx.scalar(select(func.count()).where(AuditRow.action == "clinic.media"))
    assert audited


def test_a_clinic_video_plays_in_the_session(app: Any, tmp_path: Path) -> None:
    patient, _ = _client(app, "a@test.example")
    exercise_id = _first_exercise(patient)
    admin, token = _client(app, "admin@test.example")  # admins may attach pictures too
    clip = _mp4(tmp_path)
    assert _attach(admin, token, exercise_id, clip, name="clip.mp4").status_code == 303
    session = patient.get("/me/session/1").text
    assert re.search(
        r'<video class="session-illustration" src="/exercise-media/\d+\?v=\w+" controls', session
    )
    assert f'aria-label="{ALT}"' in session
    assert f">{ALT}</figcaption>" in session
    url = re.search(r'src="(/exercise-media/[^"]+)"', session)
    assert url is not None
    assert patient.get(url.group(1)).headers["content-type"] == "video/mp4"


def test_bad_files_get_a_clear_error_and_change_nothing(app: Any) -> None:
    patient, _ = _client(app, "a@test.example")
    exercise_id = _first_exercise(patient)
    doc, token = _client(app, "doc@test.example")
    kept = _png((10, 10))
    assert _attach(doc, token, exercise_id, kept).status_code == 303
    jpeg_head = b"\xff\xd8\xff\xe0" + b"\x00" * 12
    cases = [
        (b"just some notes\n" * 30, ALT, "is not a photo (JPEG, PNG or WebP) or a video"),
        (b"GIF89a" + b"\x00" * 200, ALT, "is not a photo"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, ALT, "his photo cannot be read"),
        (jpeg_head + b"\x00" * (8 * 1024 * 1024 + 10), ALT, "a photo may be at most 8 MB"),
        (_png(), "  ", "escribe what the photo or video shows"),
        (_png(), "x" * 301, "at most 300 characters"),
    ]
    for data, alt, message in cases:
        response = _attach(doc, token, exercise_id, data, alt)
        assert response.status_code == 422, message
        assert message in response.text
        assert "There is a problem" in response.text
    empty = doc.post(
        f"/clinic/exercises/{exercise_id}/media",
        data={"csrf_token": token, "alt_text": ALT},
        files={"media": ("", b"", "application/octet-stream")},
    )
    assert empty.status_code == 422
    assert "Choose a photo or a video" in empty.text
    assert _attach(doc, token, "no-such-exercise", _png()).status_code == 404
    assert _rows(app) == 1
    [stored] = _stored(app)
    assert stored.read_bytes() == kept  # the clinic's picture is unchanged


def test_replacing_and_removing_a_picture_deletes_the_old_file(app: Any) -> None:
    patient, _ = _client(app, "a@test.example")
    exercise_id = _first_exercise(patient)
    doc, token = _client(app, "doc@test.example")
    _attach(doc, token, exercise_id, _png((10, 10)))
    first = re.search(r'src="(/exercise-media/[^"]+)"', patient.get("/me/session/1").text)
    _attach(doc, token, exercise_id, _png((20, 20)))
    second = re.search(r'src="(/exercise-media/[^"]+)"', patient.get("/me/session/1").text)
    assert first is not None
    assert second is not None
    assert first.group(1) != second.group(1)  # a new picture is a new address
    assert len(_stored(app)) == 1
    removed = doc.post(f"/clinic/exercises/{exercise_id}/media/remove", data={"csrf_token": token})
    assert removed.status_code == 200
    assert "Picture removed." in removed.text
    assert _stored(app) == []
    assert f'src="/illustrations/{exercise_id}.svg"' in patient.get("/me/session/1").text


def test_only_the_clinics_staff_attach_pictures(app: Any) -> None:
    patient, token = _client(app, "a@test.example")
    exercise_id = _first_exercise(patient)
    assert patient.get("/clinic/exercises").status_code == 403
    assert patient.get(f"/clinic/exercises/{exercise_id}").status_code == 403
    assert _attach(patient, token, exercise_id, _png()).status_code == 403
    remove = patient.post(
        f"/clinic/exercises/{exercise_id}/media/remove", data={"csrf_token": token}
    )
    assert remove.status_code == 403
    assert _rows(app) == 0
