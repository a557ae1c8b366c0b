"""Alerts (issue 15): inactivity counts from the plan's sign-off, the alert says when the
event happened, and marking it handled keeps a note."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from runnersknee.services.access.accounts import actor_for
from runnersknee.services.care import alerts
from runnersknee.store.tables import AlertRow, PatientRow, PlanVersionRow, UserRow
from tests.web.conftest import World, api_login, client_for, page_login


def _doc(world: World):
    with world.database.transaction() as tx:
        return actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())


def _signed_on(world: World, patient_id: int) -> date:
    with world.database.transaction() as tx:
        signed = tx.scalar(
            select(PlanVersionRow.created_at).where(PlanVersionRow.status == "signed")
        )
        assert signed is not None
        return signed.date()


def _inactive(world: World, patient_id: int) -> list[AlertRow]:
    with world.database.transaction() as tx:
        rows = tx.scalars(
            select(AlertRow).where(AlertRow.patient_id == patient_id, AlertRow.kind == "inactive")
        ).all()
        tx.expunge_all()
        return list(rows)


def test_no_inactivity_alert_right_after_a_new_plan(world: World, runner_ready: int) -> None:
    signed = _signed_on(world, runner_ready)
    doc = _doc(world)
    for offset in (0, 3, 6):
        with world.database.transaction() as tx:
            assert alerts.scan_inactivity(tx, doc, signed + timedelta(days=offset), 7) == 0
    assert _inactive(world, runner_ready) == []
    with world.database.transaction() as tx:
        assert alerts.scan_inactivity(tx, doc, signed + timedelta(days=7), 7) == 1
    (alert,) = _inactive(world, runner_ready)
    assert alert.occurred_on == signed + timedelta(days=7)
    assert f"since {signed.isoformat()}" in alert.message
    assert "last log: never" in alert.message


def test_inactivity_counts_from_the_later_of_last_log_and_sign_off(
    world: World, runner_ready: int
) -> None:
    signed = _signed_on(world, runner_ready)
    with world.database.transaction() as tx:  # a log long before this plan was signed
        tx.execute(
            update(PatientRow)
            .where(PatientRow.id == runner_ready)
            .values(last_log_on=signed - timedelta(days=30))
        )
    doc = _doc(world)
    with world.database.transaction() as tx:
        assert alerts.scan_inactivity(tx, doc, signed + timedelta(days=2), 7) == 0
    with world.database.transaction() as tx:  # a log after the sign-off moves the start
        tx.execute(
            update(PatientRow)
            .where(PatientRow.id == runner_ready)
            .values(last_log_on=signed + timedelta(days=5))
        )
    with world.database.transaction() as tx:
        assert alerts.scan_inactivity(tx, doc, signed + timedelta(days=8), 7) == 0
    with world.database.transaction() as tx:
        assert alerts.scan_inactivity(tx, doc, signed + timedelta(days=12), 7) == 1
    (alert,) = _inactive(world, runner_ready)
    assert alert.occurred_on == signed + timedelta(days=12)


def test_alert_page_shows_the_event_day_and_keeps_the_handling_note(
    world: World, runner_ready: int
) -> None:
    with world.database.transaction() as tx:
        alerts.raise_alert(
            tx, runner_ready, "pain_flare", "pain:test", "Pain flare: test", date(2026, 2, 25)
        )
        alert_id = tx.scalar(select(AlertRow.id).where(AlertRow.key == "pain:test"))
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    page = client.get("/clinic/alerts")
    assert "When it happened" in page.text
    assert "2026-02-25" in page.text
    assert f'id="note-{alert_id}"' in page.text
    done = client.post(
        f"/clinic/alerts/{alert_id}/resolve",
        data={"csrf_token": token, "note": "Phoned Ann; eased the squats"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with world.database.transaction() as tx:
        row = tx.get(AlertRow, alert_id)
        assert row is not None
        assert row.resolved_at is not None
        assert row.resolved_note == "Phoned Ann; eased the squats"
    assert "Pain flare: test" not in client.get("/clinic/alerts").text


def test_the_api_marks_an_alert_handled_with_a_note_like_the_page(
    world: World, runner_ready: int
) -> None:
    with world.database.transaction() as tx:
        alerts.raise_alert(
            tx, runner_ready, "run_spike", "run_spike:api", "Running load spike", date(2026, 2, 27)
        )
        alerts.raise_alert(tx, runner_ready, "pain_flare", "pain:api2", "Pain flare", None)
        first = tx.scalar(select(AlertRow.id).where(AlertRow.key == "run_spike:api"))
        second = tx.scalar(select(AlertRow.id).where(AlertRow.key == "pain:api2"))
    client = client_for(world)
    headers = api_login(client, "doc@test.example")
    too_long = client.post(
        f"/api/v1/alerts/{first}/resolve", json={"note": "x" * 501}, headers=headers
    )
    assert too_long.status_code == 422
    unknown = client.post(f"/api/v1/alerts/{first}/resolve", json={"n": "x"}, headers=headers)
    assert unknown.status_code == 422
    with world.database.transaction() as tx:
        row = tx.get(AlertRow, first)
        assert row is not None
        assert row.resolved_at is None  # a refused request changed nothing
    done = client.post(
        f"/api/v1/alerts/{first}/resolve",
        json={"note": "  Called Ann: the long run was a race; next run capped  "},
        headers=headers,
    )
    assert done.status_code == 200
    body = done.json()
    assert body["resolved"] is True
    assert body["kind"] == "run_spike"
    assert body["occurred_on"] == "2026-02-27"
    assert body["resolved_note"] == "Called Ann: the long run was a race; next run capped"
    assert body["resolved_at"]
    # handled once: a second call keeps the first note
    again = client.post(
        f"/api/v1/alerts/{first}/resolve", json={"note": "other"}, headers=headers
    ).json()
    assert again["resolved_note"] == body["resolved_note"]
    # the body is optional (older clients): handled without a note
    bare = client.post(f"/api/v1/alerts/{second}/resolve", headers=headers)
    assert bare.status_code == 200
    assert bare.json()["resolved_note"] is None
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/alerts/{alert_id}/resolve"]["post"]
    assert "requestBody" in operation
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/AlertResolvedOut")
    fields = spec["components"]["schemas"]["AlertResolvedOut"]["properties"]
    assert {"resolved_note", "resolved_at", "occurred_on"} <= set(fields)
