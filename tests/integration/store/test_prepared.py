"""PreparedSelect returns exactly what ``connection.execute`` returns (values and types), on
SQLite and PostgreSQL, for every statement the hot pages prepare; it refuses what it cannot
run and raises SQLAlchemy's error types."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, bindparam, column, select, table
from sqlalchemy.exc import DBAPIError, StatementError

from runnersknee.services import accounts, logs, patients
from runnersknee.services.database import Database
from runnersknee.services.demo import seed_demo
from runnersknee.store.prepared import PreparedSelect
from runnersknee.store.tables import PainLogRow, PatientRow, UserRow
from tests.content import CONTENT

TODAY = date(2026, 3, 2)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> Any:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    found = Database(url)
    seed_demo(found, TODAY, content=CONTENT)
    yield found
    found.dispose()


def _same(connection: Connection, prepared: PreparedSelect, params: dict[str, Any]) -> int:
    """Assert equal rows with equal value types; return the row count."""
    expected = [tuple(row) for row in connection.execute(prepared.statement, params)]
    got = prepared.all(connection, params)
    assert got == expected
    for mine, theirs in zip(got, expected, strict=True):
        assert [type(v) for v in mine] == [type(v) for v in theirs]
    first = prepared.first(connection, params)
    assert first == (expected[0] if expected else None)
    return len(expected)


def _patient(connection: Connection, email: str) -> int:
    found = connection.execute(
        select(PatientRow.id)
        .join(UserRow, UserRow.id == PatientRow.user_id)
        .where(UserRow.email == email)
    ).scalar_one()
    return int(found)


def test_today_statements_match(database: Database) -> None:
    statements = logs._today_statements()
    with database.engine.connect() as connection:
        mid = _patient(connection, "midplan@demo.example")
        new = _patient(connection, "new@demo.example")
        rows = 0
        for patient in (mid, new, -1):
            rows += _same(connection, statements.start, {"patient_id": patient})
            for day in (TODAY, TODAY - timedelta(days=1), date(2000, 1, 1)):
                where = {"patient_id": patient, "day": day}
                rows += _same(connection, statements.done, where)
                rows += _same(connection, statements.pain_today, where)
                since = {"patient_id": patient, "since": day - timedelta(days=60)}
                rows += _same(connection, statements.history, since)
    assert rows > 30  # the mid-plan patient's weeks of logs were compared, not just empties


def test_session_lookup_and_roster_match(database: Database) -> None:
    with database.transaction() as tx:
        user = tx.scalars(select(UserRow).where(UserRow.email == "midplan@demo.example")).one()
        token, _csrf = accounts.open_session(tx, accounts.actor_for(tx, user))
        clinic_id = user.clinic_id
    lookup = accounts._session_statements()[0]
    with database.engine.connect() as connection:
        key = accounts._key(token)
        assert _same(connection, lookup, {"key": key}) == 1
        assert _same(connection, lookup, {"key": "no-such-session"}) == 0
        for by_status, by_query in ((False, False), (True, False), (False, True), (True, True)):
            count, listing = patients._roster_statements(by_status, by_query)
            params: dict[str, Any] = {"clinic_id": clinic_id}
            if by_status:
                params["status"] = "active"
            if by_query:
                params |= {"pattern": "%sam%", "as_id": -1}
            _same(connection, count, params)
            _same(connection, listing, params | {"offset": 0, "limit": 50})


def test_in_lists_are_refused(database: Database) -> None:
    statement = select(PainLogRow.id).where(PainLogRow.id.in_(bindparam("ids", expanding=True)))
    with database.engine.connect() as connection, pytest.raises(ValueError, match="IN lists"):
        PreparedSelect(statement).all(connection, {"ids": [1, 2]})


def test_a_missing_value_is_refused_as_sqlalchemy_refuses_it(database: Database) -> None:
    prepared = logs._today_statements().done
    with database.engine.connect() as connection:
        with pytest.raises(StatementError, match="'day'"):
            prepared.all(connection, {"patient_id": 1})
        with pytest.raises(StatementError, match="'day'"):
            connection.execute(prepared.statement, {"patient_id": 1})


def test_driver_errors_are_sqlalchemy_errors(database: Database) -> None:
    missing = table("no_such_table", column("id"))
    prepared = PreparedSelect(select(missing.c.id).where(missing.c.id == bindparam("id")))
    with database.engine.connect() as connection, pytest.raises(DBAPIError):
        prepared.all(connection, {"id": 1})
