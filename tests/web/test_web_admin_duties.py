"""Hole 6 of issue 18: admins see no patient data, and no admin alone can make a login they
can use (a second admin approves it); every user-management action audits its target."""

from __future__ import annotations

from sqlalchemy import select

from runnersknee.services.access.accounts import create_user
from runnersknee.services.access.authz import Role
from runnersknee.store.tables import AuditRow, ClinicRow, UserRow
from tests.web.conftest import PASSWORD, World, client_for, csrf_of, page_login

NEW = "self-made@test.example"


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
    with world.database.transaction() as tx:
        clinic = tx.scalar(select(ClinicRow.id).where(ClinicRow.name == "Test clinic"))
        assert clinic is not None
        create_user(tx, clinic, "admin2@test.example", "Admin Two", Role.ADMIN, PASSWORD)
    client, text = _admin_page(world, "admin@test.example")
    made = client.post(  # type: ignore[attr-defined]
        "/admin/users",
        data={
            "csrf_token": csrf_of(text),
            "email": NEW,
            "display_name": "Admin as clinician",
            "role": "clinician",
            "password": PASSWORD,
        },
    )
    assert made.status_code == 200
    assert "waiting for a second admin" in made.text
    with world.database.transaction() as tx:
        new_id = tx.scalar(select(UserRow.id).where(UserRow.email == NEW))
    assert new_id is not None
    me = client_for(world)
    refused = me.post("/api/v1/auth/login", json={"email": NEW, "password": PASSWORD})
    assert refused.status_code == 422, "a pending login cannot be used"
    own = client.post(  # type: ignore[attr-defined]
        f"/admin/users/{new_id}/active", data={"csrf_token": csrf_of(made.text), "active": "1"}
    )
    assert own.status_code == 409
    assert "another admin must approve" in own.text
    other, other_text = _admin_page(world, "admin2@test.example")
    approved = other.post(  # type: ignore[attr-defined]
        f"/admin/users/{new_id}/active", data={"csrf_token": csrf_of(other_text), "active": "1"}
    )
    assert approved.status_code == 200
    assert (
        me.post("/api/v1/auth/login", json={"email": NEW, "password": PASSWORD}).status_code == 200
    )
    with world.database.transaction() as tx:
        audited = tx.execute(
            select(AuditRow.action, AuditRow.record_id, AuditRow.outcome).where(
                AuditRow.record_type == "user", AuditRow.action.like("user.%")
            )
        ).all()
    assert ("user.create", str(new_id), "allowed") in audited
    assert ("user.approve", str(new_id), "allowed") in audited


def test_an_admin_cannot_manage_patient_logins(world: World) -> None:
    with world.database.transaction() as tx:
        patient_user = tx.scalar(select(UserRow.id).where(UserRow.email == "a@test.example"))
    client, text = _admin_page(world, "admin@test.example")
    response = client.post(  # type: ignore[attr-defined]
        f"/admin/users/{patient_user}/active", data={"csrf_token": csrf_of(text), "active": "0"}
    )
    assert response.status_code == 404
