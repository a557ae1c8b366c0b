"""A video to analyse: how it was filmed, storing the upload and queueing its analysis job,
and the patient's analysis jobs.

The request only stores the file (key ``uploads/<patient>/<random>/upload`` in the configured
:mod:`~runnersknee.services.platform.storage`, at most ``Settings.max_upload_bytes``) and queues a
job (:mod:`~runnersknee.services.video.analysis_job` runs it). The stored file name is never
taken from the client; the client's name is kept for display.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.jobs import records as jobs
from runnersknee.services.platform.extras import require_video
from runnersknee.services.platform.storage import storage_for
from runnersknee.services.video.job_documents import VideoJobParams

__all__ = [
    "SIDES",
    "SOURCES",
    "TASKS",
    "VIDEO_JOB",
    "VIEWS",
    "VideoRequest",
    "authorize_upload",
    "discard_upload",
    "store_upload",
    "submit",
    "video_job",
    "video_jobs",
]

VIDEO_JOB = "video_analysis"
VIEWS = ("sagittal", "frontal")
#: The gait pipeline's tasks (``gait.pipeline.TASKS``, not imported here: it loads scipy).
TASKS = ("walk", "run", "squat", "step-down")
#: Tasks filmed with both legs in turn (no tested leg to choose).
_BOTH_LEGS = ("walk", "run")
SIDES = ("left", "right")
#: What was uploaded: a phone video, or a keypoint CSV/JSON file from a pose tool.
SOURCES = ("video", "keypoints")
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class VideoRequest:
    """How the clinician says the file was filmed."""

    view: str
    task: str
    side: str | None = None
    source: str = "video"

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise InvalidInput(
                "unknown file type", field="source", allowed=list(SOURCES), got=self.source
            )
        require_video(self.source)
        from runnersknee.gait.pipeline import check_view_and_task  # scipy: loaded on use

        check_view_and_task(self.view, self.task)
        if self.side is not None and self.side not in SIDES:
            raise InvalidInput("unknown side", field="side", allowed=list(SIDES), got=self.side)
        if self.task not in _BOTH_LEGS and self.side is None:
            raise InvalidInput(
                f"choose the tested leg for the {self.task}",
                field="side",
                allowed=list(SIDES),
                got=None,
            )


def _display_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in base if ch.isprintable())[:120]
    return cleaned or "upload"


def authorize_upload(tx: Session, actor: Actor, patient_id: int) -> None:
    """Check (and audit) that ``actor`` may add a video to the patient's assessment."""
    authorize(tx, actor, "assessment.write", patient_id)


def store_upload(settings: Settings, patient_id: int, source: BinaryIO) -> str:
    """Copy an upload to a new folder ``uploads/<patient>/`` of the storage; refuse an empty
    file or one above ``Settings.max_upload_bytes``. Returns the file's storage key."""
    store = storage_for(settings)
    _, folder = store.new_folder("uploads", str(patient_id))
    target = folder / "upload"
    limit = settings.max_upload_bytes
    size = 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                break
            out.write(chunk)
    if size == 0 or size > limit:
        shutil.rmtree(folder, ignore_errors=True)
        if size == 0:
            raise InvalidInput("the uploaded file is empty", field="video", got=0)
        raise InvalidInput(
            f"the file is larger than the upload limit of {limit / 1e6:g} MB; "
            "film a shorter clip (10-20 s is enough)",
            field="video",
            allowed=f"at most {limit} bytes",
        )
    return store.key_of(target)


def discard_upload(settings: Settings, relative: str) -> None:
    """Delete a stored upload whose job was refused (its folder, with the file)."""
    store = storage_for(settings)
    path = store.local_path(relative)
    if path.parent.parent.parent == store.local_path("uploads"):
        shutil.rmtree(path.parent, ignore_errors=True)


def submit(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    request: VideoRequest,
    upload: str,
    original_name: str | None,
    *,
    action: str = "assessment.write",
    origin: str = "clinic",
) -> jobs.JobView:
    """Queue the analysis of a stored upload, authorized as ``action`` (a clinician's
    assessment write; ``video.upload`` for a patient's own video, ``origin`` "patient")."""
    params = VideoJobParams.new(
        request.view, request.task, request.side, request.source, upload,
        _display_name(original_name), origin,
    )  # fmt: skip
    return jobs.enqueue(tx, actor, VIDEO_JOB, params, patient_id=patient_id, action=action)


def video_job(
    tx: Session, actor: Actor, patient_id: int, job_id: int, action: str = "video.read"
) -> jobs.JobView:
    """One video analysis job of the patient (authorized, audited). Its metrics are the
    clinician's (``video.read``); a patient reads what was shared
    (services/video/patient_videos.py)."""
    return jobs.job_for_patient(tx, actor, patient_id, job_id, VIDEO_JOB, action)


def video_jobs(tx: Session, actor: Actor, patient_id: int) -> list[jobs.JobView]:
    """The patient's video analyses, newest first (clinicians: ``video.read``)."""
    authorize(tx, actor, "video.read", patient_id)
    return jobs.list_jobs(tx, actor, patient_id, VIDEO_JOB)
