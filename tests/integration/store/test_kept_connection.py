"""Database.unit() on SQLite: the units of one thread reuse one kept connection; a nested
unit, another thread's unit and every unit on other databases take pooled connections; after
an error the kept connection is closed and replaced, and the failed work is rolled back."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import Connection, event, func, select, update

from runnersknee.services import audit
from runnersknee.services.database import Database
from runnersknee.services.demo import seed_demo
from runnersknee.store.tables import AuditRow, ClinicRow
from tests.content import CONTENT


@pytest.fixture
def database(sqlite_url: str) -> Database:
    found = Database(sqlite_url)
    seed_demo(found, date(2026, 3, 2), content=CONTENT)
    found.dispose()  # start without a kept connection
    return found


def _checkouts(database: Database) -> list[int]:
    counter = [0]
    event.listen(database.engine, "checkout", lambda *_: counter.__setitem__(0, counter[0] + 1))
    return counter


def _name(database: Database) -> str:
    with database.transaction() as tx:
        return str(tx.scalar(select(ClinicRow.name).limit(1)))


def _audits(database: Database) -> int:
    with database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(AuditRow)) or 0)


def test_units_of_one_thread_reuse_one_connection(database: Database) -> None:
    checkouts = _checkouts(database)
    seen: list[Connection] = []
    for number in range(5):
        with database.unit() as unit:
            seen.append(unit.connection())
            unit.connection().execute(update(ClinicRow).values(name=f"Clinic {number}"))
    assert all(connection is seen[0] for connection in seen)
    assert checkouts[0] == 1
    assert _name(database) == "Clinic 4"


def test_a_nested_unit_takes_a_pooled_connection(database: Database) -> None:
    with database.unit() as outer:
        with database.unit() as inner:
            assert inner.connection() is not outer.connection()
            audit.record_access(inner, 1, "clinician", "patient.read", "patient", "1", None)
        kept = outer.connection()
    with database.unit() as again:
        assert again.connection() is kept  # the kept one is free again


def test_another_threads_units_take_pooled_connections(database: Database) -> None:
    with database.unit() as unit:
        kept = unit.connection()
    other: list[Connection] = []
    errors: list[BaseException] = []

    def work(number: int) -> None:
        try:
            for _ in range(20):
                with database.unit() as unit:
                    other.append(unit.connection())
                    audit.record_access(
                        unit, 1, "clinician", "patient.read", "patient", str(number), None
                    )
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    before = _audits(database)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(20):  # the owner thread keeps using its own connection meanwhile
        with database.unit() as unit:
            assert unit.connection() is kept
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(connection is not kept for connection in other)
    assert _audits(database) == before + 80


def test_after_an_error_the_kept_connection_is_replaced_and_nothing_changed(
    database: Database,
) -> None:
    name, before = _name(database), _audits(database)
    with database.unit() as unit:
        first = unit.connection()
    used: list[Connection] = []

    def failing_use_case() -> None:
        with database.unit() as unit:
            used.append(unit.connection())
            unit.connection().execute(update(ClinicRow).values(name="Never"))
            audit.record_access(unit, 1, "clinician", "patient.read", "patient", "1", None)
            raise RuntimeError("the use case fails")

    with pytest.raises(RuntimeError):
        failing_use_case()
    assert used == [first]
    assert first.closed
    assert _name(database) == name
    assert _audits(database) == before
    with database.unit() as unit:
        assert unit.connection() is not first
        assert not unit.connection().closed
        unit.connection().execute(update(ClinicRow).values(name="After"))
    assert _name(database) == "After"


def test_other_databases_never_keep_a_connection(database: Database) -> None:
    database.in_process = False  # as for PostgreSQL
    checkouts = _checkouts(database)
    for _ in range(3):
        with database.unit() as unit:
            unit.connection().execute(select(1))
    assert checkouts[0] == 3


def test_dispose_closes_the_kept_connection(database: Database) -> None:
    with database.unit() as unit:
        kept = unit.connection()
    database.dispose()
    assert kept.closed
    with database.unit() as unit:
        assert unit.connection() is not kept


def test_the_kept_connection_sees_what_others_committed_since(database: Database) -> None:
    def read_name() -> str:
        with database.unit() as unit:
            return str(unit.connection().scalar(select(ClinicRow.name).limit(1)))

    first = read_name()
    for number in range(3):
        with database.transaction() as tx:  # a pooled connection
            tx.execute(update(ClinicRow).values(name=f"Seen {number}"))
        assert read_name() == f"Seen {number}"
    assert first != "Seen 0"
