"""Learn covers every education topic of the plan (plain words, diagrams, no citation keys);
the clinic's time zone decides the patient's "today" and the times the portal shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings
from runnersknee.content.citations import load_citations
from runnersknee.content.education import load_education
from runnersknee.services.care import clinic_time, logs
from runnersknee.services.demo import DEMO_CLINIC, seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import ClinicRow, ExerciseLogRow, PatientRow, UserRow
from runnersknee.web.app import create_app
from tests.content import CONTENT
from tests.web.conftest import page_login

TODAY = date.today()
PATIENT = ("midplan@demo.example", "demo-patient-pass")


@pytest.fixture
def demo_db(sqlite_url: str) -> Iterator[Database]:
    database = Database(sqlite_url)
    seed_demo(database, TODAY, CONTENT)
    yield database
    database.dispose()


#: Noon UTC today: the date in Pacific/Kiritimati (UTC+14) is already tomorrow.
NOON_UTC = datetime.combine(TODAY, time(12), tzinfo=UTC)


def _client(database: Database, **settings: str) -> TestClient:
    app = create_app(Settings(database_url=database.url, **settings), database)
    app.state.now = lambda: NOON_UTC
    client = TestClient(app)
    page_login(client, *PATIENT)
    return client


def _plan_topics(database: Database) -> list[dict[str, str]]:
    with database.transaction() as tx:
        user = tx.scalars(select(UserRow).where(UserRow.email == PATIENT[0])).one()
        patient = tx.scalars(select(PatientRow).where(PatientRow.user_id == user.id)).one()
        plan = logs.signed_plan(tx, patient.id)
        assert plan is not None
        return list(plan.data["education"])


def test_every_topic_of_the_plan_has_a_page_in_plain_words(demo_db: Database) -> None:
    client = _client(demo_db)
    planned = _plan_topics(demo_db)
    assert {t["id"] for t in planned} >= {"pain_monitoring", "load_management", "running_changes"}
    index = client.get("/me/learn").text
    cites = list(load_citations())
    for topic in planned:
        assert f'href="/me/learn/{topic["id"]}"' in index
        page = client.get(f"/me/learn/{topic['id']}")
        assert page.status_code == 200, topic["id"]
        text = unescape(re.sub(r"<[^>]+>", " ", page.text))
        assert topic["title"] in text
        assert " ".join(topic["body"].split())[:60] in " ".join(text.split())
        assert not any(c in page.text for c in cites), topic["id"]
        assert "unverified" not in text
    everyone = {t.id for t in load_education() if t.audience == "all"}
    assert everyone <= set(re.findall(r'href="/me/learn/([a-z_]+)"', index))
    assert client.get("/me/learn/no_such_topic").status_code == 404


def test_the_pain_scale_diagram_uses_the_plans_limits(demo_db: Database) -> None:
    page = _client(demo_db).get("/me/learn/pain_monitoring").text
    assert '<svg class="diagram"' in page
    assert "Green from 0 to 3" in page  # the plan's limit (3/10)
    assert "Amber from 4 to 5" in page  # after-exercise limit of the pain-monitoring model
    assert page.count('<rect x="') == 11  # one box per point of the 0-10 scale


def test_zone_names_are_checked() -> None:
    assert clinic_time.zone_named("Europe/London") == ZoneInfo("Europe/London")
    for bad in ("Mars/Base", "", " UTC", "../etc/passwd"):
        with pytest.raises(InvalidInput):
            clinic_time.zone_named(bad)
    with pytest.raises(ValueError, match="unknown time zone"):
        Settings(clinic_time_zone="Nowhere/Land")


def test_local_date_and_time_follow_the_zone() -> None:
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert clinic_time.local_date(ZoneInfo("UTC"), late) == date(2026, 12, 7)
    assert clinic_time.local_date(ZoneInfo("Pacific/Auckland"), late) == date(2026, 12, 8)
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert clinic_time.local_text(summer, ZoneInfo("Europe/London"), with_zone=True) == (
        "2026-07-01 09:00 BST"
    )
    naive = datetime(2026, 7, 1, 8, 0)  # stored UTC without a zone
    assert clinic_time.local_text(naive, ZoneInfo("Europe/London")) == "2026-07-01 09:00"


def test_the_clinic_zone_decides_today(demo_db: Database) -> None:
    far_east = "Pacific/Kiritimati"  # UTC+14: its date is a day ahead of UTC for 14 h a day
    with demo_db.transaction() as tx:
        clinic = tx.scalars(select(ClinicRow).where(ClinicRow.name == DEMO_CLINIC)).one()
        clinic_time.set_clinic_zone(tx, clinic.id, far_east)
        with pytest.raises(InvalidInput):
            clinic_time.set_clinic_zone(tx, clinic.id, "Nowhere/Land")
        assert clinic.time_zone == far_east
    client = _client(demo_db, clinic_time_zone="UTC")
    client.post(
        "/me/session/1/set",
        data={"csrf_token": _token(client), "exercise_id": "forward-lunge-0-45"},
    )
    assert _newest_day(demo_db) == TODAY + timedelta(days=1)


def test_the_deployment_default_zone_applies_without_a_clinic_zone(demo_db: Database) -> None:
    client = _client(demo_db, clinic_time_zone="Pacific/Kiritimati")
    client.post(
        "/me/session/1/set",
        data={"csrf_token": _token(client), "exercise_id": "forward-lunge-0-45"},
    )
    assert _newest_day(demo_db) == TODAY + timedelta(days=1)


def test_utc_clinic_logs_on_the_utc_date(demo_db: Database) -> None:
    client = _client(demo_db)
    client.post(
        "/me/session/1/set",
        data={"csrf_token": _token(client), "exercise_id": "forward-lunge-0-45"},
    )
    assert _newest_day(demo_db) == TODAY


def _token(client: TestClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/me").text)
    assert found is not None
    return found.group(1)


def _newest_day(database: Database) -> date:
    with database.transaction() as tx:
        newest = tx.scalars(select(ExerciseLogRow).order_by(ExerciseLogRow.id.desc()).limit(1))
        return newest.one().performed_on


def test_the_clinic_zone_decides_which_reviews_are_due(demo_db: Database) -> None:
    """The roster's reviews due are counted from the clinic's date (a day ahead of UTC in
    Pacific/Kiritimati at noon UTC), not the deployment's."""
    with demo_db.transaction() as tx:
        clinic = tx.scalars(select(ClinicRow).where(ClinicRow.name == DEMO_CLINIC)).one()
        clinic_time.set_clinic_zone(tx, clinic.id, "Pacific/Kiritimati")
        patients = tx.scalars(select(PatientRow).where(PatientRow.clinic_id == clinic.id)).all()
        late, early = patients[0], patients[1]
        late.next_review_on = TODAY + timedelta(days=8)  # within 7 days of the clinic's date
        early.next_review_on = TODAY  # yesterday for the clinic: overdue
        names = late.display_name, early.display_name
    app = create_app(Settings(database_url=demo_db.url, clinic_time_zone="UTC"), demo_db)
    app.state.now = lambda: NOON_UTC
    client = TestClient(app)
    page_login(client, "clinician@demo.example", "demo-clinician-pass")
    due = client.get("/clinic/patients").text.split('id="due-title"')[1].split("</section>")[0]
    assert all(name in due for name in names), due
    assert due.count("overdue") == 1
