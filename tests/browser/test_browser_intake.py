"""Real chromium on a phone (390 x 844 and 320 px wide): the patient's step-by-step intake.

Each width walks the intake twice with fresh patients: once to the stop screen at a red-flag
answer, once to "waiting for your plan". Every page is checked with axe-core (no serious or
critical finding) and for sideways scrolling. Screenshots go to ``RUNNERSKNEE_SHOTS`` when set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, login, serve
from tests.content import CONTENT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PASSWORD = "intake-browser-pass"
WIDTHS = (390, 320)
#: Answers per page (radio/checkbox value, or text); other yes/no questions are answered "No".
PLAIN: dict[str, dict[str, str | list[str]]] = {
    "about-you": {"demographics.age_years": "34", "demographics.sex": "male"},
    "your-knee": {"side": "left"},
    "where-it-hurts": {"chart": ["kneecap"]},
    "pain-now": {"pain_now_nprs": "3"},
    "how-it-started": {"onset.kind": "insidious"},
    "swelling": {"swelling": "none"},
    "what-makes-it-hurt": {"provocative_activities": ["squatting", "stairs_down"]},
    "do-you-run": {"running.runs": "yes"},
}


@pytest.fixture(scope="module")
def intake_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo clinic with one new patient per test run (before any intake)."""
    from runnersknee.config import Settings
    from runnersknee.services.access.accounts import actor_for
    from runnersknee.services.care import patients
    from runnersknee.services.demo import seed_demo
    from runnersknee.services.platform.database import Database
    from runnersknee.store.tables import UserRow
    from runnersknee.web.app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('intake')}/live.db"
    database = Database(url)
    database.upgrade()
    seed_demo(database, date.today(), CONTENT)
    with database.transaction() as tx:
        doc = tx.query(UserRow).filter_by(email="clinician@demo.example").one()
        actor = actor_for(tx, doc)
        for flow in ("stop", "plan", "emergency"):
            for width in WIDTHS:
                new = patients.NewPatient(
                    f"Intake {flow} {width}", 1991, _email(flow, width), PASSWORD
                )
                patients.create_patient(tx, actor, new, date.today())
    app = create_app(Settings(database_url=url), database)
    with serve(app) as base:
        yield base
    database.dispose()


def _email(flow: str, width: int) -> str:
    return f"intake-{flow}-{width}@demo.example"


def _phone(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 844}, bypass_csp=True)
    return context.new_page()


def _checked_page(page: Any, width: int, name: str) -> None:
    """No serious/critical axe finding, nothing wider than the screen; a screenshot if asked."""
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways at {width} px ({scroll} px)"
    shots = os.environ.get("RUNNERSKNEE_SHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{shots}/{width}-{name}.png", full_page=True)


def _answer(page: Any, slug: str, override: dict[str, str | list[str]]) -> None:
    """Fill the current page: PLAIN's answers, then ``override``, every other yes/no "No"."""
    answers = {**PLAIN.get(slug, {}), **override}
    for radio in page.locator("fieldset.question input[type=radio][value=no]").all():
        name = radio.get_attribute("name")
        if name not in answers:
            page.click(f"label[for='{radio.get_attribute('id')}']")
    for field, value in answers.items():
        prefix = "q-" + field.replace(".", "-")
        if isinstance(value, list):
            for item in value:
                page.click(f"label[for='{prefix}-{item}']")
        elif page.locator(f"#{prefix}-{value}").count():
            page.click(f"label[for='{prefix}-{value}']")
        else:
            page.fill(f"#{prefix}", value)


def _slug(page: Any) -> str:
    return str(page.url).rsplit("/", 1)[-1]


def _start(page: Any, base: str, email: str) -> None:
    login(page, base, email, PASSWORD)
    assert page.url.endswith("/me")
    page.click("text=fill in the intake questions")
    assert _slug(page) == "about-you"


@pytest.mark.parametrize("width", WIDTHS)
def test_a_red_flag_answer_shows_the_stop_screen_at_that_page(
    intake_url: str, browser: Any, width: int
) -> None:
    page = _phone(browser, width)
    _start(page, intake_url, _email("stop", width))
    while _slug(page) != "fever-and-redness":
        _checked_page(page, width, _slug(page))
        _answer(page, _slug(page), {})
        page.click("button:has-text('Continue')")
    _answer(page, "fever-and-redness", {"systemic.fever_or_unwell": "yes"})
    _checked_page(page, width, "fever-and-redness")
    page.click("button:has-text('Continue')")
    assert page.url.endswith("/me/intake/stop")
    _checked_page(page, width, "stop")
    assert page.locator("h1").inner_text() == "Please stop here"
    # fever with knee pain, before the swelling page: urgent (the triage's level and words)
    assert page.locator(".care-urgent h2").inner_text().endswith("See a doctor soon")
    assert "checked by a doctor" in page.locator(".care-card").inner_text()
    assert page.locator("a[href='tel:02079460000']").count() == 1
    assert page.locator("form button:has-text('Continue')").count() == 0
    page.goto(f"{intake_url}/me")
    assert "Your exercises" not in page.content()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_whole_intake_ends_waiting_for_the_plan(
    intake_url: str, browser: Any, width: int
) -> None:
    page = _phone(browser, width)
    _start(page, intake_url, _email("plan", width))
    error_shown = False
    while _slug(page) != "check":
        slug = _slug(page)
        if slug == "about-you" and not error_shown:  # a missing answer: the error summary
            page.click("button:has-text('Continue')")
            assert page.locator(".error-summary").inner_text().startswith("There is a problem")
            _checked_page(page, width, "about-you-error")
            error_shown = True
        _checked_page(page, width, slug)
        if slug == "where-it-hurts":  # tap the drawing: the real checkbox follows
            page.click(".chart-drawing [data-area=hip_thigh]")
            assert page.is_checked("#q-chart-hip_thigh")
            page.click(".chart-drawing [data-area=hip_thigh]")
            assert not page.is_checked("#q-chart-hip_thigh")
        _answer(page, slug, {})
        page.click("button:has-text('Continue')")
        assert "There is a problem" not in page.content(), slug
    page.reload()  # the draft is on the server
    _checked_page(page, width, "check")
    assert "Around or behind the kneecap" in page.content()
    page.click("button:has-text('Send my answers')")
    assert page.url.endswith("/me/intake/sent")
    _checked_page(page, width, "sent")
    assert "will set up your plan" in page.locator(".care-non-urgent").inner_text()
    page.goto(f"{intake_url}/me")
    assert "will set up your plan" in page.content()


def test_an_emergency_answer_shows_the_immediate_action_card(intake_url: str, browser: Any) -> None:
    width = WIDTHS[0]
    page = _phone(browser, width)
    _start(page, intake_url, _email("emergency", width))
    while _slug(page) != "your-back":
        _answer(page, _slug(page), {})
        page.click("button:has-text('Continue')")
    _answer(page, "your-back", {"back_and_bladder.saddle_numbness": "yes"})
    page.click("button:has-text('Continue')")
    assert page.url.endswith("/me/intake/stop")
    _checked_page(page, width, "stop-emergency")
    assert page.locator(".care-immediate h2").inner_text().endswith("Get medical help now")
    assert "emergency" in page.locator(".care-immediate").inner_text()
