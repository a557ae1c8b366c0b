"""Account pages (issue 15 "Patient lifecycle and accounts", issue 18 item 8): password change
for every login, invitation links for patients (the clinician never types their password),
reset links handed over or e-mailed, admins reset, change roles and re-enable logins."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from runnersknee.config import Settings
from runnersknee.services.platform import mail
from runnersknee.store.tables import AuditRow, PasswordResetRow, PatientRow, UserRow, utcnow
from runnersknee.web.app import create_app
from runnersknee.web.links import RedactLinks
from tests.web.conftest import PASSWORD, TODAY, World, client_for, csrf_of, page_login

NEW_PASSWORD = "violet-tractor-harbour-9"
DOC = "doc@test.example"
_LINK = re.compile(r'value="(http://testserver(/account/link/[^"]+))"')


def _shown_link(html: str) -> str:
    found = _LINK.search(html)
    assert found is not None, "the page shows no access link"
    return found.group(2)


def _choose_password(client: TestClient, path: str, password: str, again: str = "") -> object:
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    return client.post(
        path,
        data={"csrf_token": csrf_of(page.text), "password": password,
              "password_again": again or password},
    )  # fmt: skip


def _actions(world: World) -> set[str]:
    with world.database.transaction() as tx:
        return set(tx.scalars(select(AuditRow.action)))


def test_every_login_changes_its_password_on_a_page(world: World) -> None:
    client = client_for(world)
    token = page_login(client, DOC)
    assert 'href="/account/password"' in client.get("/clinic/patients").text
    form = {"csrf_token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    wrong = client.post("/account/password", data={**form, "current_password": "not-it-at-all"})
    assert wrong.status_code == 422
    assert "the current password is wrong" in wrong.text
    differ = client.post(
        "/account/password",
        data={**form, "current_password": PASSWORD, "password_again": NEW_PASSWORD + "x"},
    )
    assert differ.status_code == 422
    assert "the two new passwords differ" in differ.text
    done = client.post("/account/password", data={**form, "current_password": PASSWORD})
    assert done.status_code == 200
    assert "Sign in again" in done.text
    assert client.get("/clinic/patients", follow_redirects=False).status_code == 303
    page_login(client_for(world), DOC, NEW_PASSWORD)
    patient = client_for(world)
    page_login(patient, "a@test.example")
    assert client_for(world).get("/account/password", follow_redirects=False).status_code == 303
    assert patient.get("/account/password").status_code == 200


def test_a_new_patient_is_invited_by_a_one_time_link(world: World) -> None:
    doc = client_for(world)
    token = page_login(doc, DOC)
    form = doc.get("/clinic/patients/new").text
    assert 'name="password"' not in form, "the clinician never types a patient's password"
    issued = doc.post(
        "/clinic/patients/new",
        data={"csrf_token": token, "display_name": "Dana D", "email": "dana@test.example"},
    )
    assert issued.status_code == 200
    assert "not shown again" in issued.text
    path = _shown_link(issued.text)
    anonymous = client_for(world)
    welcome = anonymous.get(path)
    assert "dana@test.example" in welcome.text
    assert "choose your password" in welcome.text
    weak = _choose_password(anonymous, path, "1qaz2wsx3edc")
    assert weak.status_code == 422  # type: ignore[attr-defined]
    assert "breached" in weak.text  # type: ignore[attr-defined]
    done = _choose_password(anonymous, path, NEW_PASSWORD)
    assert done.status_code == 200  # type: ignore[attr-defined]
    assert anonymous.get(path).status_code == 404, "a link works once"
    dana = client_for(world)
    page_login(dana, "dana@test.example", NEW_PASSWORD)
    assert dana.get("/me").status_code == 200
    assert {"user.invite_issued", "auth.invite_accepted"} <= _actions(world)


def test_invite_an_existing_patient_then_a_new_sign_in_link(world: World) -> None:
    doc = client_for(world)
    token = page_login(doc, DOC)
    created = doc.post(
        "/clinic/patients/new", data={"csrf_token": token, "display_name": "Eli E"},
        follow_redirects=False,
    )  # fmt: skip
    record = created.headers["location"]
    assert "Invite to the portal" in doc.get(record).text
    first = doc.post(f"{record}/invite", data={"csrf_token": token, "email": "eli@test.example"})
    assert first.status_code == 200
    again = doc.post(f"{record}/invite", data={"csrf_token": token, "email": "x@test.example"})
    assert again.status_code == 422
    assert "already has a portal login" in again.text
    # Not used yet: the new link is an invitation again; the first one still works too.
    second = doc.post(f"{record}/access-link", data={"csrf_token": token})
    assert "Invitation for Eli E" in second.text
    _choose_password(client_for(world), _shown_link(second.text), NEW_PASSWORD)
    reset = doc.post(f"{record}/access-link", data={"csrf_token": token})
    assert "Password reset link for Eli E" in reset.text
    assert "1 hour," in reset.text
    taken = doc.post(
        "/clinic/patients/new",
        data={"csrf_token": token, "display_name": "Dup", "email": "eli@test.example"},
    )
    assert taken.status_code == 422, "bad input changes nothing"
    with world.database.transaction() as tx:
        assert tx.scalar(select(PatientRow.id).where(PatientRow.display_name == "Dup")) is None


def test_an_expired_or_unknown_link_is_refused(world: World) -> None:
    doc = client_for(world)
    token = page_login(doc, DOC)
    issued = doc.post(f"/clinic/patients/{world.patient_a}/access-link", data={"csrf_token": token})
    path = _shown_link(issued.text)
    with world.database.transaction() as tx:
        tx.execute(update(PasswordResetRow).values(expires_at=utcnow() - timedelta(minutes=1)))
    anonymous = client_for(world)
    assert anonymous.get(path).status_code == 404
    assert "expired" in anonymous.get("/account/link/not-a-real-token").text


def test_links_are_e_mailed_when_smtp_is_configured(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[EmailMessage] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: float) -> None:
            assert (host, port) == ("smtp.test.example", 2525)

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def send_message(self, message: EmailMessage) -> None:
            sent.append(message)

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    url = world.database.engine.url.render_as_string(hide_password=False)
    cfg = Settings(
        database_url=url,
        smtp_host="smtp.test.example",
        smtp_port=2525,
        smtp_sender="clinic@test.example",
        smtp_starttls=False,
        public_url="https://clinic.test.example",
    )
    app = create_app(cfg, world.database)
    app.state.clock = lambda: TODAY
    doc = TestClient(app)
    token = page_login(doc, DOC)
    issued = doc.post(
        "/clinic/patients/new",
        data={"csrf_token": token, "display_name": "Fay F", "email": "fay@test.example"},
    )
    assert "An e-mail with the link was sent to fay@test.example" in issued.text
    assert "/account/link/" not in issued.text, "an e-mailed link is not shown"
    assert len(sent) == 1
    assert sent[0]["To"] == "fay@test.example"
    body = sent[0].get_content()
    found = re.search(r"https://clinic\.test\.example(/account/link/\S+)", body)
    assert found is not None
    done = _choose_password(TestClient(app), found.group(1), NEW_PASSWORD)
    assert done.status_code == 200  # type: ignore[attr-defined]


def _admin_row(html: str, email: str) -> str:
    row = re.search(rf"<tr><td>{re.escape(email)}</td>.*?</tr>", html, re.S)
    assert row is not None
    return row.group(0)


def test_admin_resets_changes_roles_and_re_enables(world: World) -> None:
    admin = client_for(world)
    token = page_login(admin, "admin@test.example")
    with world.database.transaction() as tx:
        doc_id = tx.scalar(select(UserRow.id).where(UserRow.email == DOC))
        admin_id = tx.scalar(select(UserRow.id).where(UserRow.email == "admin@test.example"))
    users = admin.get("/admin/users").text
    own = _admin_row(users, "admin@test.example")
    assert "Disable" not in own, "no disable button on one's own row"
    assert "/role" not in own
    assert "Disable" in _admin_row(users, DOC)
    issued = admin.post(f"/admin/users/{doc_id}/reset-link", data={"csrf_token": token})
    assert "Password reset link for Dr Test" in issued.text
    _choose_password(client_for(world), _shown_link(issued.text), NEW_PASSWORD)
    doctor = client_for(world)
    page_login(doctor, DOC, NEW_PASSWORD)
    admin.post(f"/admin/users/{doc_id}/role", data={"csrf_token": token, "role": "admin"})
    assert doctor.get("/clinic/patients", follow_redirects=False).status_code == 303
    self_change = admin.post(
        f"/admin/users/{admin_id}/role", data={"csrf_token": token, "role": "clinician"}
    )
    assert self_change.status_code == 409
    admin.post(f"/admin/users/{doc_id}/active", data={"csrf_token": token, "active": "0"})
    with world.database.transaction() as tx:
        assert tx.scalar(select(UserRow.active).where(UserRow.id == doc_id)) is False
        tx.execute(
            update(UserRow)
            .where(UserRow.id == doc_id)
            .values(locked_until=utcnow() + timedelta(minutes=10))
        )
    admin.post(f"/admin/users/{doc_id}/active", data={"csrf_token": token, "active": "1"})
    with world.database.transaction() as tx:
        row = tx.get_one(UserRow, doc_id)
        assert (row.active, row.locked_until, row.role) == (True, None, "admin")
    assert {"user.reset_issued", "user.role_admin", "user.disable", "user.enable"} <= _actions(
        world
    )


def test_the_api_invites_patients_and_takes_no_patient_password(world: World) -> None:
    from tests.web.conftest import api_login

    doc = client_for(world)
    headers = api_login(doc, DOC)
    typed = doc.post(
        "/api/v1/patients",
        json={"display_name": "Gil G", "email": "gil@test.example", "password": NEW_PASSWORD},
        headers=headers,
    )
    assert typed.status_code == 422
    made = doc.post("/api/v1/patients", json={"display_name": "Gil G"}, headers=headers)
    pid = made.json()["id"]
    invited = doc.post(
        f"/api/v1/patients/{pid}/invite", json={"email": "gil@test.example"}, headers=headers
    )
    assert invited.status_code == 201
    body = invited.json()
    assert (body["purpose"], body["emailed"], body["expires_in_hours"]) == ("invite", False, 72)
    used = client_for(world).post(
        "/api/v1/auth/reset", json={"token": body["token"], "password": NEW_PASSWORD}
    )
    assert used.status_code == 200
    api_login(client_for(world), "gil@test.example", NEW_PASSWORD)
    other = client_for(world)
    other_headers = api_login(other, "doc2@test.example")
    refused = other.post(f"/api/v1/patients/{world.patient_a}/access-link", headers=other_headers)
    assert refused.status_code == 404, "another clinic's patient answers like a missing one"


def test_link_tokens_never_reach_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/account/link/SECRET-TOKEN", "1.1", 200), None,
    )  # fmt: skip
    assert RedactLinks().filter(record)
    assert "SECRET-TOKEN" not in record.getMessage()
    assert "/account/link/[redacted]" in record.getMessage()
