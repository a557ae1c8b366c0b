"""Hole 7 of issue 18: the audit is a hash chain; changing, deleting or inserting a row is
found by ``runnersknee audit verify`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, event, select, update
from typer.testing import CliRunner

from runnersknee.cli import build_app
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role, authorize
from runnersknee.services.platform.audit import record_access, verify_audit, write_entries
from runnersknee.services.platform.database import Database
from runnersknee.store.audit_chain import GENESIS, row_hash
from runnersknee.store.tables import AuditRow, UserRow

PASSWORD = "correct-horse-battery"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(sqlite_url: str) -> Iterator[Database]:
    db = Database(sqlite_url)
    yield db
    db.dispose()


def _audited(database: Database, tag: str, count: int) -> list[int]:
    with database.transaction() as tx:
        clinic = create_clinic(tx, f"chain {tag}")
        user_id = create_user(
            tx, clinic, f"chain-{tag}@x.example", "Dr Chain", Role.CLINICIAN, PASSWORD
        )
        actor = actor_for(tx, tx.get_one(UserRow, user_id))

    def step(n: int) -> None:
        with database.transaction() as tx:
            authorize(tx, actor, "patient.list")
            record_access(tx, actor.user_id, "clinician", "test.step", "clinic", str(n), None)

    with ThreadPoolExecutor(max_workers=4) as pool:  # concurrent appends must not fork it
        list(pool.map(step, range(count)))
    with database.transaction() as tx:
        return list(tx.scalars(select(AuditRow.id).order_by(AuditRow.id)))


def test_an_untouched_chain_verifies(database: Database, request: pytest.FixtureRequest) -> None:
    ids = _audited(database, request.node.callspec.id, 12)
    with database.transaction() as tx:
        report = verify_audit(tx)
        hashes = tx.scalars(select(AuditRow.row_hash).where(AuditRow.id.in_(ids))).all()
    assert report.ok, report
    assert report.rows >= len(ids) >= 8
    assert all(h and len(h) == 64 for h in hashes)


@pytest.mark.parametrize("tamper", ["edit", "delete", "insert"])
def test_tampering_is_detected(sqlite_database: Database, tamper: str) -> None:
    database = sqlite_database
    ids = _audited(database, tamper, 3)
    victim = ids[-3]
    with database.transaction() as tx:
        if tamper == "edit":
            tx.execute(update(AuditRow).where(AuditRow.id == victim).values(outcome="denied"))
        elif tamper == "delete":
            tx.execute(delete(AuditRow).where(AuditRow.id == victim))
        else:  # a forged row copied with a valid-looking hash into the middle is impossible
            row = tx.get_one(AuditRow, victim)
            tx.add(
                AuditRow(
                    at=row.at, user_id=row.user_id, role=row.role, action="forged",
                    record_type="clinic", prev_hash=row.prev_hash, row_hash=row.row_hash,
                )
            )  # fmt: skip
    with database.transaction() as tx:
        report = verify_audit(tx)
    assert not report.ok
    assert report.broken_at is not None
    assert report.broken_at >= victim


def test_audit_verify_command(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    database = Database(sqlite_url)
    ids = _audited(database, "cli", 2)
    monkeypatch.setenv("RUNNERSKNEE_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    good = runner.invoke(build_app(), ["audit", "verify"])
    assert good.exit_code == 0, good.output
    assert "audit chain intact" in good.output
    with database.transaction() as tx:
        tx.execute(update(AuditRow).where(AuditRow.id == ids[1]).values(user_id=999))
    bad = runner.invoke(build_app(), ["audit", "verify"])
    assert bad.exit_code == 8
    assert f"row {ids[1]}" in bad.output
    database.dispose()


def _entry(n: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "at": datetime(2026, 12, 7, 9, 30, n, 123456 + n, tzinfo=UTC),
        "user_id": n,
        "role": "clinician",
        "action": f"test.batch{n}",
        "record_type": "patient",
        "record_id": str(n),
        "patient_id": n,
        "outcome": "allowed",
    }
    return row | values


def test_the_database_computes_the_same_hash_as_python(
    database: Database, request: pytest.FixtureRequest
) -> None:
    """The hash written in SQL (SQLite function, PostgreSQL sha256) is ``row_hash`` exactly:
    missing values, text beyond ASCII, microseconds, several rows in one call."""
    entries = [
        _entry(1),
        _entry(2, user_id=None, record_id=None, patient_id=None, outcome="denied"),
        _entry(3, action="lecture · genou → Müller", record_id="é"),
    ]
    with database.transaction() as tx:
        write_entries(tx, entries)
    with database.transaction() as tx:
        rows = tx.execute(select(AuditRow).order_by(AuditRow.id)).scalars().all()
        report = verify_audit(tx)
    assert report.ok, report
    newest = rows[-3:]
    assert [r.action for r in newest] == [e["action"] for e in entries]
    previous = rows[-4].row_hash if len(rows) > 3 else GENESIS
    for row, entry in zip(newest, entries, strict=True):
        assert row.prev_hash == previous
        assert row.row_hash == row_hash(previous, row.id, entry), request.node.callspec.id
        previous = row.row_hash
    assert report.head == previous


def test_an_append_is_one_statement_after_the_lock(database: Database) -> None:
    """SQLite: one INSERT (id, previous hash and hash inside it); PostgreSQL: the advisory
    lock, then that INSERT. Several rows go in one ``executemany``."""
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]).split()[0].upper())

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.transaction() as tx:
            write_entries(tx, [_entry(1), _entry(2), _entry(3)])
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    expected = ["INSERT"] if database.engine.dialect.name == "sqlite" else ["SELECT", "INSERT"]
    assert seen == expected
    with database.transaction() as tx:
        assert verify_audit(tx).ok


def test_concurrent_batches_never_fork_the_chain(database: Database) -> None:
    """Eight writers of three-row batches at once: every row is kept, one chain."""

    def batch(n: int) -> None:
        with database.transaction() as tx:
            write_entries(tx, [_entry(n, action=f"test.writer{n}.{k}") for k in range(3)])

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(batch, range(24)))
    with database.transaction() as tx:
        report = verify_audit(tx)
        actions = tx.scalars(select(AuditRow.action).where(AuditRow.action.like("test.writer%")))
        written = sorted(actions)
    assert report.ok, report
    assert written == sorted(f"test.writer{n}.{k}" for n in range(24) for k in range(3))
