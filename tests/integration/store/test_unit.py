"""Database.unit(): a Core-only unit of work that commits or rolls back as a whole, writes the
audit entries its caller did not take, and satisfies the Unit protocol like a Session."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from runnersknee.services import audit
from runnersknee.services.database import Database
from runnersknee.services.demo import seed_demo
from runnersknee.services.unit import CoreUnit, Unit
from runnersknee.store.tables import AuditRow, ClinicRow
from tests.content import CONTENT


@pytest.fixture
def database(sqlite_url: str) -> Database:
    found = Database(sqlite_url)
    seed_demo(found, date(2026, 3, 2), content=CONTENT)
    return found


def _audits(database: Database) -> int:
    with database.transaction() as tx:
        return int(tx.scalar(select(func.count()).select_from(AuditRow)) or 0)


def _clinic_name(database: Database) -> str:
    with database.transaction() as tx:
        return str(tx.scalar(select(ClinicRow.name).limit(1)))


def test_a_unit_commits_its_work_and_its_pending_audit_entries(database: Database) -> None:
    before = _audits(database)
    with database.unit() as unit:
        unit.connection().execute(update(ClinicRow).values(name="Renamed"))
        audit.record_access(unit, 1, "clinician", "patient.read", "patient", "1", None)
        audit.record_access(unit, 1, "clinician", "patient.list", "clinic", "1", None)
        assert len(unit.info["runnersknee.audit.pending"]) == 2
    assert _clinic_name(database) == "Renamed"
    assert _audits(database) == before + 2


def test_a_failing_unit_changes_nothing(database: Database) -> None:
    before, name = _audits(database), _clinic_name(database)

    def failing_use_case() -> None:
        with database.unit() as unit:
            unit.connection().execute(update(ClinicRow).values(name="Never"))
            audit.record_access(unit, 1, "clinician", "patient.read", "patient", "1", None)
            raise RuntimeError("the use case fails")

    with pytest.raises(RuntimeError):
        failing_use_case()
    assert _clinic_name(database) == name
    assert _audits(database) == before


def test_taken_entries_are_not_written_by_the_unit(database: Database) -> None:
    before = _audits(database)
    with database.unit() as unit:
        audit.record_access(unit, 1, "clinician", "patient.read", "patient", "1", None)
        taken = audit.take_pending(unit)
    assert len(taken) == 1
    assert _audits(database) == before
    with database.unit() as unit:
        audit.write_entries(unit, taken)
    assert _audits(database) == before + 1


def test_each_unit_is_its_own_transaction_with_its_own_info(database: Database) -> None:
    units: list[CoreUnit] = []
    for _ in range(2):
        with database.unit() as unit:
            units.append(unit)
            unit.info["mark"] = len(units)
            assert unit.get_transaction() is unit
            assert unit.get_bind() is database.engine
    assert units[0].info == {"mark": 1}
    assert units[1].info == {"mark": 2}
    assert units[0].get_transaction() is not units[1].get_transaction()


def test_a_session_is_a_unit(database: Database) -> None:
    def connection_of(unit: Unit) -> object:
        return unit.connection()

    with database.transaction() as tx:
        assert connection_of(tx) is tx.connection()
