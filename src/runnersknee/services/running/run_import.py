"""Run uploads as background jobs: the request keeps the files and queues a ``run_import`` job;
the job worker parses them and stores the runs (never a process forked from the web server).

* :func:`submit_import` queues the job for files kept by
  :func:`~runnersknee.services.running.run_uploads.store_uploads` (in the request's
  transaction, after its authorization check).
* :func:`run_import_job` (the handler) parses the files in the worker's thread, then in one
  transaction checks the job is still its own, raises the clinician's ``run_file`` alerts for
  unreadable files, stores the runs and records the outcome on the job row; then it deletes
  the files. A retry after a crash replays the recorded outcome instead of importing twice.
  Nothing readable: the job fails with a plain reason and no run is stored.
* :func:`status_of` is what the uploader reads: processing, the result in plain words, or why
  it failed. :func:`clean_at_start` removes abandoned upload folders at start-up.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runnersknee.activity.bulk import ImportResult
from runnersknee.activity.model import SkippedFile
from runnersknee.clinical.errors import InvalidInput, RunnersKneeError
from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.access.authz import Actor
from runnersknee.services.jobs import records as jobs
from runnersknee.services.jobs.runner import hold_in
from runnersknee.services.platform.database import Database
from runnersknee.services.platform.storage import clean_abandoned_temp_folders, storage_for
from runnersknee.services.running import run_records
from runnersknee.services.running import runs as runs_service
from runnersknee.services.running.import_documents import RunImportParams, RunImportResult
from runnersknee.services.running.run_plain import nothing_imported, plain_reason, tell_clinician
from runnersknee.services.running.run_uploads import (
    RUN_UPLOADS,
    StoredUpload,
    remove_run_upload,
    save_import,
)
from runnersknee.store.mapping import JSONObject, JSONValue
from runnersknee.store.tables import JobRow, UserRow

__all__ = [
    "COULD_NOT_PROCESS",
    "RUN_IMPORT_JOB",
    "DuplicateText",
    "SkippedText",
    "UploadStatus",
    "clean_at_start",
    "clean_stale_run_uploads",
    "run_import_job",
    "status_of",
    "submit_import",
    "upload_status",
]

RUN_IMPORT_JOB = "run_import"
#: What the uploader reads when a job failed for a reason that is not about the files.
COULD_NOT_PROCESS = (
    "Your file could not be processed. Please upload it again; if this keeps happening, "
    "tell your physiotherapist."
)
_STOPPED = "This upload was stopped before it finished. Please upload your file again."
_GONE = "the uploaded files are no longer stored; please upload them again"
_READING = "reading your files"
#: A run-upload folder no queued or running job refers to is removed after this long (a
#: request stores the files a moment before its job row commits).
STALE_UPLOAD_S = 600.0


@dataclass(frozen=True, slots=True)
class SkippedText:
    """A file that was not imported, with the reason in plain words."""

    source: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class DuplicateText:
    """A run that was already stored (``kept_source`` is the stored one)."""

    source: str
    kept_source: str
    start: datetime


@dataclass(frozen=True, slots=True)
class UploadStatus:
    """An upload as its uploader follows it: ``processing``, ``done`` or ``failed``."""

    job_id: int
    state: str
    imported: tuple[JSONObject, ...] = ()
    skipped: tuple[SkippedText, ...] = ()
    duplicates: tuple[DuplicateText, ...] = ()
    files_seen: int = 0
    alerts_raised: int = 0
    message: str | None = None

    @property
    def finished(self) -> bool:
        """Nothing more will happen."""
        return self.state != "processing"

    def to_json(self) -> JSONObject:
        """The API's ``result`` of a finished upload."""
        return {
            "imported": list[JSONValue](self.imported),
            "skipped": [
                {"source": s.source, "reason": s.reason, "code": s.code} for s in self.skipped
            ],
            "duplicates": [
                {"source": d.source, "kept_source": d.kept_source, "start": d.start.isoformat()}
                for d in self.duplicates
            ],
            "files_seen": self.files_seen,
            "alerts_raised": self.alerts_raised,
        }


def _skipped_json(skipped: tuple[SkippedFile, ...]) -> list[JSONObject]:
    return [{"source": s.source, "reason": plain_reason(s), "code": s.code} for s in skipped]


def submit_import(
    tx: Session, actor: Actor, patient_id: int, stored: StoredUpload, today: date
) -> jobs.JobView:
    """Queue the import of a stored upload (authorized and audited as ``log.write``).

    ``today`` is the upload's day in the clinic (spike alerts look back from it)."""
    params = RunImportParams.new(stored.key, stored.names, _skipped_json(stored.skipped), today)
    return jobs.enqueue(
        tx, actor, RUN_IMPORT_JOB, params, patient_id=patient_id, action="log.write"
    )


# --- the job ---------------------------------------------------------------------------------


def run_import_job(context: jobs.JobContext) -> RunImportResult:
    """The job handler: parse the stored files, store the runs, delete the files."""
    database, worker_id = context.database, context.worker_id
    if database is None or worker_id is None:  # pragma: no cover - the runner sets both
        raise RuntimeError("run_import needs the worker's database and id")
    with database.transaction() as tx:
        row = tx.get_one(JobRow, context.job_id)
        recorded = RunImportResult.from_json(row.result)
        uploader = row.created_by
    upload = RunImportParams.from_json(context.params).upload
    try:
        if recorded.outcome is None:  # not imported by an earlier attempt
            recorded = _import(context, database, worker_id, uploader)
    except RunnersKneeError:  # a failed job keeps no file (a shutdown or takeover keeps them)
        remove_run_upload(context.settings, upload)
        raise
    remove_run_upload(context.settings, upload)
    if recorded.outcome != "imported":
        raise InvalidInput(recorded.message, field="files", got=recorded.skipped)
    return recorded


def _read(context: jobs.JobContext) -> ImportResult:
    """Parse the stored files in this thread (one process: nothing is forked)."""
    params = RunImportParams.from_json(context.params)
    folder = storage_for(context.settings).local_path(params.upload)
    paths = [folder / name for name in params.files]
    if not paths or not all(p.is_file() for p in paths):
        raise InvalidInput(_GONE, field="files")
    context.report(_READING, 0.05)

    def progress(done: int, total: int, name: str) -> None:
        del name
        context.report(_READING, 0.05 + 0.85 * done / max(total, 1))

    read = runs_service.import_runs(paths, settings=context.settings, progress=progress, workers=1)
    early = tuple(
        SkippedFile(str(s["source"]), str(s["reason"]), str(s["code"])) for s in params.skipped
    )
    return ImportResult(
        read.runs, early + read.skipped, read.duplicates, read.files_seen + len(early)
    )


def _import(
    context: jobs.JobContext, database: Database, worker_id: str, uploader: int
) -> RunImportResult:
    result = _read(context)
    today = RunImportParams.from_json(context.params).today
    patient_id = context.patient_id
    if patient_id is None:  # pragma: no cover - enqueued with a patient
        raise InvalidInput(_GONE, field="files")
    context.report("saving your runs", 0.95)
    with database.transaction() as tx:
        hold_in(tx, context.job_id, worker_id)
        tell_clinician(tx, patient_id, result.skipped, today)
        user = tx.get_one(UserRow, uploader)
        record = _store(tx, actor_for(tx, user), patient_id, result, today, context)
        stored = record.to_json()
        tx.execute(update(JobRow).where(JobRow.id == context.job_id).values(result=stored))
    return record


def _store(  # noqa: PLR0917 - the job's parts
    tx: Session,
    actor: Actor,
    patient_id: int,
    result: ImportResult,
    today: date,
    context: jobs.JobContext,
) -> RunImportResult:
    skipped = list[JSONValue](_skipped_json(result.skipped))
    if not result.runs and not result.duplicates:
        message = nothing_imported(result.skipped)
        nothing: JSONObject = {"outcome": "nothing_imported", "message": message,
                               "skipped": skipped, "files_seen": result.files_seen}  # fmt: skip
        return RunImportResult.from_json(nothing)
    outcome = save_import(tx, actor, patient_id, result, today)
    view = run_records.overview(tx, actor, patient_id, today, content=context.content)
    new_ids = {r.id for r in outcome.imported}
    return RunImportResult.from_json({
        "outcome": "imported",
        "imported": [run_records.run_json(e) for e in view.runs if e.run.id in new_ids],
        "skipped": skipped,
        "duplicates": [
            {"source": d.source, "kept_source": d.kept_source, "start": d.start.isoformat()}
            for d in outcome.duplicates
        ],
        "files_seen": outcome.files_seen,
        "alerts_raised": outcome.alerts_raised,
    })  # fmt: skip


# --- what the uploader reads -----------------------------------------------------------------


def _skipped_of(items: JSONValue | None) -> tuple[SkippedText, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        SkippedText(str(s.get("source")), str(s.get("reason")), str(s.get("code")))
        for s in items
        if isinstance(s, dict)
    )


def status_of(job: jobs.JobView) -> UploadStatus:
    """The upload's state in plain words (a run-import job)."""
    result = RunImportResult.from_json(job.result)
    if job.status == "done":
        return UploadStatus(
            job.id,
            "done",
            tuple(result.imported),
            _skipped_of(result.skipped),
            tuple(
                DuplicateText(
                    str(d["source"]), str(d["kept_source"]), datetime.fromisoformat(str(d["start"]))
                )
                for d in result.duplicates
            ),
            result.files_seen,
            result.alerts_raised,
        )
    if job.status == "failed":
        error = result.error
        if error.get("field") == "files" and job.error:  # the handler's own, plain reasons
            return UploadStatus(job.id, "failed", skipped=_skipped_of(error.get("got")),
                                message=job.error)  # fmt: skip
        return UploadStatus(job.id, "failed", message=COULD_NOT_PROCESS)
    if job.status == "cancelled":
        return UploadStatus(job.id, "failed", message=_STOPPED)
    return UploadStatus(job.id, "processing")


def upload_status(tx: Session, actor: Actor, patient_id: int, job_id: int) -> UploadStatus:
    """An upload of the patient's record (authorized, audited as ``patient.read``)."""
    job = jobs.job_for_patient(tx, actor, patient_id, job_id, RUN_IMPORT_JOB, "patient.read")
    return status_of(job)


# --- clean-up --------------------------------------------------------------------------------


def clean_stale_run_uploads(
    database: Database, settings: Settings, grace_s: float = STALE_UPLOAD_S
) -> int:
    """Remove run-upload folders that no queued or running job refers to and that are older
    than ``grace_s`` (a request killed between storing and queueing, a cancelled job, a
    worker killed after the import). Returns how many were removed."""
    store = storage_for(settings)
    root = store.local_path("uploads")
    if not root.is_dir():
        return 0
    with database.transaction() as tx:
        live = {
            str((params or {}).get("upload"))
            for params in tx.scalars(
                select(JobRow.params).where(
                    JobRow.kind == RUN_IMPORT_JOB, JobRow.status.in_(("queued", "running"))
                )
            )
        }
    removed = 0
    now = time.time()
    for folder in root.glob(f"*/{RUN_UPLOADS}/*"):
        if store.key_of(folder) in live or now - folder.stat().st_mtime < grace_s:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed


def clean_at_start(database: Database, settings: Settings) -> tuple[int, int]:
    """At start-up of the web app or a worker: remove temporary upload folders of dead
    processes and abandoned run uploads. Returns (temporary, stored) folders removed."""
    return clean_abandoned_temp_folders(), clean_stale_run_uploads(database, settings)
