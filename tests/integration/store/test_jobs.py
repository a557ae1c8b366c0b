"""The job queue on SQLite and PostgreSQL: enqueue, claim once, run, fail clearly, recover
after a crash, and the threaded worker's start/stop (no long sleeps: events with timeouts)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import patients
from runnersknee.services.jobs import records as jobs
from runnersknee.services.jobs import runner as job_runner
from runnersknee.services.jobs import worker as job_worker
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AuditRow, JobRow, UserRow
from tests.content import CONTENT

PASSWORD = "a-long-enough-password"
DAY = date(2026, 2, 2)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    db = Database(url)
    yield db
    db.dispose()


def _clinic(db: Database, tag: str) -> tuple[Actor, int]:
    """A clinician of a new clinic and one of its patients."""
    email = f"jobs-{tag}@x.example"
    with db.transaction() as tx:
        clinic = create_clinic(tx, f"clinic {tag}")
        create_user(tx, clinic, email, "Doc", Role.CLINICIAN, PASSWORD)
        doc = actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == email)).one())
        pid = patients.create_patient(tx, doc, patients.NewPatient(f"P {tag}", 1990), DAY)
    return doc, pid


def _add(context: jobs.JobContext) -> jobs.JobDocument:
    context.report("adding", 0.5)
    return jobs.JobDocument.from_json({"sum": sum(context.params["numbers"])})


def _invalid(context: jobs.JobContext) -> jobs.JobDocument:
    raise InvalidInput("that file is not a video", field="video")


def _bug(context: jobs.JobContext) -> jobs.JobDocument:
    return jobs.JobDocument.from_json({"x": 1 / len(context.params["numbers"][:0])})


HANDLERS: dict[str, jobs.Handler] = {
    "add": _add,
    "invalid": _invalid,
    "bug": _bug,
}


def _queue(
    tx: Any,
    doc: Actor,
    pid: int,
    kind: str,
    params: dict[str, Any],
    *,
    action: str = "patient.read",
) -> jobs.JobView:
    return jobs.enqueue(
        tx, doc, kind, jobs.JobDocument.from_json(params), patient_id=pid, action=action
    )


def _running(tx: Any, job_id: int, attempts: int) -> None:
    tx.execute(
        update(JobRow).where(JobRow.id == job_id).values(status="running", attempts=attempts)
    )


def _tag(request: pytest.FixtureRequest) -> str:
    return f"{request.node.name[:20]}-{request.node.callspec.id}"


def test_jobs_run_once_to_done_or_failed(
    database: Database, request: pytest.FixtureRequest
) -> None:
    doc, pid = _clinic(database, _tag(request))
    with database.transaction() as tx:
        ids = [
            jobs.enqueue(
                tx,
                doc,
                kind,
                jobs.JobDocument.from_json({"numbers": [1, 2, 3]}),
                patient_id=pid,
                action="patient.read",
            ).id
            for kind in ("add", "invalid", "bug", "unknown-kind")
        ]
    with database.transaction() as tx:
        queued = jobs.get_job(tx, doc, ids[0])
    assert queued.status == "queued"
    assert queued.created_by == doc.user_id
    assert queued.clinic_id == doc.clinic_id
    ran = {j.id: j for j in job_runner.drain(database, Settings(), HANDLERS, content=CONTENT)}
    mine = [ran[i] for i in ids]
    assert [j.status for j in mine] == ["done", "failed", "failed", "failed"]
    assert mine[0].result == {"sum": 6}
    assert mine[0].progress == 1.0
    assert mine[0].attempts == 1
    assert mine[0].started_at is not None
    assert mine[0].finished_at is not None
    assert mine[0].finished_at >= mine[0].started_at >= mine[0].created_at
    assert mine[1].error == "that file is not a video"
    assert mine[1].result is not None
    assert mine[1].result["error"]["code"] == "invalid_input"
    assert mine[1].result["error"]["field"] == "video"
    assert mine[2].error is not None
    assert "internal error (ZeroDivisionError)" in mine[2].error
    assert mine[3].error is not None
    assert "no handler for job kind 'unknown-kind'" in mine[3].error
    assert (
        job_runner.drain(database, Settings(), HANDLERS, content=CONTENT) == []
    )  # nothing runs twice


def test_concurrent_drains_claim_each_job_once(
    database: Database, request: pytest.FixtureRequest
) -> None:
    doc, pid = _clinic(database, _tag(request))
    counts: dict[int, int] = {}
    lock = threading.Lock()

    def count(context: jobs.JobContext) -> jobs.JobDocument:
        with lock:
            counts[context.job_id] = counts.get(context.job_id, 0) + 1
        return jobs.JobDocument.from_json({})

    with database.transaction() as tx:
        ids = {_queue(tx, doc, pid, "count", {}).id for _ in range(12)}
    threads = [
        threading.Thread(
            target=job_runner.drain,
            args=(database, Settings(), {"count": count}),
            kwargs={"content": CONTENT},
        )
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert {k: v for k, v in counts.items() if k in ids} == dict.fromkeys(ids, 1)


def test_recover_requeues_once_then_fails_with_a_reason(
    database: Database, request: pytest.FixtureRequest
) -> None:
    doc, pid = _clinic(database, _tag(request))
    with database.transaction() as tx:
        first = jobs.enqueue(
            tx,
            doc,
            "add",
            jobs.JobDocument.from_json({"numbers": [1]}),
            patient_id=pid,
            action="patient.read",
        )
        second = jobs.enqueue(
            tx,
            doc,
            "add",
            jobs.JobDocument.from_json({"numbers": [2]}),
            patient_id=pid,
            action="patient.read",
        )
    with database.transaction() as tx:  # as a crash would leave them
        _running(tx, first.id, 1)
        tx.execute(
            update(JobRow).where(JobRow.id == second.id).values(status="running", attempts=2)
        )
    requeued, failed = job_runner.recover(database)
    assert (requeued, failed) >= (1, 1)
    with database.transaction() as tx:
        again, dead = jobs.get_job(tx, doc, first.id), jobs.get_job(tx, doc, second.id)
    assert again.status == "queued"
    assert again.stage == "queued again after a restart"
    assert dead.status == "failed"
    assert dead.error is not None
    assert "stopped during this job 2 times" in dead.error
    ran = [
        j
        for j in job_runner.drain(database, Settings(), HANDLERS, content=CONTENT)
        if j.id == first.id
    ]
    assert [(j.status, j.attempts, j.result) for j in ran] == [("done", 2, {"sum": 1})]


def test_worker_threads_run_jobs_and_stop_cleanly(
    database: Database, request: pytest.FixtureRequest
) -> None:
    doc, pid = _clinic(database, _tag(request))
    finished = threading.Event()
    started = threading.Event()

    def quick(context: jobs.JobContext) -> jobs.JobDocument:
        finished.set()
        return jobs.JobDocument.from_json({"ok": True})

    def endless(context: jobs.JobContext) -> jobs.JobDocument:
        started.set()
        for _ in range(100_000):  # reports progress until the worker stops it
            context.report("working", 0.5)
            threading.Event().wait(0.01)
        return jobs.JobDocument.from_json({"never": True})

    worker = job_worker.Worker(
        database,
        Settings(worker_threads=2),
        {"quick": quick, "endless": endless},
        CONTENT,
        poll_s=0.2,
    )
    worker.start()
    try:
        assert worker.running
        with database.transaction() as tx:
            quick_id = _queue(tx, doc, pid, "quick", {}).id
        worker.notify()
        assert finished.wait(timeout=30)
        with database.transaction() as tx:
            slow_id = _queue(tx, doc, pid, "endless", {}).id
        worker.notify()
        assert started.wait(timeout=30)
    finally:
        worker.stop(timeout_s=20)
    assert not worker.running
    with database.transaction() as tx:
        done = jobs.get_job(tx, doc, quick_id)
        interrupted = jobs.get_job(tx, doc, slow_id)
    assert done.status == "done"
    assert interrupted.status == "queued"  # picked up again by the next worker
    assert interrupted.attempts == 0
    assert interrupted.stage == "interrupted by a shutdown; queued again"


def test_jobs_are_authorized_and_audited(
    database: Database, request: pytest.FixtureRequest
) -> None:
    tag = _tag(request)
    doc, pid = _clinic(database, f"{tag}-a")
    other, other_pid = _clinic(database, f"{tag}-b")
    with database.transaction() as tx:
        job = jobs.enqueue(
            tx,
            doc,
            "add",
            jobs.JobDocument.from_json({"numbers": []}),
            patient_id=pid,
            action="assessment.write",
        )
    with pytest.raises(NotFound), database.transaction() as tx:  # 404: another clinic's
        jobs.get_job(tx, other, job.id)
    with pytest.raises(NotFound), database.transaction() as tx:
        jobs.job_for_patient(tx, other, other_pid, job.id, "add", "patient.read")
    with pytest.raises(NotFound), database.transaction() as tx:
        jobs.enqueue(
            tx,
            other,
            "add",
            jobs.JobDocument.from_json({}),
            patient_id=pid,
            action="assessment.write",
        )
    with database.transaction() as tx:
        assert [j.id for j in jobs.list_jobs(tx, doc, pid, "add")] == [job.id]
        assert jobs.list_jobs(tx, other, other_pid, "add") == []
        denied = tx.scalar(
            select(func.count()).where(
                AuditRow.patient_id == pid,
                AuditRow.user_id == other.user_id,
                AuditRow.outcome == "denied",
            )
        )
        queued = tx.scalar(select(func.count()).where(JobRow.patient_id == pid))
    assert denied == 2
    assert queued == 1


def test_recover_leaves_jobs_of_live_workers_alone(
    database: Database, request: pytest.FixtureRequest
) -> None:
    """A restart with overlap (or a second process) never takes a job another worker runs."""
    from runnersknee.store.tables import utcnow

    doc, pid = _clinic(database, _tag(request))
    settings = Settings(job_stale_after_s=30)
    with database.transaction() as tx:
        live = _queue(tx, doc, pid, "add", {"numbers": [1]}).id
        dead = _queue(tx, doc, pid, "add", {"numbers": [2]}).id
    now = utcnow()
    with database.transaction() as tx:
        tx.execute(
            update(JobRow)
            .where(JobRow.id.in_([live, dead]))
            .values(status="running", attempts=1, worker_id="other:1:x", heartbeat_at=now)
        )
        tx.execute(
            update(JobRow)
            .where(JobRow.id == dead)
            .values(heartbeat_at=now - timedelta(seconds=31), worker_id="gone:2:y")
        )
    job_runner.recover(database, settings)
    with database.transaction() as tx:
        assert jobs.get_job(tx, doc, live).status == "running"
        assert jobs.get_job(tx, doc, dead).status == "queued"
    # The live worker's job cannot be claimed by anyone else; the old owner of the re-queued
    # one can no longer write to it.
    assert not job_runner.claim(database, settings, live, "intruder:3:z")
    ran = [
        j for j in job_runner.drain(database, settings, HANDLERS, content=CONTENT) if j.id == dead
    ]
    assert [(j.status, j.attempts, j.result) for j in ran] == [("done", 2, {"sum": 2})]


def test_a_cancelled_job_stops_at_its_next_progress_report(
    database: Database, request: pytest.FixtureRequest
) -> None:
    doc, pid = _clinic(database, _tag(request))
    reported = threading.Event()
    carry_on = threading.Event()

    def slow(context: jobs.JobContext) -> jobs.JobDocument:
        context.report("step 1", 0.1)
        reported.set()
        assert carry_on.wait(30)
        context.report("step 2", 0.5)  # the row is no longer this worker's: stops here
        return jobs.JobDocument.from_json({"never": True})

    with database.transaction() as tx:
        job_id = _queue(tx, doc, pid, "slow", {}, action="assessment.write").id
    runner = threading.Thread(
        target=job_runner.drain,
        args=(database, Settings(), {"slow": slow}),
        kwargs={"content": CONTENT},
    )
    runner.start()
    assert reported.wait(30)
    with database.transaction() as tx:
        assert jobs.cancel_job(tx, doc, job_id).status == "cancelled"
    carry_on.set()
    runner.join(timeout=30)
    with database.transaction() as tx:
        final = jobs.get_job(tx, doc, job_id)
    assert (final.status, final.result, final.stage) == ("cancelled", None, "cancelled")


def test_a_job_of_another_clinic_answers_like_a_missing_one(
    database: Database, request: pytest.FixtureRequest
) -> None:
    """Issue 18 item 9: 404, never 403, and nothing that tells it apart from a missing job."""
    tag = _tag(request)
    doc, pid = _clinic(database, f"{tag}-own")
    other, _ = _clinic(database, f"{tag}-far")
    with database.transaction() as tx:
        job = jobs.enqueue(
            tx,
            doc,
            "add",
            jobs.JobDocument.from_json({"numbers": [1]}),
            patient_id=pid,
            action="assessment.write",
        )
        far_patient = patients.create_patient(
            tx, other, patients.NewPatient("Far", 1990, f"far-{tag}@x.example", PASSWORD), DAY
        )
        far_user = tx.scalars(select(UserRow).where(UserRow.email == f"far-{tag}@x.example")).one()
        clinic_job = JobRow(
            clinic_id=doc.clinic_id, kind="add", params={}, status="queued", created_by=doc.user_id
        )
        tx.add(clinic_job)
        tx.flush()
        clinic_job_id = clinic_job.id
        far = actor_for(tx, far_user)
    assert far.patient_id == far_patient
    missing = job.id + 10_000
    answers = []
    for actor in (other, far):
        for job_id in (job.id, clinic_job_id, missing):
            for look in (jobs.get_job, jobs.cancel_job):
                with pytest.raises(NotFound) as refused, database.transaction() as tx:
                    look(tx, actor, job_id)
                answers.append(refused.value.to_dict() | {"message": "", "job_id": 0})
    assert all(answer == answers[0] for answer in answers), answers
    with database.transaction() as tx:
        denied = tx.scalar(
            select(func.count()).where(
                AuditRow.user_id.in_([other.user_id, far.user_id]), AuditRow.outcome == "denied"
            )
        )
        assert jobs.get_job(tx, doc, clinic_job_id).status == "queued"
    assert denied == 8, "every refused look at another clinic's job is audited"
