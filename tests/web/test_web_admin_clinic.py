"""The admin's clinic settings page: the clinic's time zone, chosen from the zoneinfo names."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from runnersknee.store.tables import AuditRow, ClinicRow
from tests.web.conftest import World, client_for, csrf_of, page_login


def _zone(world: World) -> str | None:
    with world.database.transaction() as tx:
        return tx.scalar(select(ClinicRow.time_zone).where(ClinicRow.name == "Test clinic"))


def test_an_admin_sets_the_clinic_time_zone_from_the_list(world: World) -> None:
    client = client_for(world)
    page_login(client, "admin@test.example")
    page = client.get("/admin/clinic")
    assert page.status_code == 200
    assert '<a href="/admin/clinic" aria-current="page">Clinic</a>' in page.text
    assert '<option value="Europe/London">Europe/London</option>' in page.text
    assert '<option value="America/New_York">America/New York</option>' in page.text
    assert "Now in use: <strong>UTC</strong>" in page.text
    saved = client.post(
        "/admin/clinic",
        data={"csrf_token": csrf_of(page.text), "time_zone": "Asia/Tokyo"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert _zone(world) == "Asia/Tokyo"
    shown = client.get(saved.headers["location"]).text
    assert "Time zone saved." in shown
    assert '<option value="Asia/Tokyo" selected>' in shown
    assert "Now in use: <strong>Asia/Tokyo</strong>" in shown
    assert " JST)" in shown
    with world.database.transaction() as tx:
        audited = tx.scalars(select(AuditRow.action).where(AuditRow.action == "clinic.settings"))
        assert len(audited.all()) >= 2
    back = client.post("/admin/clinic", data={"csrf_token": csrf_of(shown), "time_zone": ""})
    assert back.status_code == 200
    assert _zone(world) is None  # empty: the deployment's default again


def test_a_name_not_in_the_list_is_refused_and_changes_nothing(world: World) -> None:
    client = client_for(world)
    page_login(client, "admin@test.example")
    token = csrf_of(client.get("/admin/clinic").text)
    client.post("/admin/clinic", data={"csrf_token": token, "time_zone": "Europe/Paris"})
    for bad in ("Nowhere/Land", "../../etc/passwd", "posixrules" * 8):
        refused = client.post("/admin/clinic", data={"csrf_token": token, "time_zone": bad})
        assert refused.status_code == 422, bad
        assert "There is a problem" in refused.text
        assert "choose a time zone from the list" in refused.text
        assert 'aria-invalid="true"' in refused.text
        assert _zone(world) == "Europe/Paris"


def test_only_admins_change_the_clinic_settings(world: World) -> None:
    for email in ("doc@test.example", "a@test.example"):
        client = client_for(world)
        token = page_login(client, email)
        assert client.get("/admin/clinic").status_code == 403
        refused = client.post("/admin/clinic", data={"csrf_token": token, "time_zone": "UTC"})
        assert refused.status_code == 403
    assert _zone(world) is None
    anonymous = client_for(world)
    assert anonymous.get("/admin/clinic", follow_redirects=False).status_code == 303


def test_the_new_zone_applies_at_once_in_this_process(world: World) -> None:
    """Pages keep a clinic's zone for a minute; saving a new one drops what was kept."""
    with world.database.transaction() as tx:
        clinic_id = tx.scalar(select(ClinicRow.id).where(ClinicRow.name == "Test clinic"))
    kept = {clinic_id: (ZoneInfo("UTC"), time.monotonic() + 3600)}
    world.app.state.clinic_zones = kept  # type: ignore[attr-defined]
    client = client_for(world)
    page_login(client, "admin@test.example")
    token = csrf_of(client.get("/admin/clinic").text)
    client.post("/admin/clinic", data={"csrf_token": token, "time_zone": "Pacific/Auckland"})
    assert kept == {}  # forgotten: the next page reads the new zone
