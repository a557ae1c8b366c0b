"""The patient's today page (/me): exercises with a plain dose and log form, then advice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runnersknee.config import Settings
from runnersknee.content.citations import load_citations
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.care import records
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import UserRow
from runnersknee.web.app import create_app
from tests.content import CONTENT
from tests.web.conftest import page_login

PATIENT = ("midplan@demo.example", "demo-patient-pass")
ADDED = (
    "quad-iso-90",  # strengthening: sets, reps and holds
    "stretch-calf-soleus",  # stretching: holds only
    "gait-cadence-metronome",  # running drill: minutes
    "gait-cadence-self-monitor",  # guidance only: advice
    "footwear-check",  # footwear: advice
)


@pytest.fixture
def today() -> date:
    """The day of the test, read when it starts (the plan is signed with the real clock, so a
    day read when the module was imported is stale after midnight)."""
    return date.today()


@pytest.fixture
def demo(sqlite_url: str, today: date) -> Iterator[Database]:
    """The demo clinic; the mid-plan patient's plan gains one exercise of each kind."""
    database = Database(sqlite_url)
    seed_demo(database, today, content=CONTENT)
    with database.transaction() as tx:
        doc = actor_for(
            tx, tx.scalars(select(UserRow).where(UserRow.email == "clinician@demo.example")).one()
        )
        user = tx.scalars(select(UserRow).where(UserRow.email == PATIENT[0])).one()
        patient_id = actor_for(tx, user).patient_id
        assert patient_id is not None
        for exercise_id in ADDED:
            records.add_exercise(tx, doc, patient_id, exercise_id, "", content=CONTENT)
        records.sign_plan(tx, doc, patient_id, "more")
    yield database
    database.dispose()


@pytest.fixture
def page(demo: Database, today: date) -> str:
    app = create_app(Settings(database_url=demo.url), demo)
    app.state.clock = lambda: today
    client = TestClient(app)
    token = page_login(client, *PATIENT)
    response = client.post("/me/log/pain", data={"csrf_token": token, "during": "2"})
    assert response.status_code == 200  # the redirect to /me, followed
    return response.text


def _section(html: str, ident: str) -> str:
    start = html.index(f'id="{ident}"')
    end = html.index("</section>", start)
    return html[start:end]


def _advice(html: str) -> str:
    """The advice list (folded on screen), up to the printed handout of the exercises."""
    return html[html.index('id="advice"') : html.index('id="exercises"')]


def _cards(html: str, kind: str) -> list[str]:
    return re.findall(rf'<article class="{kind} card".*?</article>', html, re.S)


def _title(card: str) -> str:
    found = re.search(r"<h3[^>]*>(.*?)</h3>", card, re.S)
    assert found is not None
    return unescape(found.group(1)).strip()


def _text(fragment: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", fragment))


def test_exercises_come_first_and_advice_after(page: str) -> None:
    exercises = _cards(page, "exercise")
    advice = _cards(page, "advice")
    assert [_title(c) for c in exercises] == [
        "Forward lunge, 0-45°",
        "Side-stepping with a band",
        "Single-leg calf raise",
        "Isometric quadriceps at 90° knee bend",
        "Calf stretch, knee bent (soleus)",
        "Cadence retraining with a metronome (+5-10%)",
    ]
    assert page.index("Today's exercises") < page.index("How is your knee?")
    assert page.index("How is your knee?") < page.index("Advice for your knee")
    # the printed handout (hidden on screen) holds every exercise card after the advice
    assert page.index('class="advice card"') < page.index('class="exercise card"')
    listed = re.findall(r'<li><a href="/me/session/(\d+)">(.*?)</a>', page)
    assert [unescape(t) for _, t in listed] == [
        "Forward lunge, 0-45°",
        "Side-stepping with a band",
        "Single-leg calf raise",
        "Isometric quadriceps at 90° knee bend",
        "Calf stretch, knee bent (soleus)",
    ]
    assert "Cadence retraining with a metronome" in _section(page, "session-title")
    titles = [_title(c) for c in advice]
    for expected in (
        "Ice for comfort (self-managed)",
        "Patellar taping worn during exercise",
        "Pain medicines",
        "Footwear check",
        "Cadence self-monitoring on the run",
    ):
        assert expected in titles
    assert 'class="card next-step' in page[: page.index("Today's exercises")]
    assert "Today so far: during 2" in page[page.index("How is your knee?") :]


def test_advice_has_no_log_form_and_exercises_with_sets_do(page: str) -> None:
    advice = _advice(page)
    assert "/me/log/exercise" not in advice
    assert "sets_done" not in advice
    assert 'class="timer"' not in advice
    for card in _cards(page, "exercise"):
        title = _title(card)
        if title.startswith("Cadence retraining"):
            assert "/me/log/exercise" not in card
            assert "/me/runs" in card
            continue
        assert 'action="/me/log/exercise"' in card, title
        sets = re.search(r'<label for="(sets-\d+)">', card)
        assert sets is not None
        assert f'id="{sets.group(1)}"' in card


def test_timers_and_reps_follow_the_dose(page: str) -> None:
    cards = {_title(c): c for c in _cards(page, "exercise")}
    quad = cards["Isometric quadriceps at 90° knee bend"]
    assert 'data-hold="10"' in quad
    assert 'name="reps_done"' in quad
    stretch = next(c for t, c in cards.items() if t.startswith("Calf stretch"))
    assert 'data-hold="30"' in stretch
    assert 'name="reps_done"' not in stretch
    assert "Holds done" in stretch
    assert 'class="timer"' not in cards["Side-stepping with a band"]


def test_dose_lines_are_plain_words_without_citations(page: str) -> None:
    ids = set(load_citations())
    lines = [_text(d) for d in re.findall(r'<p class="dose">(.*?)</p>', page, re.S)]
    assert "3 sets × 10 reps, 3 times a week" in lines
    assert "hold 10 s, 15 times, 2 sets, 5 times a week" in lines
    assert "15 min, 4 times a week" in lines
    for line in lines:
        assert not any(cite in line for cite in ids), line
        assert "KB " not in line, line
        assert "×/week" not in line, line
    advice = _advice(page)
    headline = re.sub(r'<details class="why">.*?</details>', "", advice, flags=re.S)
    assert not any(f"({cite})" in headline for cite in ids)
    why = re.findall(r'<details class="why">.*?</details>', page, re.S)
    # one per card and the next-step card's sources
    assert len(why) == len(_cards(page, "exercise")) + len(_cards(page, "advice")) + 1
    assert not any(cite in w for w in why for cite in ids)
    assert any("2018 Consensus statement on exercise therapy" in w for w in why)


def test_how_to_and_safety_stay_on_the_page(page: str) -> None:
    quad = next(c for c in _cards(page, "exercise") if "Isometric quadriceps" in c)
    assert "How to do it" in quad
    assert "Avoid:" in quad
    assert "Push the shin forward into the strap" in _text(quad)
    assert "Stop and seek medical advice" in page
    assert "at or below 3 out of 10" in page
