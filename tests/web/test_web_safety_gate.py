"""One safety gate behind every patient surface (pages, JSON API, CLI).

A patient with a signed plan whose latest intake raises a red flag, a patient without a plan,
a plan before the running phase and a pain flare under clinician review: no surface may show
an exercise or a run the gate does not allow. The last test enumerates every GET route the
patient can reach, so a new surface is covered without being listed here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runnersknee.config import Settings
from runnersknee.services.demo import PFP_CASE, RED_FLAG_CASE
from runnersknee.services.running import run_records
from runnersknee.store.tables import MorningPainBaselineRow, PlanVersionRow
from runnersknee.web.app import route_table
from tests.content import CONTENT
from tests.ready import IRRITABLE, READY
from tests.web.conftest import TODAY, World, api_login, client_for, page_login
from tests.web.test_web_runs import api_upload, synthetic_run

#: Text that only a run prescription contains (docs/running.md, runs_macros.html).
RUN_MARKERS = ("Walk–run stage", "Distance cap", "Earliest day", '"earliest_day"')


def _doc(world: World) -> tuple[TestClient, dict[str, str]]:
    doc = client_for(world)
    return doc, api_login(doc, "doc@test.example")


def signed_plan_for(world: World, patient_id: int, assessment: dict[str, Any]) -> dict[str, Any]:
    """Intake (PFP), assessment and a signed plan for ``patient_id``; returns the plan."""
    doc, headers = _doc(world)
    base = f"/api/v1/patients/{patient_id}"
    assert doc.put(f"{base}/intake", json=PFP_CASE, headers=headers).status_code == 200
    assert doc.put(f"{base}/assessment", json=assessment, headers=headers).status_code == 200
    assert doc.post(f"{base}/plans", headers=headers).status_code == 201
    signed = doc.post(f"{base}/plans/sign", json={"note": "seen"}, headers=headers)
    assert signed.status_code == 200, signed.text
    plan: dict[str, Any] = signed.json()["plan"]
    return plan


def exercise_titles(plan: dict[str, Any]) -> list[str]:
    titles = [
        str(item["title"])
        for component in plan["components"]
        for item in component["items"]
        if item.get("exercise_id")
    ]
    assert titles
    return titles


def _patient(world: World) -> tuple[TestClient, dict[str, str]]:
    client = client_for(world)
    return client, api_login(client, "a@test.example")


def _upload_runs(client: TestClient, headers: dict[str, str], patient_id: int) -> None:
    files = [(f"run{i}.fit", synthetic_run(start, 5.0)) for i, start in enumerate(_starts())]
    response, job = api_upload(client, headers, patient_id, *files)
    assert response.status_code == 202, response.text
    assert job["status"] == "done", job
    assert "next_run" not in job["result"]  # the next run is read through the gate only


def _starts() -> list[datetime]:
    return [datetime.combine(TODAY - timedelta(days=d), time(7), tzinfo=UTC) for d in (9, 5, 2)]


def test_a_cleared_runner_in_the_running_phase_gets_a_run(world: World) -> None:
    signed_plan_for(world, world.patient_a, READY)
    client, headers = _patient(world)
    _upload_runs(client, headers, world.patient_a)
    nxt = client.get(f"/api/v1/patients/{world.patient_a}/runs/next", headers=headers)
    assert nxt.status_code == 200
    assert nxt.json()["instruction"]
    assert nxt.json()["gate"]["runs_allowed"] is True


def test_a_red_flag_after_the_plan_blocks_every_exercise_and_run(world: World) -> None:
    plan = signed_plan_for(world, world.patient_a, READY)
    client, headers = _patient(world)
    _upload_runs(client, headers, world.patient_a)
    doc, doc_headers = _doc(world)
    base = f"/api/v1/patients/{world.patient_a}"
    assert doc.put(f"{base}/intake", json=RED_FLAG_CASE, headers=doc_headers).status_code == 200

    today = client.get(f"{base}/today", headers=headers).json()
    assert today["items"] == []
    assert today["gate"]["state"] == "red_flag"
    assert "emergency department" in today["gate"]["stop_text"]
    nxt = client.get(f"{base}/runs/next", headers=headers)
    assert nxt.status_code == 409
    assert nxt.json()["error"]["field"] == "gate"
    pain = client.post(f"{base}/runs/pain", json={"during": 1}, headers=headers)
    assert pain.status_code == 201
    assert pain.json()["next_run"] is None
    assert client.get(f"{base}/plans", headers=headers).json()["data"] == []
    assert client.get(base, headers=headers).json()["plan"] is None
    exercise_id = next(
        item["exercise_id"]
        for component in plan["components"]
        for item in component["items"]
        if item.get("exercise_id")
    )
    logged = client.post(
        f"{base}/exercise-logs",
        json={"exercise_id": exercise_id, "sets_done": 1},
        headers=headers,
    )
    assert logged.status_code == 409

    page = client_for(world)
    page_login(page, "a@test.example")
    me = page.get("/me").text
    assert "Please get your knee checked first" in me
    assert "emergency department" in me
    assert not any(title in me for title in exercise_titles(plan))
    runs = page.get("/me/runs").text
    assert not any(marker in runs for marker in RUN_MARKERS)
    assert "Please do not start or continue" in runs

    report = run_records.report_for_patient(
        Settings(database_url=world.database.url),
        world.patient_a,
        today=TODAY,
        content=CONTENT,
    )
    assert report["next_run"] is None
    assert report["gate"]["state"] == "red_flag"
    assert report["gate"]["triage_level"] == "emergency"


def test_clearing_the_red_flag_opens_the_plan_again(world: World) -> None:
    signed_plan_for(world, world.patient_a, READY)
    doc, doc_headers = _doc(world)
    base = f"/api/v1/patients/{world.patient_a}"
    doc.put(f"{base}/intake", json=RED_FLAG_CASE, headers=doc_headers)
    client, headers = _patient(world)
    assert client.get(f"{base}/today", headers=headers).json()["items"] == []
    referred = {"decision": "referred", "note": "Sent to the emergency department"}
    doc.post(f"{base}/referral", json=referred, headers=doc_headers)
    assert client.get(f"{base}/today", headers=headers).json()["gate"]["state"] == "referred"
    cleared = {"decision": "cleared", "note": "Seen by Dr X: no infection"}
    doc.post(f"{base}/referral", json=cleared, headers=doc_headers)
    today = client.get(f"{base}/today", headers=headers).json()
    assert today["gate"]["state"] == "open"
    assert today["items"]


def test_no_plan_means_no_run_and_says_so(world: World) -> None:
    doc, doc_headers = _doc(world)
    base = f"/api/v1/patients/{world.patient_a}"
    client, headers = _patient(world)
    before = client.get(f"{base}/runs/next", headers=headers)
    assert before.status_code == 409
    assert "questions about your knee" in before.json()["error"]["message"]
    assert doc.put(f"{base}/intake", json=PFP_CASE, headers=doc_headers).status_code == 200
    _upload_runs(client, headers, world.patient_a)
    nxt = client.get(f"{base}/runs/next", headers=headers)
    assert nxt.status_code == 409
    assert "Your clinician will set up your plan" in nxt.json()["error"]["message"]
    runs = client.get(f"{base}/runs", headers=headers).json()
    assert runs["gate"]["runs_allowed"] is False
    assert runs["count"] == 3


def test_a_plan_before_the_running_phase_prescribes_exercises_but_no_run(world: World) -> None:
    plan = signed_plan_for(world, world.patient_a, IRRITABLE)
    assert plan["phase"] < 3
    client, headers = _patient(world)
    base = f"/api/v1/patients/{world.patient_a}"
    _upload_runs(client, headers, world.patient_a)
    today = client.get(f"{base}/today", headers=headers).json()
    assert today["items"]
    nxt = client.get(f"{base}/runs/next", headers=headers)
    assert nxt.status_code == 409
    assert "Running is not part of your plan yet" in nxt.json()["error"]["message"]
    assert nxt.json()["error"]["state"] == "phase_too_early"


def test_a_pain_flare_under_review_holds_runs_and_keeps_exercises(world: World) -> None:
    signed_plan_for(world, world.patient_a, READY)
    with world.database.transaction() as tx:  # signed before the logs (the app's clock: TODAY)
        for row in tx.scalars(select(PlanVersionRow)):
            row.created_at = datetime(2026, 2, 20, 9, tzinfo=UTC)
    client, headers = _patient(world)
    base = f"/api/v1/patients/{world.patient_a}"
    _upload_runs(client, headers, world.patient_a)
    assert client.get(f"{base}/runs/next", headers=headers).status_code == 200
    for day in ("2026-02-26", "2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"):
        logged = client.post(
            f"{base}/pain-logs", json={"during": 8, "after": 8, "logged_on": day}, headers=headers
        )
        assert logged.status_code == 201, logged.text
    today = client.get(f"{base}/today", headers=headers).json()
    assert today["gate"]["state"] == "clinician_review"
    assert today["items"]
    nxt = client.get(f"{base}/runs/next", headers=headers)
    assert nxt.status_code == 409
    assert "do not run" in nxt.json()["error"]["message"]


def _routes(routes: Iterable[Any]) -> Iterator[tuple[str, frozenset[str]]]:
    """(path, methods) of every route, descending into included routers."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        elif getattr(route, "path", None) and getattr(route, "methods", None):
            yield str(route.path), frozenset(route.methods)


def _patient_get_routes(world: World) -> list[str]:
    table = {*route_table(world.app), *_routes(world.app.routes)}  # type: ignore[attr-defined]
    paths = set()
    for path, methods in table:
        if "GET" not in methods or path.startswith("/static"):
            continue
        if path.startswith(("/me", "/api/v1/patients/{patient_id}")):
            paths.add(path)
    return sorted(paths)


@pytest.mark.parametrize("blocker", ["red_flag", "no_plan"])
def test_no_patient_get_route_shows_a_blocked_prescription(world: World, blocker: str) -> None:
    """Every GET route a patient can reach, enumerated from the app: nothing prescribed."""
    titles = exercise_titles(signed_plan_for(world, world.patient_a, READY))
    doc, doc_headers = _doc(world)
    if blocker == "red_flag":  # patient A: a signed plan, then a red-flag intake
        patient_id, email = world.patient_a, "a@test.example"
        intake = RED_FLAG_CASE
    else:  # patient B: the same presentation as A, an intake but no plan yet
        patient_id, email = world.patient_b, "b@test.example"
        intake = PFP_CASE
    base = f"/api/v1/patients/{patient_id}"
    assert doc.put(f"{base}/intake", json=intake, headers=doc_headers).status_code == 200
    client = client_for(world)
    headers = api_login(client, email)
    _upload_runs(client, headers, patient_id)
    page = client_for(world)
    page_login(page, email)
    routes = _patient_get_routes(world)
    assert "/me" in routes
    assert "/api/v1/patients/{patient_id}/runs/next" in routes
    checked = 0
    for path in routes:
        url = (
            path.replace("{patient_id}", str(patient_id))
            .replace("{slug}", "symptoms")
            .replace("{instrument_id}", "nprs")
            .replace("{job_id}", "1")
            .replace("{name}", "result.json")
        )
        response = page.get(url) if path.startswith("/me") else client.get(url, headers=headers)
        assert response.status_code < 500, (url, response.status_code)
        text = response.text
        assert not any(marker in text for marker in RUN_MARKERS), url
        assert not any(title in text for title in titles), url
        checked += 1
    assert checked >= 10


def test_the_cli_runs_report_is_gated(world: World, tmp_path: Any) -> None:
    """`runnersknee runs report patient:ID` prescribes nothing for a patient without a plan."""
    client, headers = _patient(world)
    _upload_runs(client, headers, world.patient_a)
    report = run_records.report_for_patient(
        Settings(database_url=world.database.url),
        world.patient_a,
        today=date(2026, 3, 2),
        content=CONTENT,
    )
    assert report["runs"]
    assert report["next_run"] is None
    assert report["gate"]["state"] == "no_intake"


def test_the_today_decision_judges_mornings_against_the_recorded_baseline(
    world: World,
) -> None:
    """Exercise sessions use the usual morning pain the patient recorded; without it they hold."""
    signed_plan_for(world, world.patient_a, READY)
    with world.database.transaction() as tx:  # signed before the logs (the app's clock: TODAY)
        for row in tx.scalars(select(PlanVersionRow)):
            row.created_at = datetime(2026, 2, 20, 9, tzinfo=UTC)
    client, headers = _patient(world)
    base = f"/api/v1/patients/{world.patient_a}"
    for day in ("2026-02-25", "2026-02-27"):
        logged = client.post(
            f"{base}/pain-logs", json={"during": 1, "after": 1, "logged_on": day}, headers=headers
        )
        assert logged.status_code == 201, logged.text
        morning = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
        client.post(
            f"{base}/pain-logs", json={"next_morning": 1, "logged_on": morning}, headers=headers
        )
    held = client.get(f"{base}/today", headers=headers).json()["decision"]
    assert held["decision"] == "hold"
    assert any("usual morning pain" in reason for reason in held["reasons"])
    baseline = client.post(f"{base}/runs/pain", json={"morning_baseline": 1}, headers=headers)
    assert baseline.status_code == 201, baseline.text
    with world.database.transaction() as tx:  # recorded before the first session
        for row in tx.scalars(select(MorningPainBaselineRow)):
            row.recorded_on = date(2026, 2, 21)
    decided = client.get(f"{base}/today", headers=headers).json()["decision"]
    assert decided["decision"] == "progress", decided["reasons"]
