"""Questionnaires on the web: paper-form-only instruments never reach the portal, and a partly
answered form is not stored as a "not scored" row but comes back with the missing items."""

from __future__ import annotations

from sqlalchemy import func, select

from runnersknee.services.demo import PFP_CASE
from runnersknee.store.tables import QuestionnaireRow
from tests.web.conftest import World, api_login, client_for, page_login


def _rows(world: World) -> int:
    with world.database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(QuestionnaireRow)) or 0)


def test_paper_form_instruments_are_never_offered_in_the_portal(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "a@test.example")
    progress = patient.get("/me/progress").text
    assert "/me/questionnaires/akps" in progress
    assert "/me/questionnaires/koos_pf" not in progress
    assert "/me/questionnaires/tsk11" not in progress
    for instrument in ("koos_pf", "tsk11"):
        page = patient.get(f"/me/questionnaires/{instrument}")
        assert page.status_code == 404
        assert "Item 1 of the official" not in page.text  # no placeholder item shown
        posted = patient.post(
            f"/me/questionnaires/{instrument}", data={"csrf_token": token, "item.tsk1": "2"}
        )
        assert posted.status_code == 404
    headers = api_login(patient, "a@test.example")
    api = patient.post(
        f"/api/v1/patients/{world.patient_a}/questionnaires",
        json={"instrument": "tsk11", "answers": {f"tsk{i}": 2 for i in range(1, 12)}},
        headers=headers,
    )
    assert api.status_code == 422
    assert _rows(world) == 0


def test_clinician_enters_paper_form_without_placeholder_wording(world: World) -> None:
    doc = client_for(world)
    page_login(doc, "doc@test.example")
    form = doc.get(f"/clinic/patients/{world.patient_a}/questionnaires/tsk11").text
    assert "official paper form" in form
    assert "wording on the" not in form  # no placeholder question text
    headers = api_login(doc, "doc@test.example")
    doc.put(f"/api/v1/patients/{world.patient_a}/intake", json=PFP_CASE, headers=headers)
    saved = doc.post(
        f"/api/v1/patients/{world.patient_a}/questionnaires",
        json={"instrument": "tsk11", "answers": {f"tsk{i}": 4 for i in range(1, 12)}},
        headers=headers,
    )
    assert saved.status_code == 201, saved.text
    assert _rows(world) == 1


def test_partly_answered_form_keeps_the_draft_and_names_missing_items(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "a@test.example")
    page = patient.post(
        "/me/questionnaires/akps",
        data={"csrf_token": token, "item.limp": "none", "item.support": "full_without_pain"},
    )
    assert page.status_code == 422
    assert "please answer" in page.text.lower()
    assert "item 3" in page.text
    assert page.text.count("Please answer this question.") >= 11
    assert 'value="none" checked' in page.text  # the draft is kept
    assert _rows(world) == 0
