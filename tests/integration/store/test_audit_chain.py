"""Hole 7 of issue 18: the audit is a hash chain; changing, deleting or inserting a row is
found by ``runnersknee audit verify`` (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, select, update
from typer.testing import CliRunner

from runnersknee.cli import build_app
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Role, authorize
from runnersknee.services.platform.audit import record_access, verify_audit
from runnersknee.services.platform.database import Database
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
