"""Today's exercise session (/me/session): one exercise at a time, sets as tap targets,
"too painful" with the easier level, the pain check, and a next step that changes something.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runnersknee.config import Settings
from runnersknee.content.citations import load_citations
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AlertRow, ExerciseLogRow, PainLogRow, UserRow
from runnersknee.web.app import create_app
from tests.content import CONTENT
from tests.web.conftest import csrf_of, page_login

PATIENT = ("midplan@demo.example", "demo-patient-pass")
#: What a patient must never read on today's pages (engine language).
ENGINE_WORDS = ("regressions (limit", "plan version", "unverified", "to be confirmed", "KB ")


@dataclass
class Demo:
    database: Database
    client: TestClient
    token: str
    patient_id: int
    #: The day of the test (read when it starts: the plan is signed with the real clock).
    today: date


@pytest.fixture
def demo(sqlite_url: str) -> Iterator[Demo]:
    today = date.today()
    database = Database(sqlite_url)
    seed_demo(database, today, CONTENT)
    with database.transaction() as tx:
        user = tx.scalars(select(UserRow).where(UserRow.email == PATIENT[0])).one()
        patient_id = actor_for(tx, user).patient_id
    assert patient_id is not None
    app = create_app(Settings(database_url=database.url), database)
    app.state.clock = lambda: today
    client = TestClient(app)
    token = page_login(client, *PATIENT)
    yield Demo(database, client, token, patient_id, today)
    database.dispose()


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _no_engine_language(html: str) -> None:
    visible = _text(re.sub(r'<section class="print-only".*?</section>', "", html, flags=re.S))
    for word in ENGINE_WORDS:
        assert word not in visible, word
    for cite in load_citations():
        assert cite not in html, cite


def test_session_walks_one_exercise_at_a_time_with_sets_as_tap_targets(demo: Demo) -> None:
    first = demo.client.get("/me/session", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/me/session/1"
    page = demo.client.get("/me/session/1").text
    assert "Exercise 1 of 3" in page
    assert "Forward lunge, 0-45°" in _text(page)
    assert page.count('class="set set-next"') == 1
    assert page.count('class="set set-todo"') == 2
    assert 'class="session-illustration"' in page
    for n in (1, 2):
        saved = demo.client.post(
            "/me/session/1/set",
            data={"csrf_token": demo.token, "exercise_id": "forward-lunge-0-45", "reps": "10"},
        )
        assert saved.status_code == 200
        assert saved.url.path == "/me/session/1"
        assert saved.text.count('class="set set-done"') == n
    with demo.database.transaction() as tx:
        rows = tx.scalars(
            select(ExerciseLogRow).where(
                ExerciseLogRow.patient_id == demo.patient_id,
                ExerciseLogRow.performed_on == demo.today,
            )
        ).all()
    assert [(r.exercise_id, r.sets_done, r.reps_done) for r in rows] == [
        ("forward-lunge-0-45", 1, 10),
        ("forward-lunge-0-45", 1, 10),
    ]
    last = demo.client.get("/me/session/3").text
    assert 'href="/me/session/check"' in last
    _no_engine_language(page)
    assert demo.client.get("/me/session/4").status_code == 404


def test_pain_check_then_the_next_step(demo: Demo) -> None:
    check = demo.client.get("/me/session/check")
    assert check.status_code == 200
    done = demo.client.post(
        "/me/session/check",
        data={"csrf_token": csrf_of(check.text), "during": "1", "after": "1"},
    )
    assert done.url.path == "/me/session/done"
    assert "Keep going at this level" in done.text or "ready for the next level" in done.text
    _no_engine_language(done.text)
    bad = demo.client.post("/me/session/check", data={"csrf_token": demo.token, "during": "11"})
    assert bad.status_code == 422
    assert "choose 0 to 10" in bad.text


def test_too_painful_records_pain_and_offers_the_easier_level(demo: Demo) -> None:
    response = demo.client.post(
        "/me/session/1/painful",
        data={"csrf_token": demo.token, "exercise_id": "forward-lunge-0-45", "pain": "7"},
    )
    assert response.status_code == 200
    page = _text(response.text)
    assert "Your pain is saved" in page
    # the library's easier level of the forward lunge
    assert "step-up" in page.lower()
    with demo.database.transaction() as tx:
        pain = tx.scalars(
            select(PainLogRow).where(
                PainLogRow.patient_id == demo.patient_id, PainLogRow.logged_on == demo.today
            )
        ).all()
        alerts = tx.scalars(select(AlertRow).where(AlertRow.patient_id == demo.patient_id)).all()
    assert [(p.during, p.after) for p in pain] == [(7, None)]
    assert any(a.kind == "pain_flare" and a.resolved_at is None for a in alerts)
    # the pain check completes the same session entry (not a second session)
    demo.client.post("/me/session/check", data={"csrf_token": demo.token, "after": "4"})
    with demo.database.transaction() as tx:
        pain = tx.scalars(
            select(PainLogRow).where(
                PainLogRow.patient_id == demo.patient_id, PainLogRow.logged_on == demo.today
            )
        ).all()
    assert [(p.during, p.after) for p in pain] == [(7, 4)]


def _first_regression_only(demo: Demo) -> None:
    """The demo's one sore morning (a regression) is undone: the next breach is the first."""
    with demo.database.transaction() as tx:
        for row in tx.scalars(select(PainLogRow).where(PainLogRow.next_morning == 3)):
            row.next_morning = 0


def test_a_second_breach_holds_the_plan_for_the_clinician(demo: Demo) -> None:
    demo.client.post(
        "/me/session/1/painful",
        data={"csrf_token": demo.token, "exercise_id": "forward-lunge-0-45", "pain": "7"},
    )
    page = demo.client.get("/me").text
    assert "Your plan is on hold" in page
    assert "Your clinician will look at your plan" in page  # the gate's own words
    assert 'class="card next-step' not in page  # one voice: the gate's card only
    with demo.database.transaction() as tx:
        review = tx.scalars(
            select(AlertRow.key).where(
                AlertRow.patient_id == demo.patient_id, AlertRow.kind == "pain_flare"
            )
        ).all()
    assert any(k.startswith("pain:review:") for k in review)
    _no_engine_language(page)


def test_a_regress_decision_changes_the_exercises_the_patient_sees(demo: Demo) -> None:
    _first_regression_only(demo)
    before = demo.client.get("/me").text
    assert "Forward lunge, 0-45°" in _text(before)
    demo.client.post(
        "/me/session/1/painful",
        data={"csrf_token": demo.token, "exercise_id": "forward-lunge-0-45", "pain": "7"},
    )
    after = demo.client.get("/me").text
    listed = [unescape(t) for t in re.findall(r'<a href="/me/session/\d+">(.*?)</a>', after)]
    assert "Easier exercises for now" in after
    assert "Forward lunge, 0-45°" not in listed
    assert any("step-up" in t.lower() for t in listed)
    # the easier level can be logged (it is not a plan item)
    easier = demo.client.get("/me/session/1").text
    exercise_id = re.search(r'name="exercise_id" value="([^"]+)"', easier)
    assert exercise_id is not None
    assert exercise_id.group(1) == "step-up-20"
    saved = demo.client.post(
        "/me/session/1/set",
        data={"csrf_token": demo.token, "exercise_id": "step-up-20", "reps": "5"},
    )
    assert saved.status_code == 200
    assert saved.text.count('class="set set-done"') == 1
    _no_engine_language(after)


def _printed(html: str) -> str:
    found = re.search(r'<section class="print-only".*?</section>', html, flags=re.S)
    assert found is not None, "today has no printed handout"
    return _text(found.group(0))


def test_the_printed_today_after_a_regress_shows_the_easier_exercises(demo: Demo) -> None:
    """Issue 14: the handout printed from Today lists what the patient now sees."""
    _first_regression_only(demo)
    printed = _printed(demo.client.get("/me").text)
    assert "Forward lunge, 0-45°" in printed
    assert "Forward step-up" not in printed
    demo.client.post(
        "/me/session/1/painful",
        data={"csrf_token": demo.token, "exercise_id": "forward-lunge-0-45", "pain": "7"},
    )
    page = demo.client.get("/me").text
    assert "Easier exercises for now" in page
    printed = _printed(page)
    assert "Forward lunge, 0-45°" not in printed.split("An easier version of")[0]
    assert "Forward step-up" in printed
    assert "An easier version of Forward lunge, 0-45° while your knee settles." in printed
    listed = [unescape(t) for t in re.findall(r'<a href="/me/session/\d+">(.*?)</a>', page)]
    for title in listed:  # every exercise of the session is on the handout, in its order
        assert title in printed
    positions = [printed.index(title) for title in listed]
    assert positions == sorted(positions)


def test_a_progress_decision_tells_the_clinician(demo: Demo) -> None:
    page = demo.client.get("/me").text
    assert "You are ready for the next level" in page
    with demo.database.transaction() as tx:
        kinds = tx.scalars(
            select(AlertRow.kind).where(
                AlertRow.patient_id == demo.patient_id, AlertRow.resolved_at.is_(None)
            )
        ).all()
    assert "ready_to_progress" in kinds


def test_exercises_outside_the_plan_and_its_easier_levels_are_refused(demo: Demo) -> None:
    refused = demo.client.post(
        "/me/session/1/set",
        data={"csrf_token": demo.token, "exercise_id": "hop-single-leg"},
    )
    assert refused.status_code == 422
    assert "not in your current plan" in refused.text


def test_session_pages_are_for_patients_only(demo: Demo) -> None:
    clinician = TestClient(demo.client.app)
    page_login(clinician, "clinician@demo.example", "demo-clinician-pass")
    for path in ("/me/session", "/me/session/1", "/me/session/check", "/me/session/done"):
        assert clinician.get(path, follow_redirects=False).status_code == 403, path


def test_progress_page_speaks_plainly(demo: Demo) -> None:
    page = demo.client.get("/me/progress").text
    words = _text(re.sub(r"<svg.*?</svg>", "", page, flags=re.S))
    for word in ("MCID", "MDC", "Plan version", "GROC", "LEFS", *ENGINE_WORDS):
        assert word not in words, word
    assert not any(cite in words for cite in load_citations())
    assert "Global Rating of Change" in words
    assert "How much better or worse you feel" in words
    assert "You are ready for the next level" in words
