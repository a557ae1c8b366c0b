"""Hole 4 of issue 18: two transactions raising the same alert at once (PostgreSQL showed a
500 from the unique key) store one alert and both succeed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select

from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role
from runnersknee.services.care import patients
from runnersknee.services.care.alerts import raise_alert
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AlertRow, UserRow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    yield db
    db.dispose()


def test_a_duplicate_alert_race_stores_one_alert(
    database: Database, request: pytest.FixtureRequest
) -> None:
    tag = request.node.callspec.id
    with database.transaction() as tx:
        clinic = create_clinic(tx, f"race {tag}")
        user = create_user(
            tx, clinic, f"race-{tag}@x.example", "Dr Race", Role.CLINICIAN, "violet-tractor-9x"
        )
        doc = actor_for(tx, tx.get_one(UserRow, user))
        pid = patients.create_patient(tx, doc, patients.NewPatient("Race"), date(2026, 3, 2))
    first_added = threading.Event()
    release = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        with database.transaction() as tx:
            results["first"] = raise_alert(tx, pid, "pain_flare", "same-key", "first")
            first_added.set()
            release.wait(10)

    def second() -> None:
        first_added.wait(10)
        try:
            with database.transaction() as tx:
                results["second"] = raise_alert(tx, pid, "pain_flare", "same-key", "second")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results["second"] = error

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_added.wait(10)
    threading.Timer(0.5, release.set).start()  # the second one is waiting on the first by now
    for thread in threads:
        thread.join(30)
    assert results == {"first": True, "second": False}
    with database.transaction() as tx:
        count = tx.scalar(select(func.count()).where(AlertRow.patient_id == pid))
    assert count == 1
