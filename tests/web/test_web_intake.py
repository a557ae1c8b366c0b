"""The patient's step-by-step intake: draft between steps, stop at a red flag, same service."""

from __future__ import annotations

import io
import json
import re
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.content.intake import load_intake
from runnersknee.store.tables import AlertRow, IntakeDraftRow, IntakeRow
from tests.web.conftest import World, api_login, client_for, page_login

#: Answers that reach "waiting for plan": kneecap pain on squatting and stairs, no red flag.
PLAIN: dict[str, dict[str, str | list[str]]] = {
    "about-you": {"demographics.age_years": "30", "demographics.sex": "female"},
    "your-knee": {"side": "right"},
    "where-it-hurts": {"chart": ["kneecap"]},
    "pain-now": {"pain_now_nprs": "4"},
    "how-it-started": {"onset.kind": "insidious", "onset.symptom_duration_months": "3"},
    "swelling": {"swelling": "none"},
    "what-makes-it-hurt": {"provocative_activities": ["squatting", "stairs_down", "running"]},
    "do-you-run": {"running.runs": "yes"},
    "your-running": {"running.weekly_km": "25", "running.runs_per_week": "3"},
}


def _answers_for(slug: str) -> dict[str, str | list[str]]:
    """PLAIN's answers for a step; every other yes/no question answered "no"."""
    step = next(s for s in load_intake().steps if s.slug == slug)
    given = dict(PLAIN.get(slug, {}))
    for question in step.questions:
        if question.kind == "yesno" and question.field not in given:
            given[question.field] = "no"
    return given


def _post_step(client: TestClient, token: str, slug: str, data: dict[str, str | list[str]]):
    return client.post(
        f"/me/intake/{slug}", data={"csrf_token": token, **data}, follow_redirects=False
    )


def _walk(client: TestClient, token: str, until: str | None = None) -> str:
    """Answer each step in order, following the server's "next" redirects; return the last URL."""
    location = client.get("/me/intake", follow_redirects=False).headers["location"]
    while location.startswith("/me/intake/") and location != "/me/intake/check":
        slug = location.rsplit("/", 1)[-1]
        if slug == until:
            return location
        response = _post_step(client, token, slug, _answers_for(slug))
        assert response.status_code == 303, (slug, response.text[:500])
        location = response.headers["location"]
    return location


def test_the_intake_is_one_topic_per_page_with_progress_and_a_saved_draft(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    start = patient.get("/me/intake", follow_redirects=False)
    assert start.headers["location"] == "/me/intake/about-you"
    first = patient.get("/me/intake/about-you")
    assert "Page 1 of" in first.text
    assert "<h1>About you</h1>" in first.text
    assert "Exam" not in first.text
    assert "tenderness" not in first.text
    assert _post_step(patient, token, "about-you", PLAIN["about-you"]).headers["location"] == (
        "/me/intake/your-knee"
    )
    # a new session (reload, another day) resumes at the next step with the answers kept
    again = client_for(world)
    page_login(again, "b@test.example")
    assert again.get("/me/intake", follow_redirects=False).headers["location"] == (
        "/me/intake/your-knee"
    )
    back = again.get("/me/intake/about-you")
    assert 'value="30"' in back.text
    assert re.search(r'value="female"\s+checked', back.text)
    with world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(IntakeDraftRow)) == 1
        assert tx.scalar(select(func.count()).select_from(IntakeRow)) == 0


def test_a_missing_or_bad_answer_is_a_plain_message_and_nothing_is_saved(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    bad = _post_step(patient, token, "about-you", {"demographics.age_years": "300"})
    assert bad.status_code == 422
    assert "There is a problem" in bad.text
    assert "Please write a number from 5 to 110 years." in bad.text
    summary = re.sub(r"<[^>]+>", " ", bad.text.split('action="/me/intake', 1)[0])
    assert "How old are you? Please write a number from 5 to 110 years." in " ".join(
        summary.split()
    )
    assert "age_years" not in summary  # no field names in the text
    missing = _post_step(patient, token, "about-you", {"demographics.age_years": ""})
    assert "Please answer this question." in missing.text
    with world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(IntakeDraftRow)) == 0


def test_a_red_flag_stops_the_intake_at_that_step_and_records_it(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    assert _walk(patient, token, until="fever-and-redness") == "/me/intake/fever-and-redness"
    flagged = _answers_for("fever-and-redness") | {"systemic.fever_or_unwell": "yes"}
    assert _post_step(patient, token, "swelling", {"swelling": "without_injury"}).status_code == 303
    response = _post_step(patient, token, "fever-and-redness", flagged)
    assert response.headers["location"] == "/me/intake/stop"
    stop = patient.get("/me/intake/stop")
    assert "Get medical help now" in stop.text
    assert "emergency department" in stop.text
    assert "Your exercises" not in stop.text
    assert "Continue" not in stop.text
    assert "RF-" not in stop.text
    assert "[" not in stop.text
    with world.database.transaction() as tx:
        row = tx.scalars(select(IntakeRow)).one()
        assert row.triage_level == "emergency"
        assert row.case_data["systemic"]["fever_or_unwell"] is True
        assert tx.scalar(select(func.count()).select_from(IntakeDraftRow)) == 0
        assert tx.scalar(select(func.count()).where(AlertRow.kind == "red_flag")) == 1
    # the patient cannot answer the red flag away: every intake page shows the stop screen
    assert patient.get("/me/intake", follow_redirects=False).headers["location"] == (
        "/me/intake/stop"
    )
    again = _post_step(patient, token, "fever-and-redness", _answers_for("fever-and-redness"))
    assert again.headers["location"] == "/me/intake/stop"


def test_the_whole_intake_reaches_waiting_for_plan_and_the_clinician_sees_it(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    assert _walk(patient, token) == "/me/intake/check"
    check = patient.get("/me/intake/check")
    assert "Check your answers" in check.text
    assert "Around or behind the kneecap" in check.text
    assert "4 out of 10" in check.text
    sent = patient.post("/me/intake/check", data={"csrf_token": token}, follow_redirects=False)
    assert sent.headers["location"] == "/me/intake/sent"
    page = patient.get("/me/intake/sent")
    assert "Your answers have been sent" in page.text
    assert "will set up your plan" in page.text
    with world.database.transaction() as tx:
        row = tx.scalars(select(IntakeRow)).one()
    assert row.triage_level == "plan"
    assert row.case_data["pain_sites"] == ["around_behind_kneecap"]
    assert row.case_data["pain_now_nprs"] == 4
    assert row.case_data["side"] == "right"
    doc = client_for(world)
    page_login(doc, "doc@test.example")
    form = doc.get(f"/clinic/patients/{world.patient_b}/intake").text
    assert re.search(r'value="around_behind_kneecap"\s+checked', form)
    assert re.search(r'name="pain_now_nprs"[^>]*value="4"', form)


def test_sending_with_a_required_answer_missing_points_to_its_page(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    _post_step(patient, token, "about-you", PLAIN["about-you"])
    sent = patient.post("/me/intake/check", data={"csrf_token": token}, follow_redirects=False)
    assert sent.status_code == 422
    assert 'href="/me/intake/your-knee"' in sent.text
    with world.database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(IntakeRow)) == 0


def test_the_body_chart_maps_only_to_the_case_pain_sites() -> None:
    from runnersknee.services.care.intake_draft import case_document

    answers: dict[str, str | list[str]] = {
        "demographics.age_years": "30",
        "chart": ["kneecap", "outside", "back_of_knee", "lower_back"],
        "notes": "It started after a marathon.",
    }
    document = case_document(answers)
    assert document["pain_sites"] == ["around_behind_kneecap", "lateral_epicondyle", "back"]
    assert document["notes"] == "It started after a marathon.\nBody chart: the back of the knee."
    assert [s.slug for s in load_intake().steps_for(answers)].count("your-injury") == 0
    assert "your-injury" in [s.slug for s in load_intake().steps_for({"onset.kind": "traumatic"})]


def test_a_clinician_cannot_use_the_patient_intake(world: World) -> None:
    doc = client_for(world)
    page_login(doc, "doc@test.example")
    assert doc.get("/me/intake/about-you").status_code == 403


def test_changing_sent_answers_starts_from_them_and_keeps_the_clinicians_findings(
    world: World,
) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    _walk(patient, token)
    patient.post("/me/intake/check", data={"csrf_token": token})
    with world.database.transaction() as tx:
        row = tx.scalars(select(IntakeRow)).one()
        data = dict(row.case_data)
    data["exam"] = {"squat_reproduces_pain": True}
    doc = client_for(world)
    headers = api_login(doc, "doc@test.example")
    put = doc.put(f"/api/v1/patients/{world.patient_b}/intake", json=data, headers=headers)
    assert put.status_code == 200, put.text
    page = patient.get("/me/intake/where-it-hurts")
    assert re.search(r'value="kneecap"[^>]*checked', page.text)
    changed = _answers_for("pain-now") | {"pain_now_nprs": "6"}
    assert _post_step(patient, token, "pain-now", changed).status_code == 303
    _walk(patient, token)
    patient.post("/me/intake/check", data={"csrf_token": token})
    with world.database.transaction() as tx:
        latest = tx.scalars(select(IntakeRow).order_by(IntakeRow.id.desc())).first()
    assert latest is not None
    assert latest.case_data["pain_now_nprs"] == 6
    assert latest.case_data["pain_sites"] == ["around_behind_kneecap"]
    assert latest.case_data["exam"]["squat_reproduces_pain"] is True


def test_an_old_injury_is_asked_about_before_the_triage_can_stop(world: World) -> None:
    """Over 55 with an injury: the Ottawa rule waits for "was it in the last 7 days?"."""
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    older = PLAIN["about-you"] | {"demographics.age_years": "60"}
    _post_step(patient, token, "about-you", older)
    for slug in ("your-knee", "where-it-hurts", "pain-now"):
        _post_step(patient, token, slug, _answers_for(slug))
    started = _post_step(patient, token, "how-it-started", {"onset.kind": "traumatic"})
    assert started.headers["location"] == "/me/intake/your-injury"
    old = _answers_for("your-injury") | {"onset.mechanism": "fall"}
    assert _post_step(patient, token, "your-injury", old).headers["location"] == (
        "/me/intake/fever-and-redness"
    )
    recent = old | {"onset.injury_is_recent": "yes"}
    assert _post_step(patient, token, "your-injury", recent).headers["location"] == (
        "/me/intake/stop"
    )


def test_the_unsent_intake_draft_is_in_the_patients_data_export(world: World) -> None:
    patient = client_for(world)
    token = page_login(patient, "b@test.example")
    before = zipfile.ZipFile(io.BytesIO(patient.get("/me/export.zip").content))
    assert "intake/draft.json" not in before.namelist()  # no draft, no file
    assert _post_step(patient, token, "about-you", PLAIN["about-you"]).status_code == 303
    assert _post_step(patient, token, "your-knee", PLAIN["your-knee"]).status_code == 303
    archive = zipfile.ZipFile(io.BytesIO(patient.get("/me/export.zip").content))
    draft = json.loads(archive.read("intake/draft.json"))["intake_drafts"]
    assert len(draft) == 1
    assert draft[0]["answers"]["demographics.age_years"] == "30"
    assert draft[0]["answers"]["side"] == "right"
    assert draft[0]["next_step"] == "where-it-hurts"
    assert "intake/draft.json" in archive.read("README.txt").decode()
    # the clinician's export of the same record holds it too; another patient's does not
    doc = client_for(world)
    page_login(doc, "doc@test.example")
    mine = zipfile.ZipFile(
        io.BytesIO(doc.get(f"/clinic/patients/{world.patient_b}/export.zip").content)
    )
    assert "intake/draft.json" in mine.namelist()
    other = zipfile.ZipFile(
        io.BytesIO(doc.get(f"/clinic/patients/{world.patient_a}/export.zip").content)
    )
    assert "intake/draft.json" not in other.namelist()
