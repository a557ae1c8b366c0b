"""Structured dose fields (issue 15): sets, reps, hold, times a week, load and side; the
patient's card says which leg; bad numbers are refused and change nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.care.plan_dose import DoseFields, dose_text, parse_dose_fields
from runnersknee.store.tables import PlanVersionRow
from tests.web.conftest import World, client_for, page_login


def test_dose_text_and_parsing() -> None:
    fields = parse_dose_fields(
        {"sets": "3", "reps": "12", "per_week": "3", "intensity": "5 kg", "side": "left"}
    )
    assert fields == DoseFields(3, 12, None, 3, "5 kg", "left")
    assert dose_text(fields) == "3 \u00d7 12, 3\u00d7/week, left leg; intensity: 5 kg"
    assert parse_dose_fields({"note": "x"}) is None
    for bad, field in (
        ({"sets": "three", "reps": "10"}, "sets"),
        ({"sets": "40", "reps": "10"}, "sets"),
        ({"sets": "3"}, "sets"),
        ({"sets": "3", "reps": "10", "side": "middle"}, "side"),
    ):
        with pytest.raises(InvalidInput) as caught:
            parse_dose_fields(bad)
        assert caught.value.field == field


def _count(world: World) -> int:
    with world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(PlanVersionRow)) or 0)


def test_clinician_sets_a_structured_dose_and_the_patient_sees_the_leg(
    world: World, runner_ready: int
) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    page = client.get(f"/clinic/patients/{runner_ready}/plan")
    found = re.search(r'id="sets-([^"]+)"', page.text)
    assert found is not None
    item_id = found.group(1)
    assert 'value="right" selected' in page.text  # the intake's knee is the default side
    before = _count(world)
    url = f"/clinic/patients/{runner_ready}/plan/items/{item_id}"
    bad = client.post(url, data={"csrf_token": token, "sets": "0", "reps": "10"})
    assert bad.status_code == 422
    assert _count(world) == before
    saved = client.post(
        url,
        data={
            "csrf_token": token,
            "sets": "2",
            "reps": "15",
            "per_week": "4",
            "intensity": "light band",
            "side": "right",
            "note": "slowly",
        },
    )
    assert saved.status_code == 200
    assert "2 \u00d7 15, 4\u00d7/week, right leg; intensity: light band" in saved.text
    assert _count(world) == before + 1
    client.post(
        f"/clinic/patients/{runner_ready}/plan/sign", data={"csrf_token": token, "note": ""}
    )
    patient = client_for(world)
    page_login(patient, "a@test.example")
    today = patient.get("/me").text
    assert "Do it with your right leg." in today
    assert "Load: light band" in today


def test_patient_preview_shows_plain_cards_without_sources(world: World, runner_ready: int) -> None:
    client = client_for(world)
    page_login(client, "doc@test.example")
    page = client.get(f"/clinic/patients/{runner_ready}/plan/preview")
    assert page.status_code == 200
    text = page.text
    assert "What Ann A will see" in text
    assert "Your exercises" in text
    main = text.split("<main", 1)[1]
    assert re.search(r'<section class="card exercise"', main)
    for hidden in ("KB-", "CONS-2016", "CPG-2019", "RF-", "mcid", "citation"):
        assert hidden not in main, hidden


def test_patient_preview_without_a_plan(world: World) -> None:
    client = client_for(world)
    page_login(client, "doc@test.example")
    page = client.get(f"/clinic/patients/{world.patient_b}/plan/preview")
    assert page.status_code == 200
    assert "No plan yet." in page.text
