"""Videos a patient films on the phone for the clinician, and what the clinician shares back.

A patient chooses a task the safety gate allows (no video at all while a red flag or a
referral blocks the plan; running only when runs are allowed), films it following the
filming guide and uploads it. The upload is stored and analysed exactly like a clinician's
(:mod:`~runnersknee.services.video.uploads`: one job kind, one handler); the clinician gets a
``video_review`` alert, reads the analysis and decides what the patient sees: a plain note
(``share``). Until then the patient sees "waiting for review"; a patient never reads the
analysis itself (its metrics are ``video.read``: clinicians only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound, Refused
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.alerts import raise_alert
from runnersknee.services.care.safety_gate import Gate, gate_for
from runnersknee.services.jobs import records as jobs
from runnersknee.services.video import uploads as video_uploads
from runnersknee.services.video.job_documents import VideoJobParams, VideoJobResult
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import AlertRow, JobRow, utcnow

__all__ = [
    "ALERT_KIND",
    "NOTE_MAX",
    "PATIENT_TASKS",
    "Checked",
    "Offer",
    "PatientTask",
    "PatientVideo",
    "Shared",
    "check_request",
    "offer",
    "own_video",
    "own_videos",
    "share",
    "shared_of",
    "submit",
    "task_named",
    "title_of",
]

ALERT_KIND = "video_review"
#: The longest note a clinician can share (characters).
NOTE_MAX = 1000
#: Said once for every task (the filming guide's "every video" part, in short).
_EVERY = (
    "Keep the phone still: use a stand or lean it against something solid.",
    "Film in good light, in shorts, so your hips, knees and feet can be seen.",
    "10 to 20 seconds is enough.",
)


@dataclass(frozen=True, slots=True)
class PatientTask:
    """Something a patient can film: the pipeline's view and task, and how to film it."""

    code: str
    view: str
    task: str
    title: str
    hint: str
    steps: tuple[str, ...]
    needs_side: bool = False
    running: bool = False


PATIENT_TASKS = (
    PatientTask(
        "run-side", "sagittal", "run", "Running, filmed from the side",
        "On a treadmill or outdoors, running past the phone.",
        ("Run on a treadmill, or along a straight path past the phone.",
         "Put the phone side-on, 3 to 4 metres away at hip height, so all of you is in the "
         "picture.",
         "Warm up first, then film at least 10 steady strides at your usual easy pace."),
        running=True,
    ),
    PatientTask(
        "run-behind", "frontal", "run", "Running, filmed from behind",
        "On a treadmill, with the phone behind you.",
        ("A treadmill is best.",
         "Put the phone directly behind you, 2 to 3 metres away at hip height.",
         "Keep both feet and your hips in the picture the whole time."),
        running=True,
    ),
    PatientTask(
        "walk", "sagittal", "walk", "Walking, filmed from the side",
        "Walking at your usual pace past the phone.",
        ("Walk along a straight path past the phone at your usual pace.",
         "Put the phone side-on, 3 to 4 metres away at hip height, so all of you is in the "
         "picture."),
    ),
    PatientTask(
        "squat", "frontal", "squat", "Single-leg squat",
        "Standing on one leg and bending the knee, filmed from the front.",
        ("Put the phone directly in front of you, 2 to 3 metres away, between knee and hip "
         "height.",
         "Hands on your waist. Stand on the leg you are filming and slowly bend that knee as "
         "far as is comfortable (up to about 60 degrees), then straighten it.",
         "Do it at least 3 times (5 is better). Film each leg in its own video."),
        needs_side=True,
    ),
    PatientTask(
        "step-down", "frontal", "step-down", "Step-down from a step",
        "Standing on a step and lowering the other heel to the floor, filmed from the front.",
        ("Put the phone directly in front of you, 2 to 3 metres away, between knee and hip "
         "height.",
         "Stand on a step about 20 cm high on the leg you are filming, hands on your waist. "
         "Slowly lower the other heel until it touches the floor, then straighten up.",
         "Do it at least 3 times (5 is better). Film each leg in its own video."),
        needs_side=True,
    ),
)  # fmt: skip
_BY_CODE = {t.code: t for t in PATIENT_TASKS}


def task_named(code: str) -> PatientTask:
    """The task with ``code``; a clear error for anything else."""
    found = _BY_CODE.get(code)
    if found is None:
        raise InvalidInput(
            "choose what you will film", field="task", allowed=list(_BY_CODE), got=code[:40]
        )
    return found


def title_of(view: str, task: str) -> str:
    """The plain title of a pipeline view and task (a clinician's upload shared too)."""
    found = next((t for t in PATIENT_TASKS if (t.view, t.task) == (view, task)), None)
    return found.title if found is not None else "Movement video"


@dataclass(frozen=True, slots=True)
class Offer:
    """What the patient may film today, and why not when it is less than everything."""

    tasks: tuple[PatientTask, ...]
    #: Why nothing may be filmed (the gate's words), else empty.
    blocked: str
    #: Why running is not offered (the gate's words), else empty.
    no_running: str
    every: tuple[str, ...] = _EVERY


def _offer(gate: Gate) -> Offer:
    allowance = gate.allowance
    if not allowance.video_self_tests:
        return Offer((), gate.patient_message, "")
    if allowance.runs:
        return Offer(PATIENT_TASKS, "", "")
    tasks = tuple(t for t in PATIENT_TASKS if not t.running)
    return Offer(tasks, "", gate.run_patient_message)


def offer(tx: Session, actor: Actor, patient_id: int, content: ClinicalContent) -> Offer:
    """The tasks the safety gate lets the patient film today."""
    authorize(tx, actor, "patient.read", patient_id)
    return _offer(gate_for(tx, patient_id, content))


@dataclass(frozen=True, slots=True)
class Checked:
    """A patient's upload request that passed the checks (nothing stored yet)."""

    task: PatientTask
    request: video_uploads.VideoRequest


def check_request(  # noqa: PLR0917 - use case: tx, actor, record, fields, content
    tx: Session, actor: Actor, patient_id: int, code: str, side: str, content: ClinicalContent
) -> Checked:
    """Authorize the upload (``video.upload``: the patient's own record) and check the task
    against the safety gate and the leg; raises before anything is stored."""
    authorize(tx, actor, "video.upload", patient_id)
    task = task_named(code)
    found = _offer(gate_for(tx, patient_id, content))
    if task not in found.tasks:
        message = found.blocked or found.no_running or "this video cannot be sent today"
        raise Refused(message, field="task", got=code)
    if task.needs_side and side not in video_uploads.SIDES:
        raise InvalidInput("choose the leg you are standing on", field="side")
    chosen = side if task.needs_side else None
    return Checked(task, video_uploads.VideoRequest(task.view, task.task, chosen, "video"))


def submit(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, patient_id: int, checked: Checked, stored: str, name: str | None
) -> jobs.JobView:
    """Queue the analysis of the stored upload (the clinician's job kind and handler) and
    tell the clinician there is a video to review."""
    job = video_uploads.submit(
        tx, actor, patient_id, checked.request, stored, name, action="video.upload",
        origin="patient",
    )  # fmt: skip
    leg = f", {checked.request.side} leg" if checked.request.side else ""
    message = f"New video from the patient to review: {checked.task.title}{leg}."
    raise_alert(tx, patient_id, ALERT_KIND, f"video:{job.id}", message)
    return job


@dataclass(frozen=True, slots=True)
class Shared:
    """What the clinician shared with the patient about one video."""

    note: str
    at: datetime


@dataclass(frozen=True, slots=True)
class PatientVideo:
    """One video as its patient sees it: what it shows and, once shared, the note."""

    job_id: int
    title: str
    side: str | None
    uploaded_at: datetime
    shared: Shared | None


def shared_of(job: jobs.JobView) -> Shared | None:
    """The clinician's shared review of a video job (None: not shared)."""
    found = VideoJobResult.from_json(job.result).shared
    if found is None:
        return None
    return Shared(str(found.get("note") or ""), datetime.fromisoformat(str(found["at"])))


def _patient_view(job: jobs.JobView) -> PatientVideo | None:
    shared = shared_of(job)
    params = VideoJobParams.from_json(job.params)
    if params.origin != "patient" and shared is None:
        return None  # a clinician's own analysis, not shared: not the patient's to see
    title = title_of(str(params.view), str(params.task))
    return PatientVideo(job.id, title, params.side, job.created_at, shared)


def own_videos(tx: Session, actor: Actor, patient_id: int) -> list[PatientVideo]:
    """The patient's own videos and the clinician's shared ones, newest first."""
    found = jobs.list_jobs(tx, actor, patient_id, video_uploads.VIDEO_JOB)
    return [v for j in found if (v := _patient_view(j)) is not None]


def own_video(tx: Session, actor: Actor, patient_id: int, job_id: int) -> PatientVideo:
    """One video of :func:`own_videos` (anything else is NotFound, like a missing one)."""
    job = jobs.job_for_patient(
        tx, actor, patient_id, job_id, video_uploads.VIDEO_JOB, "patient.read"
    )
    found = _patient_view(job)
    if found is None:
        raise NotFound(f"this patient has no video {job_id}", job_id=job_id)
    return found


def share(tx: Session, actor: Actor, patient_id: int, job_id: int, note: str) -> Shared:
    """Share a finished analysis with the patient as ``note`` (plain words; may be empty),
    replacing what was shared before, and mark its review alert handled."""
    job = video_uploads.video_job(tx, actor, patient_id, job_id, action="video.share")
    if not job.finished:
        raise Conflict("wait until the analysis has finished", field="job", status=job.status)
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise InvalidInput(
            f"the note is too long: at most {NOTE_MAX} characters", field="note", got=len(text)
        )
    now = utcnow()
    row = tx.get(JobRow, job_id)
    if row is None:  # pragma: no cover - read in this transaction just above
        raise NotFound(f"this patient has no video {job_id}", job_id=job_id)
    entry: JSONObject = {"note": text, "at": now.isoformat(timespec="seconds"), "by": actor.user_id}
    row.result = VideoJobResult.from_json(row.result).with_shared(entry).to_json()
    alerts = tx.scalars(
        select(AlertRow).where(
            AlertRow.patient_id == patient_id,
            AlertRow.key == f"video:{job_id}",
            AlertRow.resolved_at.is_(None),
        )
    )
    for alert in alerts:
        alert.resolved_at, alert.resolved_by = now, actor.user_id
        alert.resolved_note = "Shared with the patient."
    return Shared(text, now)
