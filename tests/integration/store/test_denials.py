"""A denial's audit entry is written after the caller's transaction has rolled back, once,
also when that transaction already holds SQLite's write lock (a separate write inside it
would wait out the 10 s busy timeout and fail with "database is locked")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import func, select, update

from runnersknee.clinical.errors import Forbidden
from runnersknee.services.access.authz import authorize, authorize_clinic, authorize_record
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AuditRow, ClinicRow
from tests.content import CONTENT
from tests.integration.web_perf.conftest import demo_actor


@pytest.fixture
def database(sqlite_url: str) -> Iterator[Database]:
    found = Database(sqlite_url)
    seed_demo(found, date(2026, 3, 2), content=CONTENT)
    yield found
    found.dispose()


def _denials(database: Database) -> int:
    with database.transaction() as tx:
        count = tx.scalar(select(func.count()).where(AuditRow.outcome == "denied"))
    return int(count or 0)


def _name(database: Database) -> str:
    with database.transaction() as tx:
        return str(tx.scalar(select(ClinicRow.name).limit(1)))


def test_a_denial_after_a_write_is_forbidden_and_recorded_once(database: Database) -> None:
    me = demo_actor(database, "midplan@demo.example")
    other = demo_actor(database, "redflag@demo.example")
    assert other.patient_id is not None
    begin = database.transaction
    name, before = _name(database), _denials(database)

    def read_another_record() -> None:
        with begin() as tx:
            tx.connection().execute(update(ClinicRow).values(name="Never"))  # takes the lock
            tx.connection().exec_driver_sql("PRAGMA busy_timeout=200")
            authorize_record(tx, me, "patient.read", other.patient_id)

    with pytest.raises(Forbidden):
        read_another_record()
    assert _name(database) == name  # the caller's write rolled back
    assert _denials(database) == before + 1
    with database.transaction() as tx:
        row = tx.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).one()
    assert (row.user_id, row.action, row.patient_id) == (
        me.user_id,
        "patient.read",
        other.patient_id,
    )


def test_a_denial_leaving_nested_transactions_is_recorded_once(database: Database) -> None:
    me = demo_actor(database, "midplan@demo.example")
    doc = demo_actor(database, "clinician@demo.example")
    before = _denials(database)

    def nested() -> None:
        with database.transaction(), database.transaction() as inner:
            authorize(inner, me, "patient.list")

    with pytest.raises(Forbidden):
        nested()
    assert _denials(database) == before + 1
    with pytest.raises(Forbidden), database.transaction() as tx:
        authorize_clinic(tx, doc, "user.manage")
    assert _denials(database) == before + 2


def test_a_denial_caught_inside_a_committed_transaction_is_written_with_it(
    database: Database,
) -> None:
    me = demo_actor(database, "midplan@demo.example")
    begin = database.transaction
    before = _denials(database)
    with begin() as tx:
        with pytest.raises(Forbidden):
            authorize_clinic(tx, me, "patient.list")
        tx.connection().execute(update(ClinicRow).values(name="Committed"))
    assert _name(database) == "Committed"
    assert _denials(database) == before + 1
