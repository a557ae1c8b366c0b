"""The roster and today pages resolve the session in the use case's own transaction (one
connection checkout per request, plus the audit batch's) and keep the behaviour of
CurrentActor: audit entry per read, login redirect, idle timeout with deletion, the idle-time
touch even when the page fails, the session's CSRF token in the page; on SQLite inline,
elsewhere on a worker thread. Their audit entries are group-committed before the page is
returned, and a failed audit write shows no page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jinja2 import UndefinedError
from sqlalchemy import event, func, select, update

from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role
from runnersknee.services.care import patients
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AuditRow, AuthSessionRow, UserRow, utcnow
from runnersknee.web.app import create_app
from runnersknee.web.render import environment
from tests.content import CONTENT

TODAY = date(2026, 3, 2)
DOC = ("clinician@demo.example", "demo-clinician-pass")
PATIENT = ("midplan@demo.example", "demo-patient-pass")


@dataclass
class Site:
    """A demo clinic served by the app, and a counter of connection checkouts."""

    app: FastAPI
    database: Database
    checkouts: list[int]


@pytest.fixture
def site(sqlite_url: str) -> Iterator[Site]:
    database = Database(sqlite_url)
    seed_demo(database, TODAY, content=CONTENT)
    app = create_app(Settings(database_url=sqlite_url), database)
    app.state.clock = lambda: TODAY
    checkouts = [0]
    event.listen(database.engine, "checkout", lambda *_: checkouts.__setitem__(0, checkouts[0] + 1))
    yield Site(app, database, checkouts)
    database.dispose()


def _login(app: FastAPI, email: str, password: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return client


def _audits(database: Database, action: str) -> int:
    with database.transaction() as tx:
        count = tx.scalar(
            select(func.count()).where(AuditRow.action == action, AuditRow.outcome == "allowed")
        )
    return int(count or 0)


def _age_sessions(database: Database, by: timedelta) -> None:
    with database.transaction() as tx:
        tx.execute(update(AuthSessionRow).values(last_seen_at=utcnow() - by))


def _last_seen(database: Database) -> list[object]:
    with database.transaction() as tx:
        return list(tx.scalars(select(AuthSessionRow.last_seen_at)))


@pytest.mark.parametrize("in_process", [True, False], ids=["inline", "worker-thread"])
def test_roster_is_one_checkout_and_one_audit_entry(site: Site, in_process: bool) -> None:
    site.database.in_process = in_process
    client = _login(site.app, *DOC)
    before = _audits(site.database, "patient.list")
    site.checkouts[0] = 0
    page = client.get("/clinic/patients")
    assert page.status_code == 200
    assert "Sam Mid" in page.text
    assert site.checkouts[0] == 2  # the page's transaction and its audit batch's
    assert _audits(site.database, "patient.list") == before + 1
    searched = client.get("/clinic/patients", params={"q": "sam"})
    assert "Sam Mid" in searched.text
    assert _audits(site.database, "patient.list") == before + 2


@pytest.mark.parametrize("in_process", [True, False], ids=["inline", "worker-thread"])
def test_today_is_one_checkout_and_its_csrf_token_works(site: Site, in_process: bool) -> None:
    site.database.in_process = in_process
    client = _login(site.app, *PATIENT)
    before = _audits(site.database, "patient.read")
    site.checkouts[0] = 0
    page = client.get("/me")
    assert page.status_code == 200
    assert site.checkouts[0] == 2  # the page's transaction and its audit batch's
    assert _audits(site.database, "patient.read") == before + 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    with site.database.transaction() as tx:
        csrf = tx.scalars(select(AuthSessionRow.csrf_token)).one()
    assert token.group(1) == csrf
    saved = client.post("/me/log/pain", data={"during": "2", "csrf_token": token.group(1)})
    assert saved.status_code == 303
    refused = client.post("/me/log/pain", data={"during": "2", "csrf_token": "forged"})
    assert refused.status_code == 403


def test_pages_without_a_session_redirect_to_login(site: Site) -> None:
    client = TestClient(site.app, follow_redirects=False)
    assert client.get("/clinic/patients", params={"page": "0"}).headers["location"] == "/login"
    for path in ("/clinic/patients", "/me"):
        assert client.get(path).headers["location"] == "/login"
        client.cookies.set("rk_session", "not-a-session")
        assert client.get(path).headers["location"] == "/login"
        client.cookies.clear()


def test_an_idle_session_is_deleted_and_redirected(site: Site) -> None:
    client = _login(site.app, *PATIENT)
    _age_sessions(site.database, timedelta(minutes=31))
    before = _audits(site.database, "patient.read")
    response = client.get("/me")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert _last_seen(site.database) == []  # the deletion committed although the page failed
    assert _audits(site.database, "patient.read") == before


def test_a_failing_page_still_touches_the_session(site: Site) -> None:
    client = _login(site.app, *PATIENT)
    _age_sessions(site.database, timedelta(minutes=5))
    response = client.get("/clinic/patients")  # a patient on the clinician's page
    assert response.status_code == 403
    (seen,) = _last_seen(site.database)
    assert isinstance(seen, type(utcnow()))
    assert utcnow() - seen < timedelta(minutes=1)
    assert client.get("/me").status_code == 200


def test_a_touch_writes_an_aware_utc_time(site: Site) -> None:
    client = _login(site.app, *DOC)
    _age_sessions(site.database, timedelta(minutes=2))
    assert client.get("/clinic/patients").status_code == 200
    (seen,) = _last_seen(site.database)
    assert isinstance(seen, type(utcnow()))
    assert seen.tzinfo is not None
    assert timedelta(0) <= utcnow() - seen < timedelta(minutes=1)


def test_bad_query_values_are_refused_after_login(site: Site) -> None:
    client = _login(site.app, *DOC)
    assert client.get("/clinic/patients", params={"page": "0"}).status_code == 422
    assert client.get("/clinic/patients", params={"status": "nope"}).status_code == 422


def test_template_dict_lookup_keeps_jinja_semantics() -> None:
    env = environment()
    template = env.from_string("{{ d.items is callable }}|{{ d.a }}|{{ o.real }}")
    assert template.render(d={"items": 1, "a": "x"}, o=3) == "True|x|3"
    assert env.from_string("{{ d['items'] }}").render(d={"items": 1}) == "1"
    with pytest.raises(UndefinedError):
        env.from_string("{{ d.missing }}").render(d={"a": 1})


def test_roster_on_postgresql_runs_on_a_worker_thread(pg_url: str) -> None:
    database = Database(pg_url)
    assert database.in_process is False
    tag = uuid.uuid4().hex[:8]
    email = f"doc-{tag}@pg.example"
    with database.transaction() as tx:
        clinic = create_clinic(tx, f"pg {tag}")
        create_user(tx, clinic, email, "Doc", Role.CLINICIAN, "pg-password-123")
        doc = actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == email)).one())
        patients.create_patient(tx, doc, patients.NewPatient(f"Pat {tag}"), TODAY)
    app = create_app(Settings(database_url=pg_url), database)
    try:
        client = _login(app, email, "pg-password-123")
        page = client.get("/clinic/patients")
        assert page.status_code == 200
        assert f"Pat {tag}" in page.text
    finally:
        database.dispose()
