"""Real chromium at 1280 px: the clinician's record tabs and the red-flag workflow (issue 15),
axe-core without serious or critical findings; screenshots under RUNNERSKNEE_SHOTS if set."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, login, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOC = ("clinician@demo.example", "demo-clinician-pass")
TABS = ("Summary", "Intake", "Questionnaires", "Assessment", "Plan", "Runs", "Videos", "Timeline")


def _clean(page: Any, shot: str) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"
    folder = os.environ.get("RUNNERSKNEE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{shot}.png"), full_page=True)


def _open(page: Any, base: str, name: str) -> None:
    login(page, base, *DOC)
    page.fill("#q", name)
    page.click("button:has-text('Filter')")
    page.click(f"text={name}")


def test_every_record_tab_at_desktop_size(live_url: str, browser: Any) -> None:
    page = new_page(browser)
    _open(page, live_url, "Sam Mid")
    assert page.locator("h2:has-text('At a glance')").count() == 1
    for tab in TABS:
        page.click(f"nav.record-tabs >> text={tab}")
        current = page.locator("nav.record-tabs [aria-current=page]")
        assert current.inner_text() == tab
        assert page.locator("h1").inner_text().startswith("Sam Mid")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (tab, width)
        _clean(page, f"record-{tab.lower()}")
    page.click("nav.record-tabs >> text=Runs")
    assert page.locator("#next-run-title").inner_text() == "Next run"
    # the demo's mid-plan runner has 12 weeks of watch files: the weekly chart and the runs
    assert page.locator("#load-title ~ svg, section svg.chart").count() >= 1
    assert page.locator("table.runs tbody tr").count() >= 10


def test_red_flag_workflow_from_call_to_cleared(live_url: str, browser: Any) -> None:
    page = new_page(browser)
    _open(page, live_url, "Robin Red")
    action = page.locator(".red-flag-action")
    assert "Call the patient now" in action.inner_text()
    generate = page.locator("button:has-text('Generate plan')")
    assert generate.is_disabled()
    assert (
        "Contact the patient and record the referral outcome"
        in page.locator("#plan-blocked").inner_text()
    )
    _clean(page, "red-flag-open")
    page.click("text=Add the patient's phone number")
    page.fill("#d-phone", "07700 900123")
    _clean(page, "details")
    page.click("button:has-text('Save details')")
    assert "07700 900123" in page.locator(".red-flag-action").inner_text()
    for item in ("called", "safety_advice", "referral_arranged", "stop_programme"):
        page.check(f"input[name=checklist][value={item}]")
    page.check("input[name=decision][value=cleared]")
    page.fill("#note", "Seen in the emergency department today; no infection")
    page.click("button:has-text('Record outcome')")
    assert "The red-flag alert is closed" in page.locator("p.notice[role=status]").inner_text()
    assert page.locator(".red-flag-action").count() == 0
    assert "Update the intake with the findings" in page.locator("#plan-blocked").inner_text()
    assert page.locator("button:has-text('Generate plan')").is_disabled()
    _clean(page, "red-flag-cleared")
    page.goto(f"{live_url}/clinic/alerts")
    assert "Robin Red" not in page.locator("main").inner_text()


def test_plan_editor_discharge_and_alerts_pages_at_desktop_size(
    live_url: str, browser: Any
) -> None:
    page = new_page(browser)
    _open(page, live_url, "Sam Mid")
    record = page.url
    page.click("nav.record-tabs >> text=Plan")
    assert page.locator("fieldset.dose-fields").count() > 0
    assert page.locator("h2:has-text('Version history')").count() == 1
    _clean(page, "plan-editor")
    page.click("text=Patient preview")
    assert "will see" in page.locator("main").inner_text()
    _clean(page, "plan-preview")
    page.goto(f"{record}/discharge")
    assert page.locator("#criteria-title").count() == 1
    _clean(page, "discharge")
    page.goto(f"{live_url}/clinic/alerts")
    _clean(page, "alerts")


def test_suggestions_one_click_progress_and_timeline_download(live_url: str, browser: Any) -> None:
    page = new_page(browser)
    _open(page, live_url, "Sam Mid")
    record = page.url
    box = page.locator("#suggestions")
    assert box.locator("h2").inner_text() == "Suggested plan changes"
    titles = box.locator("article.suggestion h3").all_inner_texts()
    assert any(t.startswith("Progress \u201cForward lunge") for t in titles), titles
    assert "Pain monitoring says progress" in box.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    _clean(page, "suggestions")
    # dismiss one with a reason: kept, and gone from the open list
    calf = box.locator("article.suggestion", has_text="calf raise")
    calf.locator("input[name=reason]").fill("Calf still sore after the long run")
    calf.locator("button:has-text('Dismiss')").click()
    assert "Suggestion dismissed" in page.locator("p.notice[role=status]").inner_text()
    assert page.locator("#suggestions article.suggestion", has_text="calf raise").count() == 0
    page.click("#suggestions summary")
    assert "Reason: Calf still sore after the long run" in page.locator("#suggestions").inner_text()
    _clean(page, "suggestion-dismissed")
    # accept the other into a new draft: the plan page says so and the history names it
    lunge = page.locator("#suggestions article.suggestion", has_text="Forward lunge")
    lunge.locator("button:has-text('Accept into a new draft')").click()
    assert "/plan" in page.url
    assert "Suggestion accepted" in page.locator("p.notice[role=status]").inner_text()
    assert "draft" in page.locator("#cur-title").inner_text()
    history = page.locator("section[aria-labelledby=ver-title] ul.history").inner_text()
    assert "Accepted the suggestion: Progress" in history
    _clean(page, "suggestion-accepted")
    # one click along the library: back on the plan at the new item
    step = page.locator("form.step-form button[value=progress]").first
    target = step.inner_text().removeprefix("Progress to ").strip()
    step.click()
    assert "#item-" in page.url
    anchor = page.url.split("#", 1)[1]
    item = page.locator(f"[id='{anchor}']")
    assert target in item.locator("h4").inner_text()
    top = item.evaluate("e => e.getBoundingClientRect().top")
    assert -2 <= top < 900  # scrolled to the new item
    _clean(page, "plan-stepped")
    # the timeline downloads as PNG and SVG
    page.goto(f"{record}/timeline")
    for kind in ("png", "svg"):
        with page.expect_download() as info:
            page.click(f"a[href$='timeline.{kind}']")
        assert info.value.suggested_filename.endswith(f".{kind}")
    _clean(page, "timeline")
