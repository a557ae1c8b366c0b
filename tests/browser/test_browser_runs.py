"""Real chromium, phone viewport: a patient uploads a real Garmin FIT run, the server's own
worker imports it while the page says "processing", and the patient sees the run and the next
run."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, login, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIT_RUN = Path(__file__).resolve().parents[1] / "data" / "fit" / "garmin-fenix-5-run.fit"


def _clean(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


def test_patient_uploads_a_fit_run_on_a_phone(live_url: str, browser: Any) -> None:
    page = new_page(browser, phone=True)
    login(page, live_url, "midplan@demo.example", "demo-patient-pass")
    page.click("nav >> text=Runs")
    assert page.url.endswith("/me/runs")
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_input_files("#files", str(FIT_RUN))
    page.click("button:has-text('Upload runs')")
    page.wait_for_url(re.compile(r"/me/runs\?upload=\d+"))
    # "Processing your file…" while the server's worker imports it; the page reloads itself
    page.wait_for_selector("#upload-result:has-text('Upload result')", timeout=30_000)
    result = page.locator("#upload-result").inner_text()
    assert "1 run imported" in result
    uploaded = page.locator("li.run", has_text="2017-06-11 07:34")
    assert uploaded.count() == 1
    text = uploaded.first.text_content() or ""
    assert "0.2 km (0.1 miles)" in text
    assert "167 steps a minute" in text
    # the demo's walk-run sessions (stages 1-3, each twice) lead to stage 4
    instruction = page.locator(".next-run-instruction").inner_text()
    assert "Walk 2 min, run 4 min" in instruction
    assert "3.2 km (2 miles)" in instruction
    assert "Walk–run stage" in page.locator(".next-run-dose").inner_text()
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_input_files("#files", str(FIT_RUN))
    page.click("button:has-text('Upload runs')")
    page.wait_for_selector("#upload-result:has-text('Upload result')", timeout=30_000)
    assert "already known" in page.locator("#upload-result").inner_text()
    page.select_option("#run-pain-during", "2")
    page.select_option("#run-pain-after", "1")
    page.click("button:has-text('Save run pain')")
    assert "Pain saved" in page.content()
    logged = re.search(r"Run pain logs so far: (\d+); the latest on (\S+)\.", page.content())
    assert logged is not None
    assert int(logged.group(1)) >= 1
    assert logged.group(2) == date.today().isoformat()
    _clean(page)


def test_a_walk_uploaded_on_a_320_px_phone_is_explained_in_plain_words(
    live_url: str, browser: Any
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True)
    page = context.new_page()
    login(page, live_url, "midplan@demo.example", "demo-patient-pass")
    page.goto(f"{live_url}/me/runs")
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_input_files("#files", str(FIT_RUN.with_name("garmin-fenix-5-walk.fit")))
    page.click("button:has-text('Upload runs')")
    page.wait_for_url(re.compile(r"/me/runs\?upload=\d+"))
    page.wait_for_selector("#upload-result:has-text('Upload result')", timeout=30_000)
    result = page.locator("#upload-result").inner_text()
    assert "not counted as a run" in result
    assert "fitdecode" not in result
    assert "FIT_" not in result
    _clean(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
