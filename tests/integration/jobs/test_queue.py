"""Procrastinate on the real PostgreSQL: the queue entry commits or rolls back with the job row
and the audit entry, and the periodic tasks (inactivity scan, retention clean-up) work."""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from runnersknee.clinical.errors import NotFound
from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import patients
from runnersknee.services.job_kinds import JOB_HANDLERS, clean_at_start
from runnersknee.services.jobs import records as jobs
from runnersknee.services.jobs.queue import build_app
from runnersknee.services.platform.database import Database
from runnersknee.services.platform.storage import TEMP_PREFIX
from runnersknee.store.tables import AlertRow, AuditRow, JobRow, PatientRow, UserRow
from tests.conftest import _pg_base_url
from tests.content import CONTENT
from tests.integration.jobs import processes

pytestmark = pytest.mark.postgres

PASSWORD = "a-long-enough-password"


#: A job queued with no parameters.
_NONE = jobs.JobDocument.from_json({})


@pytest.fixture
def database() -> Iterator[Database]:
    base = _pg_base_url()
    if base is None:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable (needed by postgres tests)")
    with processes.pg_schema(base) as url:
        db = Database(url)
        yield db
        db.dispose()


def _clinic(db: Database, tag: str) -> tuple[Actor, int]:
    with db.transaction() as tx:
        clinic = create_clinic(tx, f"queue {tag}")
        create_user(tx, clinic, f"{tag}@x.example", "Doc", Role.CLINICIAN, PASSWORD)
        doc = actor_for(
            tx, tx.scalars(select(UserRow).where(UserRow.email == f"{tag}@x.example")).one()
        )
        pid = patients.create_patient(tx, doc, patients.NewPatient("P", 1990), date(2026, 1, 5))
    return doc, pid


def _queued(db: Database) -> list[int]:
    with db.transaction() as tx:
        rows = tx.execute(
            text(
                "SELECT (args->>'job_id')::int FROM procrastinate_jobs "
                "WHERE task_name = 'runnersknee.run_job' ORDER BY id"
            )
        )
        return [int(r[0]) for r in rows]


def test_queue_entry_commits_and_rolls_back_with_the_job_and_its_audit(
    database: Database,
) -> None:
    doc, pid = _clinic(database, "atomic")
    _, other_pid = _clinic(database, "other")
    with database.transaction() as tx:
        job = jobs.enqueue(tx, doc, "video_analysis", _NONE, patient_id=pid, action="patient.read")
    assert _queued(database) == [job.id]

    class Abort(Exception):
        pass

    def enqueue_then_fail() -> None:
        with database.transaction() as tx:
            jobs.enqueue(tx, doc, "video_analysis", _NONE, patient_id=pid, action="patient.read")
            raise Abort

    with pytest.raises(Abort):
        enqueue_then_fail()
    with pytest.raises(NotFound), database.transaction() as tx:  # another clinic's patient
        jobs.enqueue(tx, doc, "video_analysis", _NONE, patient_id=other_pid, action="patient.read")
    assert _queued(database) == [job.id]
    with database.transaction() as tx:
        assert tx.scalar(select(func.count()).select_from(JobRow)) == 1
        allowed = tx.scalar(
            select(func.count()).where(
                AuditRow.patient_id == pid,
                AuditRow.action == "patient.read",
                AuditRow.outcome == "allowed",
            )
        )
    assert allowed == 1  # only the committed enqueue left its audit entry


def test_periodic_inactivity_scan_and_retention_cleanup(database: Database) -> None:
    doc, pid = _clinic(database, "periodic")
    with database.transaction() as tx:
        tx.execute(
            update(PatientRow)
            .where(PatientRow.id == pid)
            .values(status="active", last_log_on=date(2026, 1, 1))
        )
    settings = Settings(database_url=database.url, inactivity_alert_days=7)
    app = build_app(settings, database, JOB_HANDLERS, content=CONTENT, clean_up=clean_at_start)
    assert {p.task.name for p in app.periodic_registry.periodic_tasks.values()} == {
        "runnersknee.inactivity_scan",
        "runnersknee.retention_cleanup",
    }
    day = int(time.mktime(date(2026, 1, 20).timetuple()))
    app.tasks["runnersknee.inactivity_scan"](day)
    app.tasks["runnersknee.inactivity_scan"](day)  # idempotent
    with database.transaction() as tx:
        alerts = list(tx.scalars(select(AlertRow.key).where(AlertRow.patient_id == pid)))
    assert alerts == ["inactive:2026-01-01"]

    with database.transaction() as tx:
        old = jobs.enqueue(tx, doc, "video_analysis", _NONE, patient_id=pid, action="patient.read")
        new = jobs.enqueue(tx, doc, "video_analysis", _NONE, patient_id=pid, action="patient.read")
    with database.transaction() as tx:  # the first finished 40 days ago
        for status in ("doing", "succeeded"):
            tx.execute(
                text(
                    "UPDATE procrastinate_jobs SET status = :status "
                    "WHERE (args->>'job_id')::int = :job"
                ),
                {"status": status, "job": old.id},
            )
        tx.execute(
            text(
                "UPDATE procrastinate_events SET at = now() - interval '40 days' WHERE job_id = "
                "(SELECT id FROM procrastinate_jobs WHERE (args->>'job_id')::int = :job)"
            ),
            {"job": old.id},
        )
    crashed = Path(tempfile.gettempdir()) / f"{TEMP_PREFIX}999999998-crashed"
    crashed.mkdir(exist_ok=True)

    async def cleanup() -> None:
        async with app.open_async():
            await app.tasks["runnersknee.retention_cleanup"](day)

    asyncio.run(cleanup())
    assert _queued(database) == [new.id]  # the finished queue entry is gone...
    with database.transaction() as tx:  # ...the job table keeps both records
        assert tx.scalar(select(func.count()).select_from(JobRow)) == 2
    assert not crashed.exists()


def test_cancelling_a_job_cancels_its_queue_entry(database: Database) -> None:
    doc, pid = _clinic(database, "cancel")
    with database.transaction() as tx:
        job = jobs.enqueue(tx, doc, "video_analysis", _NONE, patient_id=pid, action="patient.read")
    with database.transaction() as tx:
        assert jobs.cancel_job(tx, doc, job.id, action="patient.read").status == "cancelled"
    with database.transaction() as tx:
        status = tx.scalar(
            text("SELECT status FROM procrastinate_jobs WHERE (args->>'job_id')::int = :job"),
            {"job": job.id},
        )
    assert status == "cancelled"  # no worker will fetch it
