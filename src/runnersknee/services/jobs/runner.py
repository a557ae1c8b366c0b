"""Running one job: claim it with a worker id, keep it alive with a heartbeat, write its
progress and its end, and recover jobs whose worker died.

Every write a worker makes to a job row is conditional on ``worker_id = <its id>`` and
``status = 'running'``: a worker that lost its job (declared dead after
``Settings.job_stale_after_s`` without a heartbeat, or the job was cancelled) can no longer
change it, and stops at its next progress report. A running job is only taken over when its
heartbeat is older than that limit, so a restart with overlap (or a second process) never runs
a job twice at the same time.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound, RunnersKneeError
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.jobs.records import MAX_ATTEMPTS, Handler, JobContext, JobView, view_of
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import JobRow, utcnow

__all__ = [
    "Heartbeat",
    "Interrupted",
    "claim",
    "claim_next",
    "claim_when_free",
    "drain",
    "hold_in",
    "new_worker_id",
    "recover",
    "run_job",
]

_PROGRESS_EVERY_S = 0.5
_log = logging.getLogger(__name__)


class Interrupted(Exception):
    """The worker is stopping: the running job goes back to the queue."""


class _Lost(Exception):
    """The job is no longer this worker's (cancelled, or taken over after a missed heartbeat)."""


def new_worker_id() -> str:
    """``host:pid:random``, unique per worker (a restarted process gets a new one)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def _stale_before(settings: Settings) -> Any:
    return utcnow() - timedelta(seconds=settings.job_stale_after_s)


def _claim_values(worker_id: str) -> dict[str, object]:
    """The columns a claim sets (SQL expressions among them)."""
    now = utcnow()
    return {
        "status": "running",
        "started_at": now,
        "heartbeat_at": now,
        "worker_id": worker_id,
        "attempts": JobRow.attempts + 1,
        "stage": "starting",
    }


def claim_next(database: Database, worker_id: str) -> int | None:
    """Mark the oldest queued job running for ``worker_id``; None when the queue is empty."""
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
                .values(**_claim_values(worker_id))
            )
            if getattr(claimed, "rowcount", 0) == 1:
                return int(job_id)
    return None


def claim(database: Database, settings: Settings, job_id: int, worker_id: str) -> bool:
    """Claim job ``job_id`` for ``worker_id``: a queued job, or a running one whose worker
    missed its heartbeats (a retry). False when it is finished, cancelled or alive elsewhere.
    A job started :data:`MAX_ATTEMPTS` times already is failed with the reason instead."""
    with database.transaction() as tx:
        claimed = tx.execute(
            update(JobRow)
            .where(
                JobRow.id == job_id,
                or_(
                    JobRow.status == "queued",
                    (JobRow.status == "running")
                    & (
                        JobRow.heartbeat_at.is_(None)
                        | (JobRow.heartbeat_at < _stale_before(settings))
                    ),
                ),
            )
            .values(**_claim_values(worker_id))
        )
        if getattr(claimed, "rowcount", 0) != 1:
            return False
        row = tx.get(JobRow, job_id)
        if row is not None and row.attempts > MAX_ATTEMPTS:
            _give_up(row)
            return False
    return True


def claim_when_free(database: Database, settings: Settings, job_id: int, worker_id: str) -> bool:
    """:func:`claim`, waiting while another worker still beats for the job (a retry that
    arrives just before the row's heartbeat goes stale); False when it ends elsewhere."""
    deadline = time.monotonic() + 2 * settings.job_stale_after_s
    while True:
        if claim(database, settings, job_id, worker_id):
            return True
        with database.transaction() as tx:
            status = tx.scalar(select(JobRow.status).where(JobRow.id == job_id))
        if status != "running" or time.monotonic() > deadline:
            return False
        time.sleep(settings.job_heartbeat_s)


def _give_up(row: JobRow) -> None:
    row.status, row.finished_at, row.worker_id = "failed", utcnow(), None
    row.attempts = min(row.attempts, MAX_ATTEMPTS)
    row.error = (
        f"the worker stopped during this job {row.attempts} times; "
        "it was not retried again (upload the file again to retry)"
    )


def _write(database: Database, job_id: int, owner: str, **values: Any) -> None:
    """Update the job if it is still ``owner``'s; raise :class:`_Lost` otherwise."""
    with database.transaction() as tx:
        result = tx.execute(
            update(JobRow)
            .where(JobRow.id == job_id, JobRow.worker_id == owner, JobRow.status == "running")
            .values(**values)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise _Lost


def hold_in(tx: Session, job_id: int, worker_id: str) -> None:
    """In the caller's transaction: mark the job alive if it is still ``worker_id``'s, else
    stop the handler (the job was cancelled or taken over). A handler that writes patient
    data calls this first, so the write and the ownership check commit together; the row
    lock (PostgreSQL) or write lock (SQLite) it takes orders it against a takeover."""
    result = tx.execute(
        update(JobRow)
        .where(JobRow.id == job_id, JobRow.worker_id == worker_id, JobRow.status == "running")
        .values(heartbeat_at=utcnow())
    )
    if getattr(result, "rowcount", 0) != 1:
        raise _Lost


class _Reporter:
    """Writes progress to the job row (at most every 0.5 s) and checks for shutdown."""

    def __init__(
        self, database: Database, job_id: int, worker_id: str, stop: threading.Event | None
    ) -> None:
        self.database, self.job_id, self.worker_id, self.stop = database, job_id, worker_id, stop
        self._last = 0.0
        self._stage: str | None = None

    def __call__(self, stage: str, fraction: float) -> None:
        if self.stop is not None and self.stop.is_set():
            raise Interrupted
        now = time.monotonic()
        if stage == self._stage and now - self._last < _PROGRESS_EVERY_S:
            return
        self._stage, self._last = stage, now
        _write(
            self.database,
            self.job_id,
            self.worker_id,
            stage=stage[:80],
            progress=max(0.0, min(1.0, float(fraction))),
            heartbeat_at=utcnow(),
        )


class Heartbeat:
    """A thread that marks the jobs of one worker alive every ``interval_s`` seconds."""

    def __init__(self, database: Database, worker_id: str, interval_s: float) -> None:
        self.database, self.worker_id, self.interval_s = database, worker_id, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name="runnersknee-heartbeat", daemon=True
        )

    def start(self) -> None:
        """Start beating."""
        self._thread.start()

    def stop(self) -> None:
        """Stop beating (the jobs of a stopped worker go stale and are retried)."""
        self._stop.set()
        self._thread.join(timeout=self.interval_s + 5)

    def beat(self) -> None:
        """Mark this worker's running jobs alive now."""
        with self.database.transaction() as tx:
            tx.execute(
                update(JobRow)
                .where(JobRow.worker_id == self.worker_id, JobRow.status == "running")
                .values(heartbeat_at=utcnow())
            )

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the beat
                _log.exception("job heartbeat failed")


def run_job(  # noqa: PLR0917 - the job, who runs it and how to stop it
    database: Database,
    settings: Settings,
    handlers: Mapping[str, Handler],
    job_id: int,
    worker_id: str,
    stop: threading.Event | None = None,
    *,
    content: ClinicalContent,
) -> JobView:
    """Run one job claimed by ``worker_id`` to done or failed; return its final state.

    Handlers read the clinical ``content`` the worker was built with (``bootstrap``)."""
    with database.transaction() as tx:
        row = tx.get(JobRow, job_id)
        if row is None:
            raise NotFound(f"job {job_id} does not exist", job_id=job_id)
        job = view_of(row)
    handler = handlers.get(job.kind)
    try:
        if handler is None:
            _write(
                database,
                job_id,
                worker_id,
                status="failed",
                finished_at=utcnow(),
                error=f"no handler for job kind {job.kind!r} in this installation",
            )
        else:
            reporter = _Reporter(database, job_id, worker_id, stop)
            context = JobContext(
                job.id, job.kind, job.patient_id, job.params, settings, reporter, content,
                database, worker_id,
            )  # fmt: skip
            _execute(database, handler, context, worker_id)
    except _Lost:
        _log.warning(
            "job %s is no longer run by worker %s (cancelled or taken over)", job_id, worker_id
        )
    with database.transaction() as tx:
        final = tx.get(JobRow, job_id)
        if final is None:  # pragma: no cover - rows are never deleted
            raise NotFound(f"job {job_id} does not exist", job_id=job_id)
        return view_of(final)


def _execute(database: Database, handler: Handler, context: JobContext, worker_id: str) -> None:
    job_id = context.job_id
    try:
        result = handler(context)
    except Interrupted:
        _write(
            database,
            job_id,
            worker_id,
            status="queued",
            stage="interrupted by a shutdown; queued again",
            progress=0.0,
            attempts=JobRow.attempts - 1,
            worker_id=None,
        )
        return
    except _Lost:
        raise
    except RunnersKneeError as error:
        _write(
            database,
            job_id,
            worker_id,
            status="failed",
            finished_at=utcnow(),
            error=error.message,
            result={"error": error.to_dict()},
        )
        return
    except Exception as error:  # noqa: BLE001 - a worker must survive any handler bug
        _log.exception("job %s (%s) failed", job_id, context.kind)
        _write(
            database,
            job_id,
            worker_id,
            status="failed",
            finished_at=utcnow(),
            error=f"the analysis stopped on an internal error ({type(error).__name__}); "
            "the server log has the details",
        )
        return
    _write(
        database,
        job_id,
        worker_id,
        status="done",
        finished_at=utcnow(),
        progress=1.0,
        stage="done",
        result=result.to_json(),
    )


def drain(
    database: Database,
    settings: Settings,
    handlers: Mapping[str, Handler],
    limit: int | None = None,
    *,
    content: ClinicalContent,
) -> list[JobView]:
    """Run queued jobs synchronously in this thread until none is left (tests, CLI)."""
    worker_id = new_worker_id()
    done: list[JobView] = []
    while limit is None or len(done) < limit:
        job_id = claim_next(database, worker_id)
        if job_id is None:
            break
        done.append(run_job(database, settings, handlers, job_id, worker_id, content=content))
    return done


def recover(database: Database, settings: Settings | None = None) -> tuple[int, int]:
    """Jobs left ``running`` by a dead worker (no heartbeat for ``job_stale_after_s``):
    re-queue those started fewer than :data:`MAX_ATTEMPTS` times, fail the others.

    Jobs of live workers (fresh heartbeat) are left alone. Returns (re-queued, failed).
    """
    settings = settings or Settings()
    requeued = failed = 0
    with database.transaction() as tx:
        stale = select(JobRow).where(
            JobRow.status == "running",
            JobRow.heartbeat_at.is_(None) | (JobRow.heartbeat_at < _stale_before(settings)),
        )
        for row in tx.scalars(stale.with_for_update(skip_locked=True)):
            if row.attempts < MAX_ATTEMPTS:
                row.status, row.stage, row.progress = "queued", "queued again after a restart", 0.0
                row.worker_id = None
                requeued += 1
            else:
                _give_up(row)
                failed += 1
    return requeued, failed
