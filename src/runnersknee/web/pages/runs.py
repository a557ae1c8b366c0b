"""Portal page /me/runs (phone first): upload watch files, see load and spikes, the next run,
log pain after a run. Works without JavaScript; every action is on the patient's own record.

An upload is kept and imported by a background job (``services/running/run_import``); the
page of the upload (``/me/runs?upload=<job>``) says "processing" and reloads itself (HTTP
``Refresh``) until the result is there.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.access.authz import Actor
from runnersknee.services.running import pain_after_runs, run_import, run_records, run_uploads
from runnersknee.web.auth import CurrentActor, SafeForm, own_patient
from runnersknee.web.common import content, database, error_map, settings, today
from runnersknee.web.pages.video import REFRESH_S
from runnersknee.web.render import render
from runnersknee.web.uploads import job_number, notify_worker, submit_upload

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The pain ratings of the form (NPRS 0-10): during, after, next morning.
PAIN_FIELDS = ("during", "after", "next_morning")
#: The usual morning pain before running again (the baseline next-morning pain is judged by).
BASELINE_FIELD = "morning_baseline"


def _rating(raw: object, field: str) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{field.replace('_', ' ')}: choose 0 to 10", field=field, got=text)
    return int(text)


def runs_page_response(
    request: Request,
    actor: Actor,
    *,
    code: int = 200,
    upload: run_import.UploadStatus | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """Render /me/runs with an optional upload (processing, its result) or form errors."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        view = run_records.overview(tx, actor, patient_id, today(request), content=content(request))
    saved = request.query_params.get("saved")
    return render(
        request,
        "portal/runs.html",
        status_code=code,
        v=view,
        upload=upload,
        errors=errors or {},
        cited=tuple(view.next_run.citation_ids) if view.next_run else (),
        message="Pain saved. Thank you." if saved == "pain" else None,
        max_size=run_uploads.size_text(settings(request).max_activity_file_bytes),
        refresh_s=REFRESH_S,
    )


@router.get("/me/runs")
def runs_page(request: Request, actor: CurrentActor) -> Response:
    """Runs, weekly km, spikes and the next run; upload and pain forms. ``?upload=<job>``
    shows that upload: "processing" (the page reloads itself) until its result is ready."""
    patient_id = own_patient(actor)
    upload = None
    if "upload" in request.query_params:
        number = job_number(request.query_params["upload"])
        with database(request).transaction() as tx:
            upload = run_import.upload_status(tx, actor, patient_id, number)
    response = runs_page_response(request, actor, upload=upload)
    if upload is not None and not upload.finished:
        response.headers["Refresh"] = str(REFRESH_S)
    return response


@router.post("/me/runs")
def runs_upload(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Keep uploaded FIT/TCX/GPX files or a zip export and queue their import; the page of the
    upload follows it."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        run_uploads.authorize_upload(tx, actor, patient_id)
    try:
        job = submit_upload(request, actor, patient_id, list(form.getlist("files")))
    except InvalidInput as error:
        errors = error_map(error)
        if error.field == "files":
            errors = {"files": error.message, "_form": error.message}
        return runs_page_response(request, actor, code=422, errors=errors)
    notify_worker(request)
    return RedirectResponse(f"/me/runs?upload={job.id}", status_code=303)


@router.post("/me/runs/pain")
def runs_pain(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Log pain during / after a run and the next morning (0–10)."""
    patient_id = own_patient(actor)
    try:
        values = [_rating(form.get(f), f) for f in PAIN_FIELDS]
        baseline = _rating(form.get(BASELINE_FIELD), BASELINE_FIELD)
        with database(request).transaction() as tx:
            pain_after_runs.log_run_pain(
                tx,
                actor,
                patient_id,
                today(request),
                values[0],
                values[1],
                values[2],
                content=content(request),
                morning_baseline=baseline,
            )
    except InvalidInput as error:
        return runs_page_response(request, actor, code=422, errors=error_map(error))
    return RedirectResponse("/me/runs?saved=pain", status_code=303)
