"""Hole 6 of issue 18: admins see no patient data, no admin types another person's password
(a new staff login gets a one-time set-password link), and no admin alone can make a login
they can use (a second admin approves it); every user-management action audits its target."""

from __future__ import annotations

from sqlalchemy import select

from runnersknee.services.access.accounts import create_user
from runnersknee.services.access.authz import Role
from runnersknee.store.tables import AuditRow, ClinicRow, UserRow
from tests.web.conftest import PASSWORD, World, client_for, csrf_of, page_login
from tests.web.test_web_account_pages import _choose_password, _shown_link

NEW = "self-made@test.example"
CHOSEN = "lantern-meadow-copper-58"


def _admin_page(world: World, email: str) -> tuple[object, str]:
    client = client_for(world)
    page_login(client, email)
    page = client.get("/admin/users")
    assert page.status_code == 200
    return client, page.text


def test_the_admin_page_shows_no_patient_names_or_emails(world: World) -> None:
    _, text = _admin_page(world, "admin@test.example")
    assert "doc@test.example" in text
    for patient_data in ("Ann A", "a@test.example", "Ben B", "b@test.example"):
        assert patient_data not in text


def test_a_login_an_admin_creates_needs_a_second_admin(world: World) -> None:
    """The admin types no password: the new login gets a one-time set-password link, its
    owner chooses the password, and it works only once a second admin approved it."""
    with world.database.transaction() as tx:
        clinic = tx.scalar(select(ClinicRow.id).where(ClinicRow.name == "Test clinic"))
        assert clinic is not None
        create_user(tx, clinic, "admin2@test.example", "Admin Two", Role.ADMIN, PASSWORD)
    client, text = _admin_page(world, "admin@test.example")
    assert 'type="password"' not in text.split("<h2>New login</h2>", 1)[1]
    made = client.post(  # type: ignore[attr-defined]
        "/admin/users",
        data={
            "csrf_token": csrf_of(text),
            "email": NEW,
            "display_name": "Admin as clinician",
            "role": "clinician",
            "password": PASSWORD,  # an old form's field: ignored, never a password
        },
    )
    assert made.status_code == 200
    assert "Invitation for Admin as clinician" in made.text
    assert "not shown again" in made.text
    assert "stays inactive until another admin" in made.text
    link = _shown_link(made.text)
    with world.database.transaction() as tx:
        new_id = tx.scalar(select(UserRow.id).where(UserRow.email == NEW))
    assert new_id is not None
    me = client_for(world)
    assert _choose_password(me, link, CHOSEN).status_code == 200  # type: ignore[attr-defined]
    pending = me.post("/api/v1/auth/login", json={"email": NEW, "password": CHOSEN})
    assert pending.status_code == 422, "a pending login cannot be used"
    users = client.get("/admin/users").text  # type: ignore[attr-defined]
    assert "waiting for a second admin" in users
    own = client.post(  # type: ignore[attr-defined]
        f"/admin/users/{new_id}/active", data={"csrf_token": csrf_of(users), "active": "1"}
    )
    assert own.status_code == 409
    assert "another admin must approve" in own.text
    other, other_text = _admin_page(world, "admin2@test.example")
    approved = other.post(  # type: ignore[attr-defined]
        f"/admin/users/{new_id}/active", data={"csrf_token": csrf_of(other_text), "active": "1"}
    )
    assert approved.status_code == 200
    typed = me.post("/api/v1/auth/login", json={"email": NEW, "password": PASSWORD})
    assert typed.status_code == 422, "what the admin typed is no password of the login"
    assert me.post("/api/v1/auth/login", json={"email": NEW, "password": CHOSEN}).status_code == 200
    with world.database.transaction() as tx:
        audited = tx.execute(
            select(AuditRow.user_id, AuditRow.action, AuditRow.record_id, AuditRow.outcome).where(
                AuditRow.record_type == "user", AuditRow.record_id == str(new_id)
            )
        ).all()
        admin_id = tx.scalar(select(UserRow.id).where(UserRow.email == "admin@test.example"))
    actions = [(who, action, outcome) for who, action, _, outcome in audited]
    assert (admin_id, "user.create", "allowed") in actions
    assert (admin_id, "user.invite_issued", "allowed") in actions
    assert (new_id, "auth.invite_accepted", "allowed") in actions
    assert any(a == "user.approve" and who != admin_id for who, a, _ in actions)


def test_a_new_staff_login_is_checked_and_its_link_can_be_made_again(world: World) -> None:
    client, text = _admin_page(world, "admin@test.example")
    form = {"csrf_token": csrf_of(text), "display_name": "New Doc", "role": "clinician"}
    bad = client.post("/admin/users", data={**form, "email": "not-an-email"})  # type: ignore[attr-defined]
    assert bad.status_code == 422
    assert "email must look like" in bad.text
    patient_role = client.post(  # type: ignore[attr-defined]
        "/admin/users", data={**form, "email": "p@test.example", "role": "patient"}
    )
    assert patient_role.status_code == 422
    first = client.post("/admin/users", data={**form, "email": NEW})  # type: ignore[attr-defined]
    with world.database.transaction() as tx:
        new_id = tx.scalar(select(UserRow.id).where(UserRow.email == NEW))
    users = client.get("/admin/users").text  # type: ignore[attr-defined]
    again = client.post(  # type: ignore[attr-defined]
        f"/admin/users/{new_id}/reset-link", data={"csrf_token": csrf_of(users)}
    )
    assert "Invitation for New Doc" in again.text  # not yet used: an invitation again
    assert _shown_link(again.text) != _shown_link(first.text)


def test_an_admin_cannot_manage_patient_logins(world: World) -> None:
    with world.database.transaction() as tx:
        patient_user = tx.scalar(select(UserRow.id).where(UserRow.email == "a@test.example"))
    client, text = _admin_page(world, "admin@test.example")
    response = client.post(  # type: ignore[attr-defined]
        f"/admin/users/{patient_user}/active", data={"csrf_token": csrf_of(text), "active": "0"}
    )
    assert response.status_code == 404
