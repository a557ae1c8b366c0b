"""A finished video analysis for the clinician: its metrics table with error bands, its
output files, and accepting chosen metrics into a new assessment version."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment, apply_video_metrics
from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound
from runnersknee.config import Settings
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import records
from runnersknee.services.care.case_io import validate_as
from runnersknee.services.jobs import records as jobs
from runnersknee.services.jobs.documents import json_object
from runnersknee.services.platform.audit import record_access
from runnersknee.services.platform.storage import storage_for
from runnersknee.services.video.job_documents import VideoJobParams, VideoJobResult
from runnersknee.services.video.uploads import SIDES, video_job
from runnersknee.store.mapping import JSONObject, to_json
from runnersknee.store.tables import JobRow, utcnow

__all__ = [
    "FILES",
    "AcceptResult",
    "MetricRow",
    "VideoResult",
    "accept_metrics",
    "band_text",
    "output_file",
    "result_view",
]

#: Tasks whose metrics have no assessment field: the assessment records running, not walking.
_NOT_ACCEPTABLE = ("walk",)
#: Output files a result page may serve: URL name → (key in the result, content type).
FILES = {
    "annotated.mp4": ("annotated_mp4", "video/mp4"),
    "angles.svg": ("plot_svg", "image/svg+xml"),
    "angles.png": ("plot_png", "image/png"),
}
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
    document: JSONObject
    accepted: tuple[JSONObject, ...]


@dataclass(frozen=True, slots=True)
class AcceptResult:
    """What went into the new assessment version."""

    accepted: dict[str, float]
    assessment: JSONObject


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
    params = VideoJobParams.from_json(job.params)
    if params.task in _NOT_ACCEPTABLE:
        return {}
    sides = VideoJobResult.from_json(job.result).side_fields
    allowed = [params.side] if params.side else list(SIDES)
    out: dict[str, float] = {}
    for side in allowed:
        for field, value in json_object(sides.get(side)).items():
            if not isinstance(value, int | float):
                continue
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
    result = VideoJobResult.from_json(job.result)
    document = result.document
    acceptable = _acceptable(job) if job.status == "done" else {}
    rows: list[MetricRow] = []
    task = str(VideoJobParams.from_json(job.params).task)
    for name, found in json_object(document.get("metrics")).items():
        meta = json_object(found)
        rows.append(_row(name, meta, meta, None, task, acceptable))
        for side in SIDES:
            part = meta.get(side)
            if isinstance(part, dict):
                rows.append(_row(name, meta, part, side, task, acceptable))
    reasons = document.get("reasons")
    return VideoResult(
        job=job,
        status=str(document.get("status") or job.status),
        reasons=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
        rows=tuple(rows),
        files=tuple(url for url, (key, _) in FILES.items() if key in result.files),
        acceptable=acceptable,
        document=document,
        accepted=tuple(result.accepted),
    )


def output_file(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, settings: Settings, patient_id: int, job_id: int, name: str
) -> tuple[Path, str]:
    """(path, content type) of one output file of a finished analysis."""
    job = video_job(tx, actor, patient_id, job_id)
    if name not in FILES:
        raise NotFound(f"no output file {name!r}", field="name", allowed=sorted(FILES), got=name)
    key, content_type = FILES[name]
    stored = VideoJobResult.from_json(job.result).files.get(key)
    if job.status != "done" or not stored:
        raise NotFound(f"this analysis has no {name}", field="name", got=name)
    upload = str(VideoJobParams.from_json(job.params).upload)
    folder = storage_for(settings).local_path(upload).parent / "analysis"
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
        entry: JSONObject = {
            "at": utcnow().isoformat(timespec="seconds"),
            "by": actor.user_id,
            "fields": dict(accepted),
        }
        row.result = VideoJobResult.from_json(row.result).with_accepted(entry).to_json()
    return AcceptResult(accepted=accepted, assessment=stored)
