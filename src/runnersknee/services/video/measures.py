"""Gait metrics of a patient's finished video analyses as typed measures (FHIR export and the
progress report's before/after table). Withheld metrics (too little confidence) are left out.
Callers have authorized the read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.fhir.record import Measure
from runnersknee.services.video.job_documents import VideoJobParams, VideoJobResult
from runnersknee.store.tables import JobRow

__all__ = ["VideoAnalysis", "video_analyses"]

_VIDEO_JOB = "video_analysis"


@dataclass(frozen=True, slots=True)
class VideoAnalysis:
    """One finished analysis: its task, view and the reported metrics."""

    job_id: int
    task: str
    view: str
    measures: tuple[Measure, ...]


def _value(node: Any) -> float | None:
    if not isinstance(node, Mapping):
        return None
    value = node.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _measures(job: JobRow, document: Mapping[str, Any]) -> tuple[Measure, ...]:
    task, view = str(job.params.get("task", "")), str(job.params.get("view", ""))
    day = job.created_at.date()
    found: list[Measure] = []
    for name, metric in (document.get("metrics") or {}).items():
        if not isinstance(metric, Mapping):
            continue
        unit = str(metric.get("unit") or "")
        field = f"video.{task}.{view}.{name}"
        overall = _value(metric)
        if overall is not None:
            found.append(Measure(field, None, overall, unit, day))
        for side in ("left", "right"):
            value = _value(metric.get(side))
            if value is not None:
                found.append(Measure(f"{side}.{field}", side, value, unit, day))
    return tuple(found)


def video_analyses(tx: Session, patient_id: int) -> list[VideoAnalysis]:
    """The patient's finished analyses with at least one reported metric, oldest first."""
    jobs = tx.scalars(
        select(JobRow)
        .where(JobRow.patient_id == patient_id, JobRow.kind == _VIDEO_JOB, JobRow.status == "done")
        .order_by(JobRow.id)
    )
    found = []
    for job in jobs:
        document = VideoJobResult.from_json(job.result).document
        measures = _measures(job, document)
        if measures:
            params = VideoJobParams.from_json(job.params)
            task, view = params.task or "", params.view or ""
            found.append(VideoAnalysis(job.id, task, view, measures))
    return found
