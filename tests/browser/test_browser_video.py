"""Real chromium: a clinician uploads a video, the server's own background worker analyses it
(the job page reloads itself, no JavaScript needed), and the annotated MP4 plays and seeks in
the <video> element; axe-core finds no serious/critical problem; the patient's filming guide."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser.conftest import axe_violations, login, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOC = ("clinician@demo.example", "demo-clinician-pass")


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-frame synthetic video (OpenCV, MJPG/AVI): a moving box, no person."""
    import cv2

    path = tmp_path_factory.mktemp("clip") / "hallway.avi"
    fourcc = cv2.VideoWriter_fourcc(*"MJPG")  # type: ignore[attr-defined]
    writer = cv2.VideoWriter(str(path), fourcc, 30.0, (320, 240))
    rng = np.random.default_rng(1)
    for i in range(40):
        frame = np.full((240, 320, 3), 110, np.uint8)
        cv2.rectangle(frame, (30 + 2 * i, 50), (110 + 2 * i, 170), (40, 120, 220), -1)
        writer.write(cv2.add(frame, rng.integers(0, 10, frame.shape, dtype=np.uint8)))
    writer.release()
    return path


def _clean(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


def test_clinician_uploads_and_plays_the_annotated_video(
    video_url: str, browser: Any, clip: Path
) -> None:
    page = new_page(browser)
    login(page, video_url, *DOC)
    page.click("text=Sam Mid")
    assert re.search(r"/clinic/patients/\d+$", page.url)
    page.goto(f"{page.url}/assessment")
    _clean(page)
    page.set_input_files("#video-file", str(clip))
    page.select_option("#video-view", "sagittal")
    page.select_option("#video-task", "run")
    page.click("button:has-text('Upload and analyse')")
    assert re.search(r"/videos/\d+$", page.url)
    # the job page reloads itself (HTTP Refresh) until the worker has finished
    page.wait_for_selector("#metrics-title", timeout=60_000)
    assert "No reliable result" in page.content()
    video = page.locator("#annotated-video")
    assert video.count() == 1
    page.wait_for_function(
        "document.querySelector('#annotated-video').readyState >= 1", timeout=20_000
    )
    duration = page.evaluate("document.querySelector('#annotated-video').duration")
    assert duration > 0
    seeked = page.evaluate(
        """() => new Promise((resolve) => {
            const v = document.querySelector('#annotated-video');
            v.addEventListener('seeked', () => resolve(v.currentTime), {once: true});
            v.currentTime = v.duration / 2;
        })"""
    )
    assert seeked == pytest.approx(duration / 2, abs=0.1)
    assert page.evaluate("document.querySelector('img.chart').naturalWidth") > 0
    _clean(page)
    page.click("text=All video analyses")
    assert "hallway.avi" in page.content()
    _clean(page)


def test_patient_reads_the_filming_guide_on_a_phone(video_url: str, browser: Any) -> None:
    page = new_page(browser, phone=True)
    login(page, video_url, "midplan@demo.example", "demo-patient-pass")
    page.click("nav >> text=Videos")
    assert page.url.endswith("/me/videos")
    page.click("text=How to film a good video")
    assert page.url.endswith("/me/filming-guide")
    assert page.locator("h1").inner_text() == "How to film for a movement analysis"
    assert "60 frames per second" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _clean(page)
