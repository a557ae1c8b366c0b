"""JSON API /api/v1 (video): upload a video for analysis (202 + job), follow the job, read
the result, accept metrics into the assessment, fetch output files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from runnersknee.clinical.errors import NotFound
from runnersknee.services.care.case_io import invalid_input_from
from runnersknee.services.jobs import records as jobs
from runnersknee.services.video import results as video_results
from runnersknee.services.video import uploads as video_uploads
from runnersknee.web.api.errors import ERROR_RESPONSES
from runnersknee.web.api.models import (
    AcceptedOut,
    JobOut,
    JobsOut,
    VideoResultOut,
    file_responses,
    out,
)
from runnersknee.web.api.patients import JSON
from runnersknee.web.auth import CurrentActor
from runnersknee.web.common import database, settings
from runnersknee.web.presenters.job_json import job_json, job_links
from runnersknee.web.uploads import (
    job_number,
    notify_worker,
    serve_output,
    size_guard,
    stored_upload,
    video_request,
)

__all__ = ["AcceptIn", "router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["video", "view", "task"],
                    "properties": {
                        "video": {"type": "string", "format": "binary"},
                        "view": {"type": "string", "enum": list(video_uploads.VIEWS)},
                        "task": {"type": "string", "enum": list(video_uploads.TASKS)},
                        "side": {"type": "string", "enum": list(video_uploads.SIDES)},
                        "source": {
                            "type": "string",
                            "enum": list(video_uploads.SOURCES),
                            "default": "video",
                        },
                    },
                }
            }
        },
    }
}


class AcceptIn(BaseModel):
    """Form keys of the metrics to copy (``cadence_spm``, ``left.fppa_sls_deg``, ...; the
    result lists them under ``acceptable``)."""

    model_config = ConfigDict(extra="forbid")
    metrics: list[str] = Field(max_length=20)


@router.post(
    "/patients/{patient_id}/videos",
    tags=["video"],
    status_code=202,
    responses={202: {"model": JobOut, "description": "The job; poll ``links.job``."}},
    openapi_extra=_UPLOAD_DOC,
)
async def post_video(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Upload a video (multipart: video, view, task, side, source); the analysis runs as a
    background job. Returns 202 with the job; poll ``links.job``."""
    db = database(request)

    def check() -> None:
        with db.transaction() as tx:
            video_uploads.authorize_upload(tx, actor, patient_id)

    await run_in_threadpool(check)
    size_guard(request)
    form = await request.form()

    def save() -> jobs.JobView:
        options = video_request(form)
        stored = stored_upload(request, patient_id, form)
        upload = form.get("video")
        name = getattr(upload, "filename", None)
        try:
            with db.transaction() as tx:
                return video_uploads.submit(tx, actor, patient_id, options, stored, name)
        except BaseException:
            video_uploads.discard_upload(settings(request), stored)
            raise

    try:
        job = await run_in_threadpool(save)
    finally:
        await form.close()
    notify_worker(request)
    body = job_json(job, actor)
    return JSONResponse(body, status_code=202, headers={"Location": job_links(job)["job"]})


@router.get("/patients/{patient_id}/videos", tags=["video"], **out(JobsOut))
def get_videos(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """The patient's video analyses, newest first."""
    with database(request).transaction() as tx:
        items = video_uploads.video_jobs(tx, actor, patient_id)
    return {"data": [job_json(j, actor) for j in items], "count": len(items)}


@router.get("/jobs/{job_id}", tags=["video"], **out(JobOut))
def get_job(request: Request, actor: CurrentActor, job_id: str) -> JSON:
    """A background job's status and progress (0-1): a video analysis, or a run upload whose
    ``result`` lists the imported runs and the skipped files with plain reasons."""
    number = job_number(job_id)
    if number < 0:
        raise NotFound(f"job {job_id} does not exist", job_id=job_id)
    with database(request).transaction() as tx:
        job = jobs.get_job(tx, actor, number)
    return job_json(job, actor)


@router.post("/jobs/{job_id}/cancel", tags=["video"], **out(JobOut))
def cancel_job(request: Request, actor: CurrentActor, job_id: str) -> JSON:
    """Cancel a queued or running job (a running one stops at its next progress report);
    a finished job is returned unchanged. Authorized and audited as an assessment write."""
    number = job_number(job_id)
    if number < 0:
        raise NotFound(f"job {job_id} does not exist", job_id=job_id)
    with database(request).transaction() as tx:
        job = jobs.cancel_job(tx, actor, number)
    return job_json(job, actor)


@router.get("/patients/{patient_id}/videos/{job_id}/result", tags=["video"], **out(VideoResultOut))
def get_result(request: Request, actor: CurrentActor, patient_id: int, job_id: str) -> JSON:
    """The result document (docs/video.md), the acceptable metrics and past acceptances.

    ``result`` is null until the job is done; a failed job carries ``job.error``."""
    with database(request).transaction() as tx:
        view = video_results.result_view(tx, actor, patient_id, job_number(job_id))
    done = view.job.status == "done"
    base = f"/api/v1/patients/{patient_id}/videos/{view.job.id}/files"
    return {
        "job": job_json(view.job, actor),
        "status": view.status,
        "reasons": list(view.reasons),
        "result": view.document if done else None,
        "acceptable": view.acceptable,
        "accepted": list(view.accepted),
        "files": {name: f"{base}/{name}" for name in view.files},
    }


@router.post("/patients/{patient_id}/videos/{job_id}/accept", tags=["video"], **out(AcceptedOut))
def accept(
    request: Request,
    actor: CurrentActor,
    patient_id: int,
    job_id: str,
    body: dict[str, Any] | None = None,
) -> JSON:
    """Copy chosen metrics into a new assessment version (audited as ``video.accept``)."""
    number = job_number(job_id)
    with database(request).transaction() as tx:
        video_uploads.video_job(tx, actor, patient_id, number, action="assessment.write")
        try:
            chosen = AcceptIn.model_validate(body if body is not None else {})
        except ValidationError as error:
            raise invalid_input_from(error) from None
        done = video_results.accept_metrics(tx, actor, patient_id, number, chosen.metrics)
    return {"accepted": done.accepted, "assessment": done.assessment}


@router.get(
    "/patients/{patient_id}/videos/{job_id}/files/{name}",
    tags=["video"],
    response_class=Response,
    responses=file_responses("video/mp4", "image/svg+xml", "image/png"),
)
def get_file(
    request: Request, actor: CurrentActor, patient_id: int, job_id: str, name: str
) -> Response:
    """An output file: ``annotated.mp4`` (HTTP Range), ``annotated.vtt``, ``angles.svg``,
    ``angles.png``."""
    return serve_output(request, actor, patient_id, job_id, name)
