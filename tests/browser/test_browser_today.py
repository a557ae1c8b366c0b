"""Real chromium on a phone (390 x 844 and 320 px wide): today's session -> logging -> pain
check -> next step; "too painful" offers the easier level; the printed handouts; axe-core on
today, session, runs and learn pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATIENT = ("midplan@demo.example", "demo-patient-pass")
SHOTS = Path("/tmp/runnersknee-today-shots")
#: A phone-height page: today was about 5,200 px tall at 390 px before the session mode.
SHORT_PX = 2200


def _clean(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


def _phone(browser: Any, width: int) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 844}, bypass_csp=True)
    return context.new_page()


def _fits(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", [390, 320])
def test_today_session_logging_pain_check_next_step(
    live_url: str, browser: Any, width: int
) -> None:
    page = _phone(browser, width)
    login(page, live_url, *PATIENT)
    assert page.url.endswith("/me")
    _clean(page)
    _fits(page, width)
    assert page.evaluate("document.documentElement.scrollHeight") < SHORT_PX
    _shot(page, f"today-{width}")
    page.click("a.button.start")
    assert "/me/session/" in page.url
    _clean(page)
    _fits(page, width)
    picture = page.locator("img.session-illustration")
    assert picture.is_visible()
    assert picture.bounding_box()["width"] >= width - 40
    _shot(page, f"session-{width}")
    page.locator("button.set-next").click()
    assert page.locator(".set-done").count() >= 1
    timer = page.locator(".timer-button")
    if timer.count():
        timer.first.click()
        page.wait_for_timeout(1200)
        assert " s" in page.locator(".timer-display").first.inner_text()
    for _ in range(10):
        finish = page.locator("a:has-text('Finish: how is your knee?')")
        if finish.count():
            finish.click()
            break
        page.click("a:has-text('Next exercise')")
    assert page.url.endswith("/me/session/check")
    _clean(page)
    _fits(page, width)
    page.select_option("#pain-during", "1")
    page.select_option("#pain-after", "1")
    page.click("button:has-text('Save')")
    assert page.url.endswith("/me/session/done")
    assert page.locator("#next-title").is_visible()
    _clean(page)
    _shot(page, f"next-step-{width}")
    page.click("a:has-text('Back to today')")
    assert "Today so far: during 1, after 1" in page.content()


def test_too_painful_offers_the_easier_level(live_url: str, browser: Any) -> None:
    page = _phone(browser, 390)
    login(page, live_url, *PATIENT)
    page.goto(f"{live_url}/me/session/1")
    title = page.locator("h1").inner_text()
    page.click("summary:has-text('Too painful?')")
    page.select_option("#pain-now", "2")
    page.click("button:has-text('Save my pain and show an easier version')")
    assert "Your pain is saved" in page.locator("p.notice").inner_text()
    assert f"easier version of {title}" in page.content()
    assert page.locator("h1").inner_text() != title
    _clean(page)
    _shot(page, "too-painful")


def _visible_controls(page: Any) -> int:
    return int(
        page.evaluate(
            "() => [...document.querySelectorAll("
            "'input:not([type=hidden]), select, button, textarea, nav')]"
            ".filter(e => e.offsetParent !== null).length"
        )
    )


def test_today_and_an_exercise_print_as_clean_handouts(live_url: str, browser: Any) -> None:
    page = _phone(browser, 390)
    login(page, live_url, *PATIENT)
    page.emulate_media(media="print")
    page.goto(f"{live_url}/me")
    assert not page.locator("header.top").is_visible()
    assert page.locator("#exercises").is_visible()
    cards = page.locator("#exercises article.exercise")
    assert cards.count() >= 3
    # instructions expanded: the first step of every exercise is shown
    for n in range(cards.count()):
        assert cards.nth(n).locator("details.how-to ol li").first.is_visible()
    assert _visible_controls(page) == 0
    _shot(page, "today-print")
    page.goto(f"{live_url}/me/session/1")
    assert page.locator("h1").is_visible()
    assert page.locator(".how-steps ol li").first.is_visible()
    tips = page.locator("details.tips li")
    if tips.count():
        assert tips.first.is_visible()
    assert not page.locator(".set-list").is_visible()
    assert _visible_controls(page) == 0
    _shot(page, "session-print")
    page.emulate_media(media="screen")
    assert page.locator("header.top").is_visible()
    assert page.locator("button.set-next, .set-done").first.is_visible()


@pytest.mark.parametrize("path", ["/me/runs", "/me/learn", "/me/learn/pain_monitoring"])
def test_runs_and_learn_pages_pass_axe_on_a_phone(live_url: str, browser: Any, path: str) -> None:
    for width in (390, 320):
        page = _phone(browser, width)
        login(page, live_url, *PATIENT)
        page.goto(f"{live_url}{path}")
        _clean(page)
        _fits(page, width)
