"""Background jobs: a small queue persisted in the ``job`` table and an in-process worker.

A request only *enqueues* (:func:`enqueue`) and returns; a :class:`Worker` (a pool of
``Settings.worker_threads`` threads, started by the web app's lifespan) claims queued jobs one
at a time and runs the handler registered for the job's kind. Tests run jobs synchronously
with :func:`drain`. Claiming is a conditional ``UPDATE ... WHERE status = 'queued'`` so two
threads (or processes) never run the same job.

Crash recovery (:func:`recover`, called when a worker starts): a job left ``running`` by a
crash is re-queued if it has started fewer than :data:`MAX_ATTEMPTS` times, otherwise failed
with the reason. The in-process worker assumes ONE app process per database; for several
machines use an existing task queue (docs/web.md, "Background jobs").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Forbidden, NotFound, RunnersKneeError
from runnersknee.config import Settings
from runnersknee.services.authz import Actor, authorize
from runnersknee.services.database import Database
from runnersknee.store.tables import JobRow, utcnow

__all__ = [
    "JOB_STATUSES",
    "MAX_ATTEMPTS",
    "Handler",
    "JobContext",
    "JobView",
    "Worker",
    "drain",
    "enqueue",
    "get_job",
    "job_for_patient",
    "list_jobs",
    "recover",
    "run_job",
]

JOB_STATUSES = ("queued", "running", "done", "failed")
#: How many times a job may be started before a crash-interrupted run fails it for good.
MAX_ATTEMPTS = 2
_PROGRESS_EVERY_S = 0.5
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobView:
    """One job as callers see it."""

    id: int
    kind: str
    clinic_id: int
    patient_id: int | None
    status: str
    progress: float
    stage: str | None
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    attempts: int
    created_by: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        """Done or failed (nothing more will happen)."""
        return self.status in ("done", "failed")


class _Interrupted(Exception):
    """The worker is stopping: the running job goes back to the queue."""


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets: the job's parameters and a progress reporter."""

    job_id: int
    kind: str
    patient_id: int | None
    params: dict[str, Any]
    settings: Settings
    report: Callable[[str, float], None]


#: A handler runs one job and returns its result document (JSON-ready). It raises a
#: :class:`RunnersKneeError` (e.g. InvalidInput) for a clear, user-facing failure.
Handler = Callable[[JobContext], dict[str, Any]]


def _view(row: JobRow) -> JobView:
    return JobView(
        row.id,
        row.kind,
        row.clinic_id,
        row.patient_id,
        row.status,
        row.progress,
        row.stage,
        dict(row.params),
        None if row.result is None else dict(row.result),
        row.error,
        row.attempts,
        row.created_by,
        row.created_at,
        row.started_at,
        row.finished_at,
    )


def enqueue(
    tx: Session,
    actor: Actor,
    kind: str,
    params: Mapping[str, Any],
    *,
    patient_id: int,
    action: str,
) -> JobView:
    """Authorize ``action`` on the patient, then queue a job (the worker runs it later)."""
    authorize(tx, actor, action, patient_id)
    row = JobRow(
        kind=kind,
        clinic_id=actor.clinic_id,
        patient_id=patient_id,
        status="queued",
        progress=0.0,
        params=dict(params),
        attempts=0,
        created_by=actor.user_id,
    )
    tx.add(row)
    tx.flush()
    return _view(row)


def get_job(tx: Session, actor: Actor, job_id: int, action: str = "patient.read") -> JobView:
    """A job the actor may see: its patient passes :func:`authorize` (audited), else 403/404."""
    row = tx.get(JobRow, job_id)
    if row is None:
        raise NotFound(f"job {job_id} does not exist", job_id=job_id)
    if row.patient_id is None:
        if row.clinic_id != actor.clinic_id:
            raise Forbidden("this job belongs to another clinic", reason="clinic")
        authorize(tx, actor, action)
    else:
        authorize(tx, actor, action, row.patient_id)
    return _view(row)


def job_for_patient(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, patient_id: int, job_id: int, kind: str, action: str
) -> JobView:
    """A job of ``kind`` that belongs to ``patient_id``, after authorizing ``action`` on that
    patient; a job of anyone else is NotFound (its id tells nothing)."""
    authorize(tx, actor, action, patient_id)
    row = tx.get(JobRow, job_id)
    if row is None or row.patient_id != patient_id or row.kind != kind:
        raise NotFound(f"this patient has no {kind.replace('_', ' ')} {job_id}", job_id=job_id)
    return _view(row)


def list_jobs(
    tx: Session, actor: Actor, patient_id: int, kind: str, limit: int = 50
) -> list[JobView]:
    """The newest jobs of one kind for a patient."""
    authorize(tx, actor, "patient.read", patient_id)
    rows = tx.scalars(
        select(JobRow)
        .where(JobRow.patient_id == patient_id, JobRow.kind == kind)
        .order_by(JobRow.id.desc())
        .limit(limit)
    )
    return [_view(r) for r in rows]


def _claim_next(database: Database) -> int | None:
    """Mark the oldest queued job running and return its id (None when the queue is empty)."""
    for _ in range(5):
        with database.transaction() as tx:
            job_id = tx.scalar(
                select(JobRow.id).where(JobRow.status == "queued").order_by(JobRow.id).limit(1)
            )
            if job_id is None:
                return None
            claimed = tx.execute(
                update(JobRow)
                .where(JobRow.id == job_id, JobRow.status == "queued")
                .values(
                    status="running",
                    started_at=utcnow(),
                    attempts=JobRow.attempts + 1,
                    stage="starting",
                )
            )
            if getattr(claimed, "rowcount", 0) == 1:
                return int(job_id)
    return None


def _finish(database: Database, job_id: int, **values: Any) -> None:
    with database.transaction() as tx:
        tx.execute(update(JobRow).where(JobRow.id == job_id).values(**values))


class _Reporter:
    """Writes progress to the job row (at most every 0.5 s) and checks for shutdown."""

    def __init__(self, database: Database, job_id: int, stop: threading.Event | None) -> None:
        self.database, self.job_id, self.stop = database, job_id, stop
        self._last = 0.0
        self._stage: str | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        if self.stop is not None and self.stop.is_set():
            raise _Interrupted
        now = time.monotonic()
        if stage == self._stage and now - self._last < _PROGRESS_EVERY_S:
            return
        self._stage, self._last = stage, now
        _finish(
            self.database,
            self.job_id,
            stage=stage[:80],
            progress=max(0.0, min(1.0, float(fraction))),
        )


def run_job(
    database: Database,
    settings: Settings,
    handlers: Mapping[str, Handler],
    job_id: int,
    stop: threading.Event | None = None,
) -> JobView:
    """Run one claimed (``running``) job to done or failed; return its final state."""
    with database.transaction() as tx:
        row = tx.get(JobRow, job_id)
        if row is None:
            raise NotFound(f"job {job_id} does not exist", job_id=job_id)
        job = _view(row)
    handler = handlers.get(job.kind)
    if handler is None:
        _finish(
            database,
            job_id,
            status="failed",
            finished_at=utcnow(),
            error=f"no handler for job kind {job.kind!r} in this installation",
        )
    else:
        context = JobContext(
            job.id,
            job.kind,
            job.patient_id,
            job.params,
            settings,
            _Reporter(database, job_id, stop),
        )
        _execute(database, handler, context)
    with database.transaction() as tx:
        final = tx.get(JobRow, job_id)
        if final is None:  # pragma: no cover - rows are never deleted
            raise NotFound(f"job {job_id} does not exist", job_id=job_id)
        return _view(final)


def _execute(database: Database, handler: Handler, context: JobContext) -> None:
    job_id = context.job_id
    try:
        result = handler(context)
    except _Interrupted:
        _finish(
            database,
            job_id,
            status="queued",
            stage="interrupted by a shutdown; queued again",
            progress=0.0,
            attempts=JobRow.attempts - 1,
        )
        return
    except RunnersKneeError as error:
        _finish(
            database,
            job_id,
            status="failed",
            finished_at=utcnow(),
            error=error.message,
            result={"error": error.to_dict()},
        )
        return
    except Exception as error:  # noqa: BLE001 - a worker must survive any handler bug
        _log.exception("job %s (%s) failed", job_id, context.kind)
        _finish(
            database,
            job_id,
            status="failed",
            finished_at=utcnow(),
            error=f"the analysis stopped on an internal error ({type(error).__name__}); "
            "the server log has the details",
        )
        return
    _finish(
        database,
        job_id,
        status="done",
        finished_at=utcnow(),
        progress=1.0,
        stage="done",
        result=result,
    )


def drain(
    database: Database,
    settings: Settings,
    handlers: Mapping[str, Handler],
    limit: int | None = None,
) -> list[JobView]:
    """Run queued jobs synchronously in this thread until none is left (tests, CLI)."""
    done: list[JobView] = []
    while limit is None or len(done) < limit:
        job_id = _claim_next(database)
        if job_id is None:
            break
        done.append(run_job(database, settings, handlers, job_id))
    return done


def recover(database: Database, max_attempts: int = MAX_ATTEMPTS) -> tuple[int, int]:
    """Jobs left ``running`` by a crash: re-queue (fewer than ``max_attempts`` starts) or fail.

    Returns (re-queued, failed).
    """
    requeued = failed = 0
    with database.transaction() as tx:
        for row in tx.scalars(select(JobRow).where(JobRow.status == "running")):
            if row.attempts < max_attempts:
                row.status, row.stage, row.progress = "queued", "queued again after a restart", 0.0
                requeued += 1
            else:
                row.status, row.finished_at = "failed", utcnow()
                row.error = (
                    f"the server stopped during this job {row.attempts} times; "
                    "it was not retried again (upload the file again to retry)"
                )
                failed += 1
    return requeued, failed


class Worker:
    """``Settings.worker_threads`` threads that run queued jobs until :meth:`stop`."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        handlers: Mapping[str, Handler],
        poll_s: float = 2.0,
    ) -> None:
        self.database, self.settings, self.handlers = database, settings, dict(handlers)
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def running(self) -> bool:
        """Whether worker threads are alive."""
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Recover crash-interrupted jobs, then start the threads (idempotent)."""
        if self.running:
            return
        requeued, failed = recover(self.database)
        if requeued or failed:
            _log.warning("jobs after a restart: %d re-queued, %d failed", requeued, failed)
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._loop, name=f"runnersknee-job-{n}", daemon=True)
            for n in range(self.settings.worker_threads)
        ]
        for thread in self._threads:
            thread.start()

    def notify(self) -> None:
        """A job was queued: wake an idle thread now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop taking jobs; a running job is interrupted at its next progress report and
        queued again. Waits up to ``timeout_s`` for the threads."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = _claim_next(self.database)
                if job_id is not None:
                    run_job(self.database, self.settings, self.handlers, job_id, self._stop)
                    continue
            except Exception:  # noqa: BLE001 - keep the worker alive (database hiccups)
                _log.exception("job worker error")
            self._wake.wait(self.poll_s)
            self._wake.clear()
