"""A background job as the JSON API shows it (``GET /api/v1/jobs/{id}``, the 202 answers of the
video and run uploads): status, progress, links to follow it and, for a run upload, its result
in plain words."""

from __future__ import annotations

from typing import Any

from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care.patient_json import for_actor
from runnersknee.services.jobs import records as jobs
from runnersknee.services.running import run_import

__all__ = ["job_json", "job_links"]

JSON = dict[str, Any]
#: What a patient reads of a video analysis that failed (the detail is the clinician's).
PATIENT_VIDEO_ERROR = (
    "The video could not be analysed. Your physiotherapist can see why and will tell you "
    "what to do next."
)


def job_links(job: jobs.JobView) -> dict[str, str]:
    """Where to follow the job and read what it made."""
    links = {"job": f"/api/v1/jobs/{job.id}"}
    patient = f"/api/v1/patients/{job.patient_id}"
    if job.kind == run_import.RUN_IMPORT_JOB:
        links["runs"] = f"{patient}/runs"
        return links
    base = f"{patient}/videos/{job.id}"
    return {**links, "result": f"{base}/result", "accept": f"{base}/accept"}


def job_json(job: jobs.JobView, actor: Actor) -> JSON:
    """The job's JSON; a run upload also carries ``result`` (imported runs, skipped files with
    plain reasons) once finished, and its ``error`` in plain words."""
    body: JSON = {
        "id": job.id,
        "kind": job.kind,
        "patient_id": job.patient_id,
        "status": job.status,
        "progress": round(job.progress, 3),
        "stage": job.stage,
        "error": job.error,
        "params": {k: v for k, v in job.params.items() if k != "upload"},
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "links": job_links(job),
    }
    if job.kind == run_import.RUN_IMPORT_JOB:
        status = run_import.status_of(job)
        body["error"] = status.message
        body["result"] = for_actor(actor, status.to_json()) if status.finished else None
    elif actor.role is Role.PATIENT:
        # a patient's own video: no pipeline stage, technical error or clinician-only links
        body["error"] = PATIENT_VIDEO_ERROR if job.error else None
        body["stage"] = None
        body["params"] = {k: v for k, v in body["params"].items() if k in {"task", "side"}}
        body["links"] = {"job": body["links"]["job"]}
    return body
