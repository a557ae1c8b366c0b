"""Clinician and patient flows through the app: forms, triage gate, plan versions, logs."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from runnersknee.services.demo import ASSESSMENT, PFP_CASE, RED_FLAG_CASE
from runnersknee.store.tables import AuditRow, PatientRow, PlanVersionRow
from tests.web.conftest import World, api_login, client_for, csrf_of, page_login


def test_login_failure_keeps_email_and_says_nothing_specific(world: World) -> None:
    client = client_for(world)
    page = client.get("/login")
    token = csrf_of(page.text)
    response = client.post(
        "/login",
        data={"email": "doc@test.example", "password": "wrong-password!", "csrf_token": token},
    )
    assert response.status_code == 422
    assert "email or password is wrong" in response.text
    assert 'value="doc@test.example"' in response.text
    missing = client.post("/login", data={"email": "x@y.z", "password": "p", "csrf_token": "bad"})
    assert missing.status_code == 403


def test_forms_need_the_session_csrf_token(world: World) -> None:
    client = client_for(world)
    page_login(client, "doc@test.example")
    response = client.post("/clinic/patients/new", data={"display_name": "No Token"})
    assert response.status_code == 403
    with world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).where(PatientRow.display_name == "No Token")) == 0


def test_logout_ends_the_session(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    assert client.get("/clinic/patients").status_code == 200
    client.post("/logout", data={"csrf_token": token})
    after = client.get("/clinic/patients", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"] == "/login"


def test_new_patient_form_keeps_typed_values_on_error(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    bad = client.post(
        "/clinic/patients/new",
        data={"display_name": "Dana D", "birth_year": "17", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert 'value="Dana D"' in bad.text
    assert "birth year must be between" in bad.text
    good = client.post(
        "/clinic/patients/new",
        data={"display_name": "Dana D", "birth_year": "1991", "csrf_token": token},
    )
    assert good.status_code == 200
    assert "Dana D" in good.text
    roster = client.get("/clinic/patients", params={"q": "dana"})
    assert "Dana D" in roster.text
    assert "Ann A" not in roster.text


def test_invalid_intake_rerenders_with_field_message_and_changes_nothing(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    url = f"/clinic/patients/{world.patient_a}/intake"
    form = client.get(url)
    assert 'name="demographics.age_years"' in form.text
    response = client.post(
        url,
        data={"csrf_token": token, "demographics.age_years": "abc", "notes": "typed text"},
    )
    assert response.status_code == 422
    assert "enter a number" in response.text
    assert 'value="abc"' in response.text
    assert "typed text" in response.text
    out_of_range = client.post(url, data={"csrf_token": token, "demographics.age_years": "400"})
    assert out_of_range.status_code == 422
    assert "age_years" in out_of_range.text


def test_red_flag_intake_blocks_the_plan_until_referral_decision(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "doc@test.example")
    pid = world.patient_a
    put = client.put(f"/api/v1/patients/{pid}/intake", json=RED_FLAG_CASE, headers=headers)
    assert put.status_code == 200
    assert put.json()["red_flag"] is True
    assert put.json()["triage"]["level"] == "emergency"
    client.put(f"/api/v1/patients/{pid}/assessment", json=ASSESSMENT, headers=headers)
    refused = client.post(f"/api/v1/patients/{pid}/plans", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "refused"
    assert "referral decision" in refused.json()["error"]["message"]
    page = client.get(f"/clinic/patients/{pid}")
    assert "Triage: EMERGENCY" in page.text
    assert "A plan cannot be generated yet." in page.text
    assert "record the referral outcome" in page.text
    alerts = client.get("/api/v1/alerts", headers=headers).json()
    assert any(a["kind"] == "red_flag" and a["patient_id"] == pid for a in alerts["data"])
    decided = client.post(
        f"/api/v1/patients/{pid}/referral",
        json={"decision": "referred", "note": "sent to the emergency department"},
        headers=headers,
    )
    assert decided.status_code == 200
    still = client.post(f"/api/v1/patients/{pid}/plans", headers=headers)
    assert still.status_code == 409
    alerts = client.get("/api/v1/alerts", headers=headers).json()
    assert not any(a["kind"] == "red_flag" and a["patient_id"] == pid for a in alerts["data"])


def test_clinician_plan_flow_keeps_every_version(world: World) -> None:
    client = client_for(world)
    token = page_login(client, "doc@test.example")
    headers = {"X-CSRF-Token": client.get("/api/v1/auth/session").json()["csrf_token"]}
    pid = world.patient_a
    assert (
        client.put(f"/api/v1/patients/{pid}/intake", json=PFP_CASE, headers=headers).json()[
            "triage"
        ]["level"]
        == "plan"
    )
    saved = client.post(
        f"/clinic/patients/{pid}/assessment",
        data={"csrf_token": token, "right.movement.step_down.score": "3", "body_mass_kg": "61"},
    )
    assert saved.status_code == 200
    generated = client.post(f"/clinic/patients/{pid}/plan/generate", data={"csrf_token": token})
    assert generated.status_code == 200
    assert "Version 1" in generated.text
    item_id = re.search(r'/plan/items/([^"]+)"', generated.text)
    assert item_id is not None
    edited = client.post(
        f"/clinic/patients/{pid}/plan/items/{item_id.group(1)}",
        data={"csrf_token": token, "dose": "2 × 8", "note": "go gently"},
    )
    assert "Version 2" in edited.text
    assert "go gently" in edited.text
    signed = client.post(
        f"/clinic/patients/{pid}/plan/sign", data={"csrf_token": token, "note": "ok"}
    )
    assert "Version 3" in signed.text
    assert "Signed by Dr Test" in signed.text
    versions = client.get(f"/api/v1/patients/{pid}/plans", headers=headers).json()
    assert [v["status"] for v in versions["data"]] == ["signed", "draft", "draft"]
    assert versions["data"][-1]["plan"]["components"]
    with world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(PlanVersionRow)) == 3
        reads = tx.scalar(
            select(func.count()).where(AuditRow.patient_id == pid, AuditRow.action == "plan.sign")
        )
        assert reads == 1


def test_patient_logs_exercise_and_pain_on_the_portal(world: World) -> None:
    doc = client_for(world)
    headers = api_login(doc, "doc@test.example")
    pid = world.patient_a
    doc.put(f"/api/v1/patients/{pid}/intake", json=PFP_CASE, headers=headers)
    doc.put(f"/api/v1/patients/{pid}/assessment", json=ASSESSMENT, headers=headers)
    doc.post(f"/api/v1/patients/{pid}/plans", headers=headers)
    doc.post(f"/api/v1/patients/{pid}/plans/sign", json={"note": ""}, headers=headers)
    patient = client_for(world)
    token = page_login(patient, "a@test.example")
    today = patient.get("/me")
    assert "Your exercises" in today.text
    assert "Stop and seek medical advice" in today.text
    exercise_id = re.search(r'name="exercise_id" value="([^"]+)"', today.text)
    assert exercise_id is not None
    logged = patient.post(
        "/me/log/exercise",
        data={
            "csrf_token": token,
            "exercise_id": exercise_id.group(1),
            "sets_done": "3",
            "reps_done": "10",
        },
    )
    assert logged.status_code == 200
    assert "3 sets done today" in logged.text
    bad = patient.post("/me/log/pain", data={"csrf_token": token, "during": "11"})
    assert bad.status_code == 422
    assert "between 0 and 10" in bad.text
    pain = patient.post("/me/log/pain", data={"csrf_token": token, "during": "2", "after": "1"})
    assert pain.status_code == 200
    assert "Today so far: during 2, after 1" in pain.text
    progress = patient.get("/me/progress")
    assert "<svg" in progress.text
    assert "Pain (0–10)" in progress.text


def test_clinician_sees_the_hip_exam_prompt_for_an_adolescent(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "doc@test.example")
    teen = {
        "demographics": {"age_years": 13, "sex": "female"},
        "pain_sites": ["around_behind_kneecap"],
        "provocative_activities": ["running", "stairs_down"],
    }
    put = client.put(f"/api/v1/patients/{world.patient_a}/intake", json=teen, headers=headers)
    assert put.json()["triage"]["prompts"][0]["rule_id"] == "PROMPT-HIP-EXAM-ADOLESCENT"
    page = client.get(f"/clinic/patients/{world.patient_a}")
    assert "To examine:" in page.text
    assert "Examine the hip" in page.text
