"""Account workflows in a real browser at 1280 px, axe-core 0 serious/critical: a patient is
invited by a one-time link and chooses their own password; an admin's logins page; the
password-change page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import axe_violations, login, new_page

DOC = ("clinician@demo.example", "demo-clinician-pass")
ADMIN = ("admin@demo.example", "demo-admin-password")
CHOSEN = "marble-kettle-orchard-31"


def _clean(page: Any) -> None:
    found = axe_violations(page)
    assert found == [], f"{page.url}: {found}"


def test_a_patient_is_invited_and_chooses_a_password(live_url: str, browser: Any) -> None:
    page = new_page(browser)
    login(page, live_url, *DOC)
    page.goto(f"{live_url}/clinic/patients/new")
    _clean(page)
    assert page.locator("input[type=password]").count() == 0
    page.fill("#display_name", "Invited Patient")
    page.fill("#email", "invited@demo.example")
    page.click("button:has-text('Create patient')")
    page.wait_for_selector("#access-link")
    _clean(page)
    link = page.input_value("#access-link")
    assert "/account/link/" in link
    patient = new_page(browser)
    patient.goto(link)
    assert "invited@demo.example" in patient.content()
    _clean(patient)
    patient.fill("#password", CHOSEN)
    patient.fill("#password_again", CHOSEN)
    patient.click("button:has-text('Save password')")
    patient.wait_for_selector("text=Your password is set")
    login(patient, live_url, "invited@demo.example", CHOSEN)
    patient.wait_for_url(f"{live_url}/me")
    patient.goto(f"{live_url}/account/password")
    _clean(patient)


def test_admin_logins_page_offers_resets_and_roles_but_not_self_disable(
    live_url: str, browser: Any
) -> None:
    page = new_page(browser)
    login(page, live_url, *ADMIN)
    page.wait_for_url(f"{live_url}/admin/users")
    _clean(page)
    own = page.locator("tr", has_text="admin@demo.example")
    assert own.locator("button:has-text('Disable')").count() == 0
    doc = page.locator("tr", has_text=DOC[0])
    assert doc.locator("button:has-text('Reset link')").count() == 1
    doc.locator("button:has-text('Reset link')").click()
    page.wait_for_selector("#access-link")
    _clean(page)


def test_an_admin_creates_a_staff_login_by_a_one_time_link(live_url: str, browser: Any) -> None:
    """No password field: the admin hands over a link shown once; its owner chooses the
    password; the login waits for a second admin's approval."""
    page = new_page(browser)
    login(page, live_url, *ADMIN)
    page.wait_for_url(f"{live_url}/admin/users")
    assert page.locator("input[type=password]").count() == 0
    page.fill("#email", "second-admin@demo.example")
    page.fill("#display_name", "Second Admin")
    page.select_option("#role", "admin")
    page.click("button:has-text('Create login')")
    page.wait_for_selector("#access-link")
    _clean(page)
    assert "stays inactive until another admin" in page.content()
    link = page.input_value("#access-link")
    owner = new_page(browser)
    owner.goto(link)
    assert "second-admin@demo.example" in owner.content()
    _clean(owner)
    owner.fill("#password", CHOSEN)
    owner.fill("#password_again", CHOSEN)
    owner.click("button:has-text('Save password')")
    owner.wait_for_selector("text=Your password is set")
    login(owner, live_url, "second-admin@demo.example", CHOSEN)
    owner.wait_for_load_state()
    assert owner.url.endswith("/login"), "a login waiting for approval does not sign in"
    page.goto(f"{live_url}/admin/users")
    row = page.locator("tr", has_text="second-admin@demo.example")
    assert "waiting for a second admin" in row.inner_text()
    assert row.locator("button:has-text('Approve')").count() == 0  # its creator cannot
    _clean(page)
