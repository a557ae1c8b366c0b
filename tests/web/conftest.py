"""Web fixtures: an app on a migrated SQLite file with a clinic, a clinician and two patients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role
from runnersknee.services.care import patients
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import UserRow
from runnersknee.web.app import create_app
from tests.ready import sign_plan_for

PASSWORD = "correct-horse-battery"
TODAY = date(2026, 3, 2)


@dataclass
class World:
    """The app, its database and the ids of the seeded people."""

    app: object
    database: Database
    patient_a: int
    patient_b: int
    other_clinic_patient: int


def _seed(database: Database) -> tuple[int, int, int]:
    with database.transaction() as tx:
        clinic = create_clinic(tx, "Test clinic")
        other = create_clinic(tx, "Other clinic")
        create_user(tx, clinic, "doc@test.example", "Dr Test", Role.CLINICIAN, PASSWORD)
        create_user(tx, clinic, "admin@test.example", "Admin", Role.ADMIN, PASSWORD)
        create_user(tx, other, "doc2@test.example", "Dr Other", Role.CLINICIAN, PASSWORD)
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        doc2 = actor_for(tx, tx.query(UserRow).filter_by(email="doc2@test.example").one())
        a = patients.create_patient(
            tx, doc, patients.NewPatient("Ann A", 1990, "a@test.example", PASSWORD), TODAY
        )
        b = patients.create_patient(
            tx, doc, patients.NewPatient("Ben B", 1985, "b@test.example", PASSWORD), TODAY
        )
        c = patients.create_patient(tx, doc2, patients.NewPatient("Cy C", 1980), TODAY)
    return a, b, c


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    """A seeded app whose clock says TODAY (uploads kept in the test's own data folder)."""
    database = Database(sqlite_url)
    a, b, c = _seed(database)
    app = create_app(Settings(database_url=sqlite_url, data_dir=tmp_path / "data"), database)
    app.state.clock = lambda: TODAY
    yield World(app, database, a, b, c)
    database.dispose()


def client_for(world: World) -> TestClient:
    """A fresh client (its own cookie jar)."""
    return TestClient(world.app)  # type: ignore[arg-type]


def page_login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; return the CSRF token of the landing page."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}
    )
    assert response.status_code == 200, response.text[:300]
    return csrf_of(response.text)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, "no form with a CSRF token on the page"
    return found.group(1)


def api_login(client: TestClient, email: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in through the API; return headers carrying the CSRF token."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"X-CSRF-Token": response.json()["csrf_token"]}


@pytest.fixture
def runner_ready(world: World) -> int:
    """Patient A with a cleared intake and a signed plan in the running phase (the gate opens)."""
    with world.database.transaction() as tx:
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        sign_plan_for(tx, doc, world.patient_a)
    return world.patient_a
