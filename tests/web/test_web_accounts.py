"""Item 8 of issue 18: password policy, change and reset, a new login ends the old session,
TOTP second factor with recovery codes, enforced by a clinic setting."""

from __future__ import annotations

import re

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runnersknee.config import Settings
from runnersknee.services.access.credentials import check_password_policy
from runnersknee.store.tables import AuditRow, UserRow
from runnersknee.web.app import create_app
from tests.web.conftest import PASSWORD, World, api_login, client_for

DOC = "doc@test.example"
NEW_PASSWORD = "violet-tractor-harbour-9"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-1", "at least 12"),
        ("1qaz2wsx3edc", "breached"),
        ("qwertyuiopas", "harder password"),
        ("aaaaaaaaaaaaaaaa", "harder password"),
        ("x" * 129, "at most 128"),
    ],
)
def test_the_password_policy_refuses_weak_passwords(password: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_password_policy(password, 12)


def test_a_password_built_from_the_email_is_refused() -> None:
    with pytest.raises(ValueError, match="harder password"):
        check_password_policy("drtestdrtest1", 12, "drtest@test.example", "Dr Test")
    check_password_policy(NEW_PASSWORD, 12, "doc@test.example", "Dr Test")


def _session_ok(client: TestClient) -> bool:
    return client.get("/api/v1/auth/session").status_code == 200


def test_logging_in_again_ends_the_old_session(world: World) -> None:
    first, second = client_for(world), client_for(world)
    api_login(first, DOC)
    assert _session_ok(first)
    api_login(second, DOC)
    assert _session_ok(second)
    assert not _session_ok(first)


def test_password_change_needs_the_current_one_and_ends_sessions(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, DOC)
    wrong = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-it-at-all", "password": NEW_PASSWORD},
        headers=headers,
    )
    assert wrong.status_code == 422
    weak = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "password": "1qaz2wsx3edc"},
        headers=headers,
    )
    assert weak.status_code == 422
    changed = client.post(
        "/api/v1/auth/password",
        json={"current_password": PASSWORD, "password": NEW_PASSWORD},
        headers=headers,
    )
    assert changed.status_code == 200
    assert not _session_ok(client)
    old = client.post("/api/v1/auth/login", json={"email": DOC, "password": PASSWORD})
    assert old.status_code == 422
    api_login(client, DOC, NEW_PASSWORD)


def test_an_admin_reset_token_works_once_and_ends_sessions(world: World) -> None:
    doctor = client_for(world)
    api_login(doctor, DOC)
    with world.database.transaction() as tx:
        doc_id = tx.scalar(select(UserRow.id).where(UserRow.email == DOC))
        patient_user = tx.scalar(select(UserRow.id).where(UserRow.email == "a@test.example"))
    admin = client_for(world)
    headers = api_login(admin, "admin@test.example")
    refused = admin.post(f"/api/v1/users/{patient_user}/password-reset", headers=headers)
    assert refused.status_code == 404, "admins do not manage patient logins"
    issued = admin.post(f"/api/v1/users/{doc_id}/password-reset", headers=headers)
    assert issued.status_code == 201
    token = issued.json()["token"]
    anonymous = client_for(world)
    used = anonymous.post("/api/v1/auth/reset", json={"token": token, "password": NEW_PASSWORD})
    assert used.status_code == 200
    again = anonymous.post("/api/v1/auth/reset", json={"token": token, "password": PASSWORD * 2})
    assert again.status_code == 422
    assert not _session_ok(doctor)
    api_login(doctor, DOC, NEW_PASSWORD)
    with world.database.transaction() as tx:
        actions = set(tx.scalars(select(AuditRow.action)))
    assert {"user.reset_issued", "auth.password_reset"} <= actions


def _enrol(client: TestClient, headers: dict[str, str]) -> tuple[str, list[str]]:
    started = client.post("/api/v1/auth/mfa", headers=headers).json()
    secret = started["secret"]
    assert started["uri"].startswith("otpauth://totp/")
    bad = client.post(
        "/api/v1/auth/mfa/confirm",
        json={"enrol_token": started["enrol_token"], "otp": "000000"},
        headers=headers,
    )
    assert bad.status_code == 422
    confirmed = client.post(
        "/api/v1/auth/mfa/confirm",
        json={"enrol_token": started["enrol_token"], "otp": pyotp.TOTP(secret).now()},
        headers=headers,
    )
    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == 10
    return secret, codes


def _login(client: TestClient, **extra: str) -> object:
    return client.post("/api/v1/auth/login", json={"email": DOC, "password": PASSWORD, **extra})


def test_totp_is_required_once_enrolled_and_recovery_codes_work_once(world: World) -> None:
    settings = Settings(database_url=world.database.url, login_rate_per_account=50)
    client = TestClient(create_app(settings, world.database))
    secret, codes = _enrol(client, api_login(client, DOC))
    challenge = _login(client)
    assert challenge.status_code == 401  # type: ignore[attr-defined]
    assert challenge.json()["error"]["code"] == "mfa_required"  # type: ignore[attr-defined]
    assert _login(client, otp="123456").status_code == 422  # type: ignore[attr-defined]
    assert _login(client, otp=pyotp.TOTP(secret).now()).status_code == 200  # type: ignore[attr-defined]
    assert _login(client, otp=codes[0]).status_code == 200  # type: ignore[attr-defined]
    assert _login(client, otp=codes[0]).status_code == 422  # type: ignore[attr-defined]


def test_a_clinic_setting_makes_staff_enrol_at_login(world: World) -> None:
    admin = client_for(world)
    headers = api_login(admin, "admin@test.example")
    assert admin.put("/api/v1/clinic/mfa", json={"required": True}, headers=headers).json() == {
        "mfa_required": True
    }
    patient = client_for(world)
    api_login(patient, "a@test.example")  # patients are not asked
    client = client_for(world)
    challenge = _login(client).json()["error"]  # type: ignore[attr-defined]
    assert challenge["code"] == "mfa_required"
    assert challenge["enrol"] is True
    code = pyotp.TOTP(challenge["secret"]).now()
    forged = _login(client, enrol_token=challenge["enrol_token"] + "x", otp=code)
    assert forged.status_code == 401  # type: ignore[attr-defined]
    done = _login(client, enrol_token=challenge["enrol_token"], otp=code)
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert len(done.json()["recovery_codes"]) == 10  # type: ignore[attr-defined]
    # the HTML form asks for the code too
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    form = client.post(
        "/login", data={"email": DOC, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert form.status_code == 401
    assert 'name="otp"' in form.text
