"""JSON API /api/v1 (runs): upload watch files (a background import job), list runs with
spikes, the next run.

Errors have the one shape ``{"error": {"code", "message", ...}}``; writes need the
``X-CSRF-Token`` header. Authorization happens in the services (before any validation of
the body, so another patient's record answers 403 whatever is sent).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from runnersknee.content import load_citations
from runnersknee.services.care import safety_gate
from runnersknee.services.care.patient_json import for_actor
from runnersknee.services.running import pain_after_runs, run_records, run_uploads
from runnersknee.services.running import runs as runs_service
from runnersknee.web.api.errors import ERROR_RESPONSES
from runnersknee.web.api.models import JobOut, NextRunOut, RunPainOut, RunsOut, out
from runnersknee.web.auth import CurrentActor
from runnersknee.web.common import content, database, today
from runnersknee.web.presenters.job_json import job_json, job_links
from runnersknee.web.uploads import notify_worker, submit_upload

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["runs"])

JSON = dict[str, Any]


class RunPainIn(BaseModel):
    """Pain (NPRS 0-10) during and after today's run, and this morning after the last run."""

    model_config = ConfigDict(extra="forbid")
    during: int | None = Field(default=None, ge=0, le=10)
    after: int | None = Field(default=None, ge=0, le=10)
    next_morning: int | None = Field(default=None, ge=0, le=10)
    #: Usual morning knee pain before running again: the baseline next-morning pain is judged
    #: against (never assumed to be 0/10 when missing).
    morning_baseline: int | None = Field(default=None, ge=0, le=10)


def _citations(ids: Any) -> JSON:
    registry = load_citations()
    return {
        cid: {"reference": registry[cid].reference, "verified": registry[cid].verified}
        for cid in ids
        if cid in registry
    }


def _next(prescription: Any) -> JSON | None:
    """The prescription's JSON; ``None`` when the safety gate allows no run today."""
    if prescription is None:
        return None
    body: JSON = runs_service.prescription_json(prescription)
    body["citations"] = _citations(prescription.citation_ids)
    return body


_UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "FIT/TCX/GPX files or zip exports (repeatable)",
                        }
                    },
                }
            }
        },
    }
}


@router.post(
    "/patients/{patient_id}/runs",
    status_code=202,
    responses={202: {"model": JobOut, "description": "The import job; poll ``links.job``."}},
    openapi_extra=_UPLOAD_DOC,
)
async def post_runs(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Upload watch files (multipart field ``files``, repeatable) for import in the background:
    202 with the job; poll ``links.job`` (``GET /api/v1/jobs/{id}``), whose ``result`` lists the
    imported runs, the skipped files with plain reasons and the duplicates.

    The caller is authorized before the body is read. Files above the size limits, empty files
    and zips with too many members or too large unpacked are skipped at once (nothing is
    decompressed here); 422 with nothing stored when no file is left."""
    db = database(request)

    def check() -> None:
        with db.transaction() as tx:
            run_uploads.authorize_upload(tx, actor, patient_id)

    await run_in_threadpool(check)
    form = await request.form()
    try:
        job = await run_in_threadpool(
            submit_upload, request, actor, patient_id, list(form.getlist("files"))
        )
    finally:
        await form.close()
    notify_worker(request)
    body = job_json(job, actor)
    return JSONResponse(body, status_code=202, headers={"Location": job_links(job)["job"]})


@router.get("/patients/{patient_id}/runs", **out(RunsOut))
def get_runs(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """Every stored run (start order) with its spike category, and the weekly load."""
    with database(request).transaction() as tx:
        view = run_records.overview(tx, actor, patient_id, today(request), content=content(request))
    body: JSON = {
        "data": [run_records.run_json(e) for e in view.runs],
        "count": len(view.runs),
        "weeks": [
            {
                "week_start": w.week_start.isoformat(),
                "distance_m": round(w.distance_m, 2),
                "duration_s": round(w.duration_s, 1),
                "runs": w.runs,
                "longest_run_m": round(w.longest_run_m, 2),
            }
            for w in view.weeks
        ],
        "citations": _citations(["FRANDSEN-2025"]),
        "gate": view.gate.patient_json(),
    }
    plain: JSON = for_actor(actor, body)
    return plain


@router.get("/patients/{patient_id}/runs/next", **out(NextRunOut))
def get_next_run(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """The next run: a walk-run stage or a distance cap, with reasons and citations.

    409 (``field = gate``) when the safety gate allows no run today: a red flag, no signed
    plan, a clinician review, or a plan phase before running; the message says why."""
    with database(request).transaction() as tx:
        view = run_records.overview(tx, actor, patient_id, today(request), content=content(request))
    safety_gate.require_runs(view.gate)
    body = _next(view.next_run) or {}
    body["pain_sessions"] = len(view.pain)
    body["gate"] = view.gate.patient_json()
    baseline = view.morning_baseline
    body["morning_baseline"] = (
        None if baseline is None else {"recorded_on": baseline[0].isoformat(), "nprs": baseline[1]}
    )
    plain: JSON = for_actor(actor, body)
    return plain


@router.post("/patients/{patient_id}/runs/pain", status_code=201, **out(RunPainOut))
def post_run_pain(
    request: Request, actor: CurrentActor, patient_id: int, body: RunPainIn | None = None
) -> JSON:
    """Log pain of today's run (0-10); ``next_morning`` belongs to the latest earlier run."""
    given = body or RunPainIn()
    with database(request).transaction() as tx:
        prescription, gate = pain_after_runs.log_run_pain(
            tx,
            actor,
            patient_id,
            today(request),
            given.during,
            given.after,
            given.next_morning,
            content=content(request),
            morning_baseline=given.morning_baseline,
        )
    return {"next_run": _next(prescription), "gate": gate.patient_json()}
