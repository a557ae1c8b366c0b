"""Portal page /me/runs (phone first): upload watch files, see load and spikes, the next run,
log pain after a run. Works without JavaScript; every action is on the patient's own record.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.running import run_records, run_uploads
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, error_map, settings, today
from runnersknee.web.presenters import runs_plain
from runnersknee.web.render import render

__all__ = ["router", "uploads_of"]

router = APIRouter(include_in_schema=False)

#: The pain ratings of the form (NPRS 0-10): during, after, next morning.
PAIN_FIELDS = ("during", "after", "next_morning")
#: The usual morning pain before running again (the baseline next-morning pain is judged by).
BASELINE_FIELD = "morning_baseline"


def _own(actor: Actor) -> int:
    require_role(actor, Role.PATIENT)
    if actor.patient_id is None:
        raise NotFound("this login has no patient record")
    return actor.patient_id


def uploads_of(files: list[Any]) -> list[run_uploads.Upload]:
    """The uploaded files of a form field (empty file inputs are left out)."""
    return [
        run_uploads.Upload(f.filename or "upload", f.file)
        for f in files
        if isinstance(f, UploadFile) and (f.filename or f.size)
    ]


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
    outcome: run_uploads.ImportOutcome | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """Render /me/runs with an optional upload outcome or form errors."""
    patient_id = _own(actor)
    with database(request).transaction() as tx:
        view = run_records.overview(tx, actor, patient_id, today(request), content=content(request))
    saved = request.query_params.get("saved")
    return render(
        request,
        "portal/runs.html",
        status_code=code,
        v=view,
        outcome=outcome,
        errors=errors or {},
        cited=tuple(view.next_run.citation_ids) if view.next_run else (),
        plain_reason=runs_plain.plain_reason,
        message="Pain saved. Thank you." if saved == "pain" else None,
        max_size=run_uploads.size_text(settings(request).max_activity_file_bytes),
    )


@router.get("/me/runs")
def runs_page(request: Request, actor: CurrentActor) -> Response:
    """Runs, weekly km, spikes and the next run; upload and pain forms."""
    return runs_page_response(request, actor)


@router.post("/me/runs")
def runs_upload(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Import uploaded FIT/TCX/GPX files or a zip export (one transaction)."""
    patient_id = _own(actor)
    files = _files(form)
    try:
        result = run_uploads.read_uploads(uploads_of(files), settings(request))
    finally:
        for upload in files:
            if isinstance(upload, UploadFile):
                upload.file.close()
    if result.skipped:  # in a transaction of its own: kept when nothing else is stored
        with database(request).transaction() as tx:
            runs_plain.tell_clinician(tx, patient_id, result.skipped, today(request))
    try:
        with database(request).transaction() as tx:
            outcome = run_uploads.save_import(tx, actor, patient_id, result, today(request))
    except InvalidInput as error:
        errors = error_map(error)
        if error.field == "files":
            plain = runs_plain.nothing_imported(result.skipped)
            errors = {"files": plain, "_form": plain}
        return runs_page_response(request, actor, code=422, errors=errors)
    return runs_page_response(request, actor, outcome=outcome)


def _files(form: FormData) -> list[Any]:
    return list(form.getlist("files"))


@router.post("/me/runs/pain")
def runs_pain(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Log pain during / after a run and the next morning (0–10)."""
    patient_id = _own(actor)
    try:
        values = [_rating(form.get(f), f) for f in PAIN_FIELDS]
        baseline = _rating(form.get(BASELINE_FIELD), BASELINE_FIELD)
        with database(request).transaction() as tx:
            run_records.log_run_pain(
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
