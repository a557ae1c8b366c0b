"""The today page stays current: a new log, a new signed plan version, a next-morning rating
and another database show at once; cards escape what a clinician typed.
The record-level authorization from one Core query decides and audits like ``authorize``."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import date, timedelta
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.clinical.errors import Forbidden, NotFound
from runnersknee.config import Settings
from runnersknee.services.access.authz import authorize, authorize_record
from runnersknee.services.care import logs, pain_state, records, today_view
from runnersknee.services.care.safety_gate import gate_for
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.db import make_engine
from runnersknee.store.migrate import upgrade
from runnersknee.store.tables import AuditRow, PainLogRow
from runnersknee.web.app import create_app
from tests.content import CONTENT
from tests.integration.web_perf.conftest import demo_actor
from tests.web.conftest import page_login

TODAY = date.today()  # the plan is signed with the real clock: reset when each test starts


@pytest.fixture(autouse=True)
def _today_when_the_test_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TODAY`` read again per test (before the demo is seeded): a day read at import is stale
    when an xdist run crosses midnight."""
    monkeypatch.setattr(sys.modules[__name__], "TODAY", date.today())


PATIENT = ("midplan@demo.example", "demo-patient-pass")
ADDED = ("quad-iso-90", "stretch-calf-soleus", "gait-cadence-metronome", "footwear-check")


def _client(database: Database) -> tuple[TestClient, str]:
    app = create_app(Settings(database_url=database.url), database)
    app.state.clock = lambda: TODAY
    client = TestClient(app)
    return client, page_login(client, *PATIENT)


def _titles(html: str) -> list[str]:
    """The exercise cards' titles as the browser shows them (references resolved)."""
    found = re.findall(r'<article class="exercise card"[^>]*>\s*<h3[^>]*>(.*?)</h3>', html, re.S)
    return [unescape(title) for title in found]


def _add_and_sign(database: Database, exercise_ids: tuple[str, ...]) -> None:
    doc = demo_actor(database, "clinician@demo.example")
    patient = demo_actor(database, PATIENT[0]).patient_id
    assert patient is not None
    with database.transaction() as tx:
        for exercise_id in exercise_ids:
            records.add_exercise(
                tx, doc, patient, exercise_id, "a note <b>& more</b>", content=CONTENT
            )
        records.sign_plan(tx, doc, patient, "more")


def test_each_card_escapes_the_physios_note_and_carries_the_sessions_token(
    demo: Database,
) -> None:
    _add_and_sign(demo, ADDED)
    client, token = _client(demo)
    html = client.get("/me").text
    assert len(_titles(html)) >= 4
    assert "a note &lt;b&gt;&amp; more&lt;/b&gt;" in html
    assert "<b>& more</b>" not in html
    forms = html.count('action="/me/log/exercise"')
    assert forms >= 1
    # + the logout form (the pain check is its own page, /me/session/check)
    assert html.count(f'name="csrf_token" value="{token}"') == forms + 1


def test_a_new_log_and_a_new_signed_version_show_at_once(demo: Database) -> None:
    client, token = _client(demo)
    first = client.get("/me").text
    assert "done today" not in first
    exercise = re.findall(r'name="exercise_id" value="([^"]+)"', first)[0]
    logged = client.post(
        "/me/log/exercise", data={"csrf_token": token, "exercise_id": exercise, "sets_done": "2"}
    )
    assert "2 sets done today" in logged.text or "2 holds done today" in logged.text
    before = _titles(client.get("/me").text)
    _add_and_sign(demo, ("quad-iso-90",))
    after = client.get("/me").text
    assert len(_titles(after)) == len(before) + 1
    assert "a note &lt;b&gt;&amp; more&lt;/b&gt;" in after
    # the new exercise is in today's session list at once (patients see no version numbers)
    listed = re.findall(r'<li><a href="/me/session/\d+">', after)
    assert len(listed) == len(re.findall(r'<li><a href="/me/session/\d+">', first)) + 1


def test_a_draft_edit_does_not_change_the_page_until_signed(demo: Database) -> None:
    client, _ = _client(demo)
    before = client.get("/me").text
    doc = demo_actor(demo, "clinician@demo.example")
    patient = demo_actor(demo, PATIENT[0]).patient_id
    assert patient is not None
    with demo.transaction() as tx:
        records.add_exercise(tx, doc, patient, "quad-iso-90", "", content=CONTENT)
    assert _titles(client.get("/me").text) == _titles(before)


def _plan_key(database: Database) -> tuple[str, int, str] | None:
    patient = demo_actor(database, PATIENT[0])
    assert patient.patient_id is not None
    with database.transaction() as tx:
        return today_view.today(tx, patient, patient.patient_id, TODAY, content=CONTENT).plan_key


def test_the_same_plan_row_id_in_another_database_is_not_shared(
    demo: Database, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('other')}/other.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    other = Database(url)
    try:
        seed_demo(other, TODAY, content=CONTENT)
        _add_and_sign(demo, ("quad-iso-90",))
        _add_and_sign(other, ("stretch-calf-soleus",))
        mine_key, their_key = _plan_key(demo), _plan_key(other)
        assert mine_key is not None
        assert their_key is not None
        assert mine_key[1] == their_key[1]  # the same row id, different content
        mine = _titles(_client(demo)[0].get("/me").text)
        theirs = _titles(_client(other)[0].get("/me").text)
        assert "Isometric quadriceps at 90° knee bend" in mine
        assert "Isometric quadriceps at 90° knee bend" not in theirs
        assert "Calf stretch, knee bent (soleus)" in theirs
        assert "Calf stretch, knee bent (soleus)" not in mine
    finally:
        other.dispose()


def test_next_morning_rating_on_an_earlier_row_changes_the_decision(demo: Database) -> None:
    patient = demo_actor(demo, PATIENT[0])
    pid = patient.patient_id
    assert pid is not None
    with demo.transaction() as tx:
        before = today_view.today(tx, patient, pid, TODAY, content=CONTENT).decision
        logs.log_pain(tx, patient, pid, TODAY, None, None, 9, content=CONTENT)
        after = today_view.today(tx, patient, pid, TODAY, content=CONTENT).decision
    assert before != after


def _direct_pain(database: Database, patient_id: int, day: date) -> dict[str, int | None] | None:
    with database.transaction() as tx:
        row = tx.execute(
            select(PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
            .where(PainLogRow.patient_id == patient_id, PainLogRow.logged_on == day)
            .order_by(PainLogRow.id.desc())
            .limit(1)
        ).first()
    return None if row is None else dict(zip(logs.PAIN_FIELDS, row, strict=True))


@pytest.mark.parametrize("offset", [-400, -3, 0, 1])
def test_the_days_pain_from_the_history_equals_its_own_query(demo: Database, offset: int) -> None:
    patient = demo_actor(demo, PATIENT[0])
    pid = patient.patient_id
    assert pid is not None
    day = TODAY + timedelta(days=offset)
    with demo.transaction() as tx:
        logs.log_pain(tx, patient, pid, day, 3, 4, None, content=CONTENT)
        logs.log_pain(tx, patient, pid, day, 5, None, None, content=CONTENT)
    for probe in (day, day - timedelta(days=1), TODAY, TODAY + timedelta(days=2)):
        with demo.transaction() as tx:
            shown = today_view.today(tx, patient, pid, probe, content=CONTENT).pain_today
        assert shown == _direct_pain(demo, pid, probe), probe


def test_the_days_pain_behind_a_full_history_of_later_days_is_queried(demo: Database) -> None:
    patient = demo_actor(demo, PATIENT[0])
    pid = patient.patient_id
    assert pid is not None
    with demo.transaction() as tx:
        logs.log_pain(tx, patient, pid, TODAY, 2, None, None, content=CONTENT)
        for n in range(1, pain_state.HISTORY + 5):
            tx.add(PainLogRow(patient_id=pid, logged_on=TODAY + timedelta(days=n), during=1))
    with demo.transaction() as tx:
        shown = today_view.today(tx, patient, pid, TODAY, content=CONTENT).pain_today
    assert (
        shown
        == _direct_pain(demo, pid, TODAY)
        == {"during": 2, "after": None, "next_morning": None}
    )


def _audits(database: Database, outcome: str) -> int:
    with database.transaction() as tx:
        count = tx.scalar(select(func.count()).where(AuditRow.outcome == outcome))
    return int(count or 0)


def test_authorize_record_decides_and_audits_like_authorize(demo: Database) -> None:
    me = demo_actor(demo, PATIENT[0])
    other = demo_actor(demo, "redflag@demo.example")
    doc = demo_actor(demo, "clinician@demo.example")
    assert me.patient_id is not None
    assert other.patient_id is not None
    stranger = replace(doc, clinic_id=doc.clinic_id + 1000)
    cases = [
        (me, me.patient_id, None),
        (doc, me.patient_id, None),
        (me, other.patient_id, Forbidden),
        (stranger, me.patient_id, NotFound),  # another clinic: like a missing record
        (me, 999_999, Forbidden),
        (doc, 999_999, NotFound),
    ]
    for actor, patient_id, error in cases:
        outcomes = []
        for check in (authorize, authorize_record):
            allowed, denied = _audits(demo, "allowed"), _audits(demo, "denied")
            try:
                with demo.transaction() as tx:
                    check(tx, actor, "patient.read", patient_id)
                outcomes.append("ok")
            except (Forbidden, NotFound) as raised:
                outcomes.append(type(raised).__name__)
            outcomes.append((_audits(demo, "allowed") - allowed, _audits(demo, "denied") - denied))
        assert outcomes[:2] == outcomes[2:], (actor.role, patient_id)
        assert outcomes[0] == ("ok" if error is None else error.__name__)


def test_the_today_views_gate_equals_the_gate_read_on_its_own(demo: Database) -> None:
    """The view hands the gate its plan's phase and pain decision; reading them gives the same."""
    for email in (PATIENT[0], "redflag@demo.example"):
        patient = demo_actor(demo, email)
        assert patient.patient_id is not None
        with demo.transaction() as tx:
            view = today_view.today(tx, patient, patient.patient_id, TODAY, content=CONTENT)
            alone = gate_for(tx, patient.patient_id, CONTENT)
        assert view.gate == alone
    assert view.gate is not None
