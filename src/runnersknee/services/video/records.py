"""Video analyses of a patient: store an upload, queue the analysis job, show the result and
accept chosen metrics into a new assessment version.

The request only stores the file (key ``uploads/<patient>/<random>/upload`` in the configured
:mod:`~runnersknee.services.platform.storage`, at most ``Settings.max_upload_bytes``) and queues a
job; the job sniffs the content (OpenCV probe for videos, the keypoint reader for keypoint
files) and runs :func:`analyze_video`.
The stored file name is never taken from the client; the client's name is kept for display.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment, apply_video_metrics
from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound
from runnersknee.config import Settings
from runnersknee.gait.handoff import assessment_fields_for_side
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care import records
from runnersknee.services.care.case_io import validate_as
from runnersknee.services.jobs import records as jobs
from runnersknee.services.platform.audit import record_access
from runnersknee.services.platform.extras import require_video
from runnersknee.services.platform.storage import storage_for
from runnersknee.store.mapping import to_json
from runnersknee.store.tables import JobRow, utcnow

__all__ = [
    "FILES",
    "SIDES",
    "SOURCES",
    "TASKS",
    "VIDEO_JOB",
    "VIEWS",
    "AcceptResult",
    "MetricRow",
    "VideoRequest",
    "VideoResult",
    "accept_metrics",
    "authorize_upload",
    "band_text",
    "captions_vtt",
    "discard_upload",
    "output_file",
    "result_view",
    "run_video_job",
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
#: Tasks whose metrics have no assessment field: the assessment records running, not walking.
_NOT_ACCEPTABLE = ("walk",)
SIDES = ("left", "right")
#: What was uploaded: a phone video, or a keypoint CSV/JSON file from a pose tool.
SOURCES = ("video", "keypoints")
#: Output files a result page may serve: URL name → (key in the result, content type).
FILES = {
    "annotated.mp4": ("annotated_mp4", "video/mp4"),
    "angles.svg": ("plot_svg", "image/svg+xml"),
    "angles.png": ("plot_png", "image/png"),
}
_CHUNK = 1024 * 1024
_FPPA_FIELD = {"squat": "fppa_sls_deg", "step-down": "fppa_step_down_deg"}
#: Whole-body assessment fields (one value, not per side).
_WHOLE_BODY = ("cadence_spm", "trunk_lean_deg")
#: Assessment field → what the clinician reads next to the checkbox.
_TARGETS = {
    "cadence_spm": "Running: cadence",
    "trunk_lean_deg": "Running: trunk lean",
    "pelvic_drop_deg": "pelvic drop (stance)",
    "fppa_deg": "running FPPA",
    "fppa_sls_deg": "single-leg squat FPPA",
    "fppa_step_down_deg": "step-down FPPA",
}


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


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One line of the metrics table (a pooled value or one side)."""

    name: str
    description: str
    side: str | None
    value: float | None
    label: str | None
    unit: str
    sd: float | None  #: robust spread (1.4826 x MAD) of the kept steps
    n: int
    band: str
    confidence: float | None
    confidence_detail: str
    withheld_reason: str | None
    accept_key: str | None
    target: str | None
    n_rejected: int = 0


@dataclass(frozen=True, slots=True)
class VideoResult:
    """A finished (or failed) analysis as the result page and the API show it."""

    job: jobs.JobView
    status: str
    reasons: tuple[str, ...]
    rows: tuple[MetricRow, ...]
    files: tuple[str, ...]
    acceptable: dict[str, float]
    document: dict[str, Any]
    accepted: tuple[dict[str, Any], ...]


@dataclass(frozen=True, slots=True)
class AcceptResult:
    """What went into the new assessment version."""

    accepted: dict[str, float]
    assessment: dict[str, Any]


def _inside(settings: Settings, relative: str) -> Path:
    return storage_for(settings).local_path(relative)


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
    params = {
        "view": request.view,
        "task": request.task,
        "side": request.side,
        "source": request.source,
        "upload": upload,
        "original_name": _display_name(original_name),
        "origin": origin,
    }
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


# --- the job ---------------------------------------------------------------------------------

#: Stage → (start, share) of the overall progress fraction.
_STAGES = {"pose": (0.05, 0.7), "render": (0.75, 0.2)}


def _progress(context: jobs.JobContext) -> Any:
    done: dict[str, int] = {}

    def report(stage: str, n: int, total: int) -> None:
        done[stage] = done.get(stage, 0) + n if n else 0
        start, share = _STAGES.get(stage, (0.0, 0.0))
        fraction = start + share * min(1.0, done[stage] / total) if total else start
        label = {"pose": "finding the body", "render": "drawing the annotated video"}
        context.report(f"{label.get(stage, stage)} ({done[stage]}/{total} frames)", fraction)

    return report


def _keypoint_copy(path: Path) -> Path:
    """The keypoint reader needs a .csv/.json name: chosen from the content, not the client."""
    with path.open("rb") as fh:
        head = fh.read(64).lstrip()
    target = path.with_name("keypoints.json" if head[:1] in (b"{", b"[") else "keypoints.csv")
    shutil.copyfile(path, target)
    return target


def run_video_job(context: jobs.JobContext) -> dict[str, Any]:
    """The job handler: analyse the stored upload and return the result document."""
    params = context.params
    require_video(str(params.get("source") or "video"))
    from runnersknee.services.video.analysis import analyze_keypoint_file, analyze_video

    path = _inside(context.settings, str(params["upload"]))
    name = str(params.get("original_name") or "upload")
    out = path.parent / "analysis"
    context.report("checking the file", 0.02)
    try:
        if params.get("source") == "keypoints":
            analysis = analyze_keypoint_file(
                _keypoint_copy(path),
                view=params["view"],
                task=params["task"],
                out_dir=out,
                gait=context.content.gait,
            )
        else:
            analysis = analyze_video(
                path,
                view=params["view"],
                task=params["task"],
                settings=context.settings,
                out_dir=out,
                progress=_progress(context),
                gait=context.content.gait,
            )
    except InvalidInput as error:
        message = error.message.replace(str(path), name)
        for stored in (path.name, "keypoints.csv", "keypoints.json"):
            message = message.replace(f"{stored}:", f"{name}:").replace(f"{stored} ", f"{name} ")
        raise InvalidInput(message, field=error.field or "video") from None
    document = analysis.document
    video = document.get("provenance", {}).get("video")
    if isinstance(video, dict):
        video["file"] = name
    sides = {side: assessment_fields_for_side(analysis.result, side) for side in SIDES}
    files = dict(document.get("outputs", {}))
    return {"document": document, "side_fields": sides, "files": files, "accepted": []}


# --- the result ------------------------------------------------------------------------------


def _unit(unit: str) -> str:
    return "°" if unit == "deg" else f" {unit}"


def band_text(error: Mapping[str, Any] | None) -> str:
    """The measurement-error band in words, e.g. ``± 2.7–3° SEM; a change < 8.9° is within
    measurement error (SDD)``; empty when no band is published."""
    if not error:
        return ""
    unit = _unit(str(error.get("unit", "")))
    parts = []
    for band in error.get("bands", []):
        low, high = float(band["low"]), float(band["high"])
        span = f"{low:g}{unit}" if low == high else f"{low:g}–{high:g}{unit}"
        kind = band.get("kind")
        if kind == "sem":
            text = f"± {span} SEM"
        elif kind == "sdd":
            text = f"a change < {high:g}{unit} is within measurement error (SDD {span})"
        else:
            text = f"method error {span}"
        if not band.get("verified", False):
            text += " (unverified, indicative)"
        cites = ", ".join(band.get("citations", []))
        parts.append(f"{text} [{cites}]" if cites else text)
    return "; ".join(parts)


def _accept_key(metric: str, side: str | None, task: str) -> tuple[str | None, str | None]:
    """(form key, assessment field) a table row can be accepted as, or (None, None)."""
    if side is None:
        return (metric, metric) if metric in _WHOLE_BODY else (None, None)
    field = {"pelvic_drop_deg": "pelvic_drop_deg", "fppa_stance_deg": "fppa_deg"}.get(metric)
    if metric == "fppa_deg":
        field = _FPPA_FIELD.get(task)
    return (None, None) if field is None else (f"{side}.{field}", field)


def _acceptable(job: jobs.JobView) -> dict[str, float]:
    """Form key → value of every metric that may go into the assessment."""
    result = job.result or {}
    if job.params.get("task") in _NOT_ACCEPTABLE:
        return {}
    sides: dict[str, dict[str, float]] = result.get("side_fields") or {}
    allowed = [job.params.get("side")] if job.params.get("side") else list(SIDES)
    out: dict[str, float] = {}
    for side in allowed:
        for field, value in (sides.get(str(side)) or {}).items():
            if field in _WHOLE_BODY:
                out[field] = float(value)
            elif field in _TARGETS:
                out[f"{side}.{field}"] = float(value)
    return out


def _row(  # noqa: PLR0917 - one table row from its parts
    name: str,
    meta: Mapping[str, Any],
    part: Mapping[str, Any],
    side: str | None,
    task: str,
    acceptable: Mapping[str, float],
) -> MetricRow:
    key, field = _accept_key(name, side, task)
    confidence = part.get("confidence") or {}
    detail = (
        f"visibility {confidence.get('visibility')}, n {confidence.get('n')}"
        f"/{confidence.get('min_n')}, agreement {confidence.get('agreement')}, "
        f"person size {confidence.get('person_size')}, "
        f"view {'ok' if confidence.get('view_ok') else 'not ok'}"
    )
    target = None
    if key in acceptable and field is not None:
        where = "" if side is None else f"{side.capitalize()}: "
        target = where + _TARGETS[field]
    return MetricRow(
        name=name,
        description=str(meta.get("description") or name),
        side=side,
        value=part.get("value"),
        label=part.get("label"),
        unit=str(meta.get("unit") or ""),
        sd=part.get("spread", part.get("sd")),
        n=int(part.get("n") or 0),
        n_rejected=int(part.get("n_rejected") or 0),
        band=band_text(meta.get("error")),
        confidence=confidence.get("score"),
        confidence_detail=detail,
        withheld_reason=part.get("withheld_reason"),
        accept_key=key if key in acceptable else None,
        target=target,
    )


def result_view(tx: Session, actor: Actor, patient_id: int, job_id: int) -> VideoResult:
    """The job and, once done, its metrics table, output files and acceptable metrics."""
    job = video_job(tx, actor, patient_id, job_id)
    result = job.result or {}
    document: dict[str, Any] = result.get("document") or {}
    acceptable = _acceptable(job) if job.status == "done" else {}
    rows: list[MetricRow] = []
    task = str(job.params.get("task"))
    for name, meta in (document.get("metrics") or {}).items():
        rows.append(_row(name, meta, meta, None, task, acceptable))
        for side in SIDES:
            part = meta.get(side)
            if isinstance(part, dict):
                rows.append(_row(name, meta, part, side, task, acceptable))
    files = tuple(url for url, (key, _) in FILES.items() if key in (result.get("files") or {}))
    return VideoResult(
        job=job,
        status=str(document.get("status") or job.status),
        reasons=tuple(document.get("reasons") or ()),
        rows=tuple(rows),
        files=files,
        acceptable=acceptable,
        document=document,
        accepted=tuple(result.get("accepted") or ()),
    )


def output_file(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, settings: Settings, patient_id: int, job_id: int, name: str
) -> tuple[Path, str]:
    """(path, content type) of one output file of a finished analysis."""
    job = video_job(tx, actor, patient_id, job_id)
    if name not in FILES:
        raise NotFound(f"no output file {name!r}", field="name", allowed=sorted(FILES), got=name)
    key, content_type = FILES[name]
    stored = ((job.result or {}).get("files") or {}).get(key)
    if job.status != "done" or not stored:
        raise NotFound(f"this analysis has no {name}", field="name", got=name)
    folder = _inside(settings, str(job.params["upload"])).parent / "analysis"
    path = (folder / str(stored)).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        raise NotFound(f"the file {name} is no longer stored", field="name", got=name)
    return path, content_type


def accept_metrics(
    tx: Session, actor: Actor, patient_id: int, job_id: int, keys: Iterable[str]
) -> AcceptResult:
    """Copy the chosen metrics into a NEW assessment version (audited as ``video.accept``)."""
    job = video_job(tx, actor, patient_id, job_id, action="assessment.write")
    if job.status != "done":
        raise Conflict(
            "the analysis has not finished" if not job.finished else "the analysis failed",
            field="job",
            status=job.status,
        )
    available = _acceptable(job)
    chosen = sorted(set(keys))
    if not chosen:
        raise InvalidInput(
            "choose at least one metric to accept", field="metrics", allowed=sorted(available)
        )
    unknown = [k for k in chosen if k not in available]
    if unknown:
        raise InvalidInput(
            f"{unknown[0]} cannot be accepted from this analysis",
            field="metrics",
            allowed=sorted(available),
            got=unknown[0],
        )
    current = records.latest_assessment(tx, actor, patient_id)
    assessment = validate_as(Assessment, current) if current else Assessment()
    whole = {k: available[k] for k in chosen if "." not in k}
    assessment = apply_video_metrics(assessment, whole, "left") if whole else assessment
    for side in SIDES:
        sided = {k.split(".", 1)[1]: available[k] for k in chosen if k.startswith(f"{side}.")}
        if sided:
            assessment = apply_video_metrics(assessment, sided, side)
    stored = records.save_assessment(tx, actor, patient_id, to_json(assessment))
    accepted = {k: available[k] for k in chosen}
    record_access(
        tx, actor.user_id, actor.role.value, "video.accept", "job", str(job_id), patient_id
    )
    row = tx.get(JobRow, job_id)
    if row is not None and row.result is not None:
        entry = {
            "at": utcnow().isoformat(timespec="seconds"),
            "by": actor.user_id,
            "fields": accepted,
        }
        row.result = {**row.result, "accepted": [*row.result.get("accepted", []), entry]}
    return AcceptResult(accepted=accepted, assessment=stored)


def _stamp(seconds: float) -> str:
    ms = max(0, round(float(seconds) * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def captions_vtt(document: Mapping[str, Any]) -> str:
    """WebVTT captions of the (silent) annotated video: what is drawn, then each detected
    stance phase or repetition as a cue, so the events are readable without seeing them."""
    duration = float(document.get("duration_s") or 0.0) or 1.0
    cues = [
        (
            0.0,
            duration,
            "Annotated video without sound: detected body landmarks and joint angles.",
        )
    ]
    rejected = {
        round(float(step["ic_s"]), 3): str(step.get("reason"))
        for step in (document.get("steps") or {}).get("detail") or []
        if not step.get("kept")
    }
    for event in document.get("events") or []:
        side = str(event.get("side") or "").capitalize()
        if event.get("kind") == "stance" and event.get("ic_s") is not None:
            end = event.get("to_s") or event["ic_s"] + 0.2
            why = rejected.get(round(float(event["ic_s"]), 3))
            text = f"{side} foot on the ground (stance)"
            cues.append((event["ic_s"], end, text + (f" — step not used: {why}" if why else "")))
        elif event.get("kind") == "repetition" and event.get("start_s") is not None:
            end = event.get("end_s") or event["start_s"] + 1.0
            cues.append((event["start_s"], end, f"{side} leg repetition"))
    if len(cues) == 1:
        cues.append((0.0, duration, "No steps or repetitions were detected."))
    lines = ["WEBVTT", ""]
    for start, end, text in cues:
        lines += [f"{_stamp(start)} --> {_stamp(max(end, start + 0.1))}", text, ""]
    return "\n".join(lines)
