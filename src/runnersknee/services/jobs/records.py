"""Background jobs: the ``job`` table is the record of every job (progress, result, who
queued it) that the pages read; this module queues, reads and cancels jobs.

A request only *enqueues* (:func:`enqueue`, in the transaction of its authorization check and
audit entry) and returns. Who runs the job depends on the database (docs/architecture.md,
"Background jobs"):

* SQLite (the zero-set-up default): the web process's in-process worker
  (:mod:`runnersknee.services.jobs.worker`) claims queued rows.
* PostgreSQL: the same transaction also defers a Procrastinate job
  (:mod:`runnersknee.services.jobs.queue`), run by ``runnersknee worker`` processes.

Either way a job runs through :mod:`runnersknee.services.jobs.runner`: claimed with a worker id,
kept alive by a heartbeat, retried once when its worker died, never run twice at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.jobs.documents import JobDocument
from runnersknee.services.platform.audit import record_access
from runnersknee.services.platform.database import Database
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import JobRow, utcnow

__all__ = [
    "JOB_STATUSES",
    "MAX_ATTEMPTS",
    "Handler",
    "JobContext",
    "JobDocument",
    "JobView",
    "cancel_job",
    "enqueue",
    "get_job",
    "job_for_patient",
    "list_jobs",
    "view_of",
]

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
#: How many times a job may be started before a crash-interrupted run fails it for good.
MAX_ATTEMPTS = 2


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
    #: The stored JSON; each kind reads it through its typed document (``…Params.from_json``).
    params: JSONObject
    result: JSONObject | None
    error: str | None
    attempts: int
    created_by: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    worker_id: str | None = None

    @property
    def finished(self) -> bool:
        """Done, failed or cancelled (nothing more will happen)."""
        return self.status in ("done", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a handler gets: the job's parameters and a progress reporter."""

    job_id: int
    kind: str
    patient_id: int | None
    params: JSONObject
    settings: Settings
    report: Callable[[str, float], None]
    #: The clinical content the worker was started with (``bootstrap``).
    content: ClinicalContent
    #: The worker's database and id: a handler that writes patient data checks in its own
    #: transaction that the job is still its own (``job_runner.hold_in``).
    database: Database | None = None
    worker_id: str | None = None


#: A handler runs one job and returns its typed result (stored as ``to_json()``). It raises a
#: :class:`RunnersKneeError` (e.g. InvalidInput) for a clear, user-facing failure.
Handler = Callable[[JobContext], JobDocument]


def view_of(row: JobRow) -> JobView:
    """The caller-facing view of a job row."""
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
        row.worker_id,
    )


def enqueue(
    tx: Session,
    actor: Actor,
    kind: str,
    params: JobDocument,
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
        params=params.to_json(),
        attempts=0,
        created_by=actor.user_id,
    )
    tx.add(row)
    tx.flush()
    if tx.get_bind().dialect.name == "postgresql":
        from runnersknee.services.jobs.queue import defer_in  # procrastinate: PostgreSQL only

        defer_in(tx, row.id)
    return view_of(row)


def cancel_job(tx: Session, actor: Actor, job_id: int, action: str = "assessment.write") -> JobView:
    """Cancel a queued or running job (authorized as ``action`` on its patient, audited).

    A queued job never starts; a running one stops at its next progress report (the worker
    sees the row is no longer its own). A finished job is left as it is.
    """
    row = _clinic_job(tx, actor, job_id, action)
    authorize(tx, actor, action, row.patient_id)
    if row.status in ("queued", "running"):
        row.status, row.finished_at, row.stage = "cancelled", utcnow(), "cancelled"
        row.error = "cancelled by a clinician"
        tx.flush()
        if tx.get_bind().dialect.name == "postgresql":
            from runnersknee.services.jobs.queue import cancel_in

            cancel_in(tx, row.id)
    return view_of(row)


def _clinic_job(tx: Session, actor: Actor, job_id: int, action: str) -> JobRow:
    """The job row when it belongs to the actor's clinic; a job of another clinic answers
    exactly like a missing one (404, same message and keys; the denial is audited)."""
    row = tx.get(JobRow, job_id)
    if row is not None and row.clinic_id != actor.clinic_id:
        record_type, record_id = (
            ("patient", str(row.patient_id)) if row.patient_id else ("job", str(job_id))
        )
        record_access(tx, actor.user_id, actor.role.value, action, record_type, record_id,
                      row.patient_id, "denied")  # fmt: skip
        row = None
    if row is None:
        raise NotFound(f"job {job_id} does not exist", job_id=job_id)
    return row


def get_job(tx: Session, actor: Actor, job_id: int, action: str = "patient.read") -> JobView:
    """A job of the actor's clinic whose patient passes :func:`authorize` (audited); a job of
    another clinic is 404 like a missing one, never 403."""
    row = _clinic_job(tx, actor, job_id, action)
    if row.patient_id is None:
        authorize(tx, actor, action)
    else:
        authorize(tx, actor, action, row.patient_id)
    return view_of(row)


def job_for_patient(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, patient_id: int, job_id: int, kind: str, action: str
) -> JobView:
    """A job of ``kind`` that belongs to ``patient_id``, after authorizing ``action`` on that
    patient; a job of anyone else is NotFound (its id tells nothing)."""
    authorize(tx, actor, action, patient_id)
    row = tx.get(JobRow, job_id)
    if row is None or row.patient_id != patient_id or row.kind != kind:
        raise NotFound(f"this patient has no {kind.replace('_', ' ')} {job_id}", job_id=job_id)
    return view_of(row)


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
    return [view_of(r) for r in rows]
