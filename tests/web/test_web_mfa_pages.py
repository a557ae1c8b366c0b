"""Two-factor sign-in on pages (issue 18 item 8): a clinician sets up TOTP on a page and sees
the recovery codes once; a wrong code changes nothing; an admin requires it for the clinic;
patients have no such page."""

from __future__ import annotations

import re

import pyotp
from sqlalchemy import select

from runnersknee.store.tables import ClinicRow, UserRow
from tests.web.conftest import PASSWORD, World, client_for, csrf_of, page_login

DOC = "doc@test.example"


def _secret(html: str) -> str:
    found = re.search(r'id="totp-key" class="key">([A-Z2-7 ]+)<', html)
    assert found is not None, "the set-up page shows no key"
    return found.group(1).replace(" ", "")


def _enrol_token(html: str) -> str:
    found = re.search(r'name="enrol_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def _totp_secret(world: World, email: str) -> str | None:
    with world.database.transaction() as tx:
        return tx.scalar(select(UserRow.totp_secret).where(UserRow.email == email))


def test_a_clinician_sets_up_two_factor_on_a_page(world: World) -> None:
    client = client_for(world)
    token = page_login(client, DOC)
    page = client.get("/account/mfa")
    assert page.status_code == 200
    assert "Set up two-factor sign-in" in page.text
    setup = client.post("/account/mfa/start", data={"csrf_token": token})
    assert setup.status_code == 200
    secret = _secret(setup.text)
    assert "otpauth://totp/" in setup.text
    form = {"csrf_token": token, "enrol_token": _enrol_token(setup.text)}
    wrong = client.post("/account/mfa/confirm", data={**form, "otp": "000000"})
    assert wrong.status_code == 422
    assert "the code does not match" in wrong.text
    assert _totp_secret(world, DOC) is None, "a wrong code changes nothing"
    forged = client.post("/account/mfa/confirm", data={**form, "enrol_token": "x", "otp": "000000"})
    assert forged.status_code == 422
    code = pyotp.TOTP(secret).now()
    done = client.post("/account/mfa/confirm", data={**form, "otp": f"{code[:3]} {code[3:]}"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]+)</code></li>", done.text)
    assert len(codes) == 10
    assert _totp_secret(world, DOC) == secret
    assert "is set up for this login" in client.get("/account/mfa").text
    again = client.post("/account/mfa/start", data={"csrf_token": token})
    assert again.status_code == 409
    # the next sign-in asks for the code
    fresh = client_for(world)
    login = fresh.get("/login")
    answer = fresh.post(
        "/login", data={"email": DOC, "password": PASSWORD, "csrf_token": csrf_of(login.text)}
    )
    assert answer.status_code == 401
    assert 'name="otp"' in answer.text


def test_an_admin_requires_two_factor_and_patients_have_no_page(world: World) -> None:
    admin = client_for(world)
    token = page_login(admin, "admin@test.example")
    users = admin.get("/admin/users")
    assert "Require it for all staff" in users.text
    moved = admin.post(
        "/admin/mfa", data={"csrf_token": token, "required": "1"}, follow_redirects=False
    )
    assert moved.status_code == 303
    with world.database.transaction() as tx:
        assert tx.scalar(select(ClinicRow.mfa_required)) is True
    assert "Make it optional" in admin.get("/admin/users").text
    patient = client_for(world)
    patient_token = page_login(patient, "a@test.example")
    assert 'href="/account/mfa"' not in patient.get("/me").text
    assert patient.get("/account/mfa").status_code == 403
    refused = patient.post("/admin/mfa", data={"csrf_token": patient_token, "required": "0"})
    assert refused.status_code == 403
    with world.database.transaction() as tx:
        assert tx.scalar(select(ClinicRow.mfa_required)) is True
