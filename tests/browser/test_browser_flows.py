"""Real chromium: clinician and phone-sized patient flows, red-flag gate, isolation, axe-core."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, login, new_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DOC = ("clinician@demo.example", "demo-clinician-pass")


def _clean(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


def test_clinician_creates_patient_records_intake_assessment_and_signs(
    live_url: str, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_url, *DOC)
    assert page.url.endswith("/clinic/patients")
    _clean(page)
    page.click("text=New patient")
    page.fill("#display_name", "Browser Patient")
    page.fill("#birth_year", "1992")
    page.click("button:has-text('Create patient')")
    assert re.search(r"/clinic/patients/\d+$", page.url)
    _clean(page)
    patient_url = page.url
    page.click("nav.tabs >> text=Intake")
    page.fill("#demographics-age_years", "31")
    page.check("input[name=pain_sites][value=around_behind_kneecap]")
    page.check("input[name=provocative_activities][value=squatting]")
    page.check("input[name=provocative_activities][value=running]")
    _clean(page)
    page.click("button:has-text('Save intake')")
    assert page.url == patient_url
    assert page.locator(".triage h2").inner_text().startswith("Triage: PLAN")
    page.click("nav.tabs >> text=Assessment")
    page.fill("#right-movement-step_down-score", "3")
    page.fill("#body_mass_kg", "64")
    _clean(page)
    page.click("button:has-text('Save assessment')")
    page.goto(f"{patient_url}/plan")
    page.click("button:has-text('Generate plan')")
    assert page.locator("text=Version 1").count() >= 1
    _clean(page)
    page.click("button:has-text('Sign off plan')")
    assert page.locator("text=The patient sees this version").count() == 1
    page.goto(f"{patient_url}/timeline")
    _clean(page)


def test_red_flag_intake_blocks_the_plan(live_url: str, browser: Any) -> None:
    page = new_page(browser)
    login(page, live_url, *DOC)
    page.fill("#q", "Robin")
    page.click("button:has-text('Filter')")
    page.click("text=Robin Red")
    assert "Triage: EMERGENCY" in page.content()
    _clean(page)
    page.click("nav.tabs >> text=Plan")
    assert page.locator("button:has-text('Generate plan')").is_disabled()
    assert "record the referral outcome" in page.locator("#plan-blocked").inner_text()
    page.goto(f"{live_url}/clinic/alerts")
    assert "red flag" in page.content().lower()
    _clean(page)


def test_patient_logs_on_a_phone(live_url: str, browser: Any) -> None:
    page = new_page(browser, phone=True)
    login(page, live_url, "midplan@demo.example", "demo-patient-pass")
    assert page.url.endswith("/me")
    _clean(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    # the session itself is walked through in test_browser_today.py
    assert page.locator("a.button.start").is_visible()
    page.goto(f"{live_url}/me/progress")
    assert page.locator("svg.chart").count() >= 2
    _clean(page)
    page.goto(f"{live_url}/me/learn/what-is-runners-knee")
    _clean(page)


def test_patient_cannot_open_another_patients_pages(live_url: str, browser: Any) -> None:
    page = new_page(browser, phone=True)
    login(page, live_url, "new@demo.example", "demo-patient-pass")
    for path in ("/clinic/patients/3", "/clinic/patients/3/plan", "/api/v1/patients/3"):
        response = page.goto(f"{live_url}{path}")
        assert response is not None
        assert response.status in (403, 404), path
        assert "Sam Mid" not in page.content()
