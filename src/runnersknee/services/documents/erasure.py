"""Erasure of a patient (right to be forgotten) and the retention of uploaded videos.

Erasure is an admin action, refused while the clinic's legal retention period
(``Settings.record_retention_days``, counted from the record's last entry) has not passed,
and refused when no period is configured. It deletes every row of the patient, the patient's
login and uploaded files, and keeps the audit trail: an entry that the erasure happened, with
the patient number only. Video retention deletes raw (and annotated) videos older than
``Settings.raw_video_retention_days`` and keeps the analysis results.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound, Refused
from runnersknee.config import Settings
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.documents.export import upload_folder
from runnersknee.services.platform.audit import record_access
from runnersknee.services.video.job_documents import VideoJobParams
from runnersknee.store.tables import (
    AlertRow,
    AssessmentRow,
    AuthSessionRow,
    EpisodeRow,
    ExerciseLogRow,
    IntakeDraftRow,
    IntakeRow,
    JobRow,
    PainLogRow,
    PatientRow,
    PlanSuggestionRow,
    PlanVersionRow,
    QuestionnaireRow,
    RunRow,
    UserRow,
)

__all__ = ["Erased", "erase_patient", "last_entry", "purge_raw_videos"]

#: Rows of the patient (deleted first: a suggestion decision refers to a plan version).
_BY_PATIENT = (PlanSuggestionRow, ExerciseLogRow, PainLogRow, RunRow, AlertRow, JobRow)
_BY_EPISODE = (IntakeRow, IntakeDraftRow, QuestionnaireRow, AssessmentRow, PlanVersionRow)
_VIDEO_JOB = "video_analysis"
_VIDEO_FILES = ("upload", "analysis/annotated.mp4")


@dataclass(frozen=True, slots=True)
class Erased:
    """What an erasure removed (counts only)."""

    patient_id: int
    rows: int
    files: int


def last_entry(tx: Session, patient_id: int) -> datetime:
    """The newest time anything was recorded for the patient (retention counts from it)."""
    patient = tx.get(PatientRow, patient_id)
    if patient is None:
        raise NotFound(f"patient {patient_id} does not exist", patient_id=patient_id)
    times: list[datetime | None] = [patient.created_at]
    for table in _BY_PATIENT:
        times.append(_newest(tx, table.created_at, table.patient_id == patient_id))
    episodes = select(EpisodeRow.id).where(EpisodeRow.patient_id == patient_id)
    for by_episode in _BY_EPISODE:
        times.append(_newest(tx, by_episode.created_at, by_episode.episode_id.in_(episodes)))
    return max(t for t in times if t is not None)


def _newest(tx: Session, column: Any, where: Any) -> datetime | None:
    found: datetime | None = tx.scalar(select(func.max(column)).where(where))
    return found


def _delete(tx: Session, statement: Any) -> int:
    result = tx.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


def _check_retention(tx: Session, patient_id: int, settings: Settings, now: datetime) -> None:
    days = settings.record_retention_days
    if days is None:
        raise Refused(
            "no record retention period is configured; set RUNNERSKNEE_RECORD_RETENTION_DAYS "
            "to the clinic's legal retention period before erasing records",
            field="record_retention_days",
        )
    until = last_entry(tx, patient_id) + timedelta(days=days)
    if now < until:
        raise Refused(
            f"the record must be kept until {until.date().isoformat()} (legal retention period "
            f"of {days} days after the last entry); it cannot be erased before then",
            field="record_retention_days",
            keep_until=until.date().isoformat(),
        )


def erase_patient(
    tx: Session, actor: Actor, patient_id: int, settings: Settings, now: datetime
) -> Erased:
    """Erase one patient's records, login and files (admin; refused within retention)."""
    patient = authorize(tx, actor, "patient.erase", patient_id)
    if patient is None:  # pragma: no cover - a record-level authorize returns the row
        raise NotFound(f"patient {patient_id} does not exist", patient_id=patient_id)
    _check_retention(tx, patient_id, settings, now)
    episodes = select(EpisodeRow.id).where(EpisodeRow.patient_id == patient_id)
    rows = 0
    for table in _BY_PATIENT:
        rows += _delete(tx, delete(table).where(table.patient_id == patient_id))
    for by_episode in _BY_EPISODE:
        rows += _delete(tx, delete(by_episode).where(by_episode.episode_id.in_(episodes)))
    rows += _delete(tx, delete(EpisodeRow).where(EpisodeRow.patient_id == patient_id))
    user_id = patient.user_id
    tx.delete(patient)
    tx.flush()
    if user_id is not None:
        tx.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id))
        tx.execute(delete(UserRow).where(UserRow.id == user_id))
    files = _remove_uploads(settings, patient_id)
    record_access(
        tx,
        actor.user_id,
        actor.role.value,
        "patient.erased",
        "patient",
        str(patient_id),
        patient_id,
    )
    return Erased(patient_id, rows + 1, files)


def _remove_uploads(settings: Settings, patient_id: int) -> int:
    folder = upload_folder(settings, patient_id)
    if not folder.is_dir():
        return 0
    count = sum(1 for p in folder.rglob("*") if p.is_file())
    shutil.rmtree(folder)
    return count


def purge_raw_videos(tx: Session, settings: Settings, now: datetime) -> int:
    """Delete raw and annotated videos of finished analyses older than the retention period;
    the metrics and plots stay. Returns how many files were deleted (0 when not configured)."""
    days = settings.raw_video_retention_days
    if days is None:
        return 0
    cutoff = now - timedelta(days=days)
    jobs = tx.scalars(
        select(JobRow).where(
            JobRow.kind == _VIDEO_JOB,
            JobRow.status.in_(("done", "failed")),
            JobRow.created_at < cutoff,
        )
    )
    deleted = 0
    for job in jobs:
        deleted += _purge_job(tx, settings, job)
    return deleted


def _purge_job(tx: Session, settings: Settings, job: JobRow) -> int:
    params = VideoJobParams.from_json(job.params)
    if params.raw_video_deleted or not params.upload:
        return 0
    upload = (settings.data_dir / params.upload).resolve()
    root = (settings.data_dir / "uploads").resolve()
    if not upload.is_relative_to(root):
        return 0
    deleted = 0
    for name in _VIDEO_FILES:
        target = upload.parent / name
        if target.is_file():
            target.unlink()
            deleted += 1
    job.params = params.replaced(raw_video_deleted=True).to_json()
    record_access(tx, None, "system", "video.purge", "job", str(job.id), job.patient_id)
    return deleted
