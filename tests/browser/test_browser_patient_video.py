"""Real chromium on a phone (390 x 844 and 320 px wide): a patient films a single-leg squat
from the filming guide and sends it (upload progress with JavaScript, a plain form without),
the server's worker analyses it, the clinician shares a note and the patient reads it; a
red-flag patient is not asked to film; the clinic's own exercise photo in the session; the
clinic and admin pages. axe-core: no serious or critical finding on every page, no sideways
scrolling on the patient's pages. Screenshots go to ``RUNNERSKNEE_SHOTS`` when set."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, login, new_page
from tests.video_clip import write_clip

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATIENT = ("midplan@demo.example", "demo-patient-pass")
DOC = ("clinician@demo.example", "demo-clinician-pass")
NOTE = "Well filmed. Your knee stays over your foot: keep going with the squats."


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clip") / "my-squat.avi"
    write_clip(path, seed=5)
    return path


def _phone(browser: Any, width: int, *, script: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 844}, bypass_csp=True, java_script_enabled=script
    )
    return context.new_page()


def _check(page: Any, width: int | None, shot: str, *, axe: bool = True) -> None:
    """axe-core (not in a page without JavaScript: the same pages are checked with it),
    sideways scrolling, a screenshot."""
    if axe:
        found = axe_violations(page)
        assert found == [], f"{page.url}: {found}"
    if width is not None:
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    folder = os.environ.get("RUNNERSKNEE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{shot}.png"), full_page=True)


def _film_squat(page: Any, width: int, clip: Path, *, axe: bool = True) -> None:
    """From the filming guide to the squat's page with the leg chosen and the video picked."""
    page.click("nav >> text=Videos")
    assert page.url.endswith("/me/videos")
    _check(page, width, f"videos-{width}", axe=axe)
    page.click("text=How to film a good video")
    assert page.url.endswith("/me/filming-guide")
    page.click("text=Record or upload a video")
    assert page.url.endswith("/me/videos/new")
    _check(page, width, f"video-task-{width}", axe=axe)
    page.click("button:has-text('Continue')")  # nothing chosen: the error summary
    assert "There is a problem" in page.content()
    _check(page, width, f"video-task-error-{width}", axe=axe)
    page.check("#task-squat")
    page.click("button:has-text('Continue')")
    assert "/me/videos/film?task=squat" in page.url
    _check(page, width, f"video-film-{width}", axe=axe)
    file_input = page.locator("#video-file")
    assert file_input.get_attribute("accept") == "video/*"
    assert file_input.get_attribute("capture") == "environment"
    page.check("#side-left")
    page.set_input_files("#video-file", str(clip))


@pytest.mark.parametrize("width", [390, 320])
def test_patient_sends_a_video_with_upload_progress(
    video_url: str, browser: Any, clip: Path, width: int
) -> None:
    page = _phone(browser, width)
    login(page, video_url, *PATIENT)
    _film_squat(page, width, clip)
    page.set_input_files("#video-file", [])  # no video: the server's error shown in place
    with page.expect_response(lambda r: r.url.endswith("/me/videos")) as refused:
        page.click("button:has-text('Send video')")
    assert refused.value.status == 422
    page.wait_for_selector(".error-summary")
    assert "Choose or record a video" in page.locator(".error-summary").inner_text()
    assert "/me/videos/film?task=squat" in page.url
    page.check("#side-left")
    page.set_input_files("#video-file", str(clip))
    seen: list[str] = []
    page.expose_function("recordProgress", lambda value: seen.append(str(value)))
    page.evaluate(
        """() => new MutationObserver(() => recordProgress(
            document.querySelector('#upload-bar').value)).observe(
            document.querySelector('#upload-bar'), {attributes: true})"""
    )
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/me/videos")) as sent:
        page.click("button:has-text('Send video')")
    assert sent.value.resource_type == "xhr"  # sent by upload.js, which shows the progress
    page.wait_for_url(re.compile(r"/me/videos/\d+\?sent=1$"))
    assert seen
    assert seen[-1] == "100"
    assert "Video sent" in page.content()
    assert "Your physiotherapist will review it" in page.content()
    _check(page, width, f"video-sent-{width}")


def test_without_javascript_the_form_sends_the_video_and_the_clinician_shares_a_note(
    video_url: str, browser: Any, clip: Path
) -> None:
    page = _phone(browser, 390, script=False)
    login(page, video_url, *PATIENT)
    _film_squat(page, 390, clip, axe=False)
    page.click("button:has-text('Send video')")
    assert re.search(r"/me/videos/\d+\?sent=1$", page.url)
    video_url_of_patient = page.url.split("?")[0]
    job_id = video_url_of_patient.rsplit("/", 1)[-1]
    assert "Waiting for your physiotherapist to review it" in page.content()
    _check(page, 390, "video-sent-nojs-390", axe=False)
    doc = new_page(browser)
    login(doc, video_url, *DOC)
    doc.click("text=Sam Mid")
    doc.goto(f"{doc.url}/videos/{job_id}")
    doc.wait_for_selector("#metrics-title", timeout=90_000)  # the worker analysed it
    assert "Sent by the patient from the portal" in doc.content()
    _check(doc, None, "clinic-video-share")
    doc.fill("#share-note", NOTE)
    doc.click("button:has-text('Share with the patient')")
    assert "Shared with the patient." in doc.content()
    _check(doc, None, "clinic-video-shared")
    page.goto(video_url_of_patient)
    assert "From your physiotherapist" in page.content()
    assert NOTE in page.content()
    for word in ("FPPA", "confidence", "No reliable result", "°"):
        assert word not in page.locator("main").inner_text()
    viewer = _phone(browser, 390)  # the same page with JavaScript, for axe-core
    login(viewer, video_url, *PATIENT)
    viewer.goto(video_url_of_patient)
    _check(viewer, 390, "video-shared-390")


@pytest.mark.parametrize("width", [390, 320])
def test_a_red_flag_patient_is_not_asked_to_film(video_url: str, browser: Any, width: int) -> None:
    page = _phone(browser, width)
    login(page, video_url, "redflag@demo.example", "demo-patient-pass")
    page.goto(f"{video_url}/me/videos")
    assert "No videos for now" in page.content()
    assert page.locator("a:has-text('Send a new video')").count() == 0
    _check(page, width, f"videos-red-flag-{width}")
    page.goto(f"{video_url}/me/filming-guide")
    assert page.locator("a:has-text('Record or upload a video')").count() == 0
    _check(page, width, f"filming-guide-red-flag-{width}")


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 400), (235, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 120, 200, 260), fill=(30, 60, 140))
    draw.rectangle((200, 170, 560, 220), fill=(30, 60, 140))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def test_clinic_pages_and_the_clinic_photo_in_the_session(
    video_url: str, browser: Any, tmp_path: Path
) -> None:
    patient = _phone(browser, 390)
    login(patient, video_url, *PATIENT)
    patient.goto(f"{video_url}/me/session/1")
    exercise_id = patient.locator("input[name=exercise_id]").first.get_attribute("value")
    doc = new_page(browser)
    login(doc, video_url, *DOC)
    doc.click("nav >> text=Exercises")
    assert doc.url.endswith("/clinic/exercises")
    _check(doc, None, "clinic-exercises")
    doc.goto(f"{video_url}/clinic/exercises/{exercise_id}")
    _check(doc, None, "clinic-exercise")
    doc.click("button:has-text('Save the picture')")  # nothing chosen: a clear error
    assert "There is a problem" in doc.content()
    _check(doc, None, "clinic-exercise-error")
    photo = tmp_path / "lunge.jpg"
    photo.write_bytes(_photo())
    doc.set_input_files("#media-file", str(photo))
    doc.fill("#media-alt", "A physiotherapist shows the exercise on a mat.")
    doc.click("button:has-text('Save the picture')")
    assert "Picture saved." in doc.content()
    patient.goto(f"{video_url}/me/session/1")
    picture = patient.locator("img.session-illustration")
    assert picture.get_attribute("alt") == "A physiotherapist shows the exercise on a mat."
    assert (
        patient.evaluate("document.querySelector('img.session-illustration').naturalWidth") == 640
    )
    assert picture.bounding_box()["width"] >= 390 - 40
    _check(patient, 390, "session-clinic-photo-390")
    doc.click("button:has-text('Remove it and show the drawing')")
    assert "Picture removed." in doc.content()
    admin = new_page(browser)
    login(admin, video_url, "admin@demo.example", "demo-admin-password")
    admin.goto(f"{video_url}/admin/clinic")
    _check(admin, None, "admin-clinic")
    admin.select_option("#time-zone", "Europe/London")
    admin.click("button:has-text('Save time zone')")
    assert "Time zone saved." in admin.content()
    _check(admin, None, "admin-clinic-saved")
