"""Movement analysis pages: upload a video to an assessment, follow the background job
(meta refresh, no JavaScript), see the annotated video, plots and metrics with their error
bands, accept chosen metrics into a new assessment version; the patient's filming guide.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.content.gait import load_filming_guide
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.video import patient_videos
from runnersknee.services.video import results as video_results
from runnersknee.services.video import uploads as video_uploads
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, error_map, settings
from runnersknee.web.pages.record import record_name
from runnersknee.web.render import render
from runnersknee.web.uploads import (
    close_uploads,
    form_text,
    job_number,
    notify_worker,
    serve_output,
    size_guard,
    stored_upload,
    video_request,
)

__all__ = [
    "REFRESH_S",
    "UploadGuard",
    "markdown_html",
    "router",
]

router = APIRouter(include_in_schema=False)

#: Seconds between reloads of a running job's page (HTTP ``Refresh`` header, no JavaScript).
REFRESH_S = 3


UploadGuard = Annotated[None, Depends(size_guard)]


def _upload_name(form: FormData) -> str | None:
    upload = form.get("video")
    return upload.filename if isinstance(upload, UploadFile) else None


def _list_page(
    request: Request, actor: Actor, patient_id: int, errors: dict[str, str], values: Any
) -> Response:
    with database(request).transaction() as tx:
        items = video_uploads.video_jobs(tx, actor, patient_id)
    return render(
        request,
        "clinic/video_list.html",
        status_code=422 if errors else 200,
        patient_id=patient_id,
        record_name=record_name(request, patient_id),
        jobs=items,
        errors=errors,
        values=values,
    )


@router.get("/clinic/patients/{patient_id}/videos")
def video_list(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Upload form and the patient's earlier analyses."""
    require_role(actor, Role.CLINICIAN)
    return _list_page(request, actor, patient_id, {}, {})


@router.post("/clinic/patients/{patient_id}/videos")
def video_upload(
    request: Request, actor: CurrentActor, guard: UploadGuard, form: SafeForm, patient_id: int
) -> Response:
    """Store the upload and queue its analysis; the job page follows it."""
    del guard
    try:
        require_role(actor, Role.CLINICIAN)
        db = database(request)
        with db.transaction() as tx:
            video_uploads.authorize_upload(tx, actor, patient_id)
        try:
            options = video_request(form)
            stored = stored_upload(request, patient_id, form)
            try:
                with db.transaction() as tx:
                    job = video_uploads.submit(
                        tx, actor, patient_id, options, stored, _upload_name(form)
                    )
            except BaseException:
                video_uploads.discard_upload(settings(request), stored)
                raise
        except InvalidInput as error:
            values = {k: v for k in ("view", "task", "side", "source") if (v := form_text(form, k))}
            return _list_page(request, actor, patient_id, error_map(error), values)
    finally:
        close_uploads(form)
    notify_worker(request)
    return RedirectResponse(f"/clinic/patients/{patient_id}/videos/{job.id}", status_code=303)


@router.get("/clinic/patients/{patient_id}/videos/{job_id}")
def video_job_page(request: Request, actor: CurrentActor, patient_id: int, job_id: str) -> Response:
    """Progress (refreshing itself) while the job runs; the result once it is done."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        view = video_results.result_view(tx, actor, patient_id, job_number(job_id))
    accepted = request.query_params.get("accepted", "")
    response = _result_page(request, view, {}, 200, int(accepted) if accepted.isdigit() else None)
    if not view.job.finished and request.query_params.get("refresh") != "off":
        response.headers["Refresh"] = str(REFRESH_S)
    return response


def _result_page(
    request: Request,
    view: video_results.VideoResult,
    errors: dict[str, str],
    code: int,
    accepted: int | None,
) -> Response:
    message = None
    if accepted:
        message = f"{accepted} metric(s) copied into a new assessment version."
    elif request.query_params.get("shared") == "1":
        message = "Shared with the patient."
    return render(
        request,
        "clinic/video_result.html",
        status_code=code,
        patient_id=view.job.patient_id,
        v=view,
        shared=patient_videos.shared_of(view.job),
        note_max=patient_videos.NOTE_MAX,
        errors=errors,
        message=message,
        refresh=REFRESH_S if request.query_params.get("refresh") != "off" else None,
    )


@router.get("/clinic/patients/{patient_id}/videos/{job_id}/files/{name}")
def video_file(
    request: Request, actor: CurrentActor, patient_id: int, job_id: str, name: str
) -> Response:
    """An output file (annotated MP4 with HTTP Range support, plots, captions)."""
    require_role(actor, Role.CLINICIAN)
    return serve_output(request, actor, patient_id, job_id, name)


@router.post("/clinic/patients/{patient_id}/videos/{job_id}/accept")
def video_accept(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int, job_id: str
) -> Response:
    """Copy the ticked metrics into a new assessment version (audited)."""
    require_role(actor, Role.CLINICIAN)
    number = job_number(job_id)
    keys = [str(k) for k in form.getlist("metric")]
    try:
        with database(request).transaction() as tx:
            done = video_results.accept_metrics(tx, actor, patient_id, number, keys)
    except (InvalidInput, Conflict) as error:
        with database(request).transaction() as tx:
            view = video_results.result_view(tx, actor, patient_id, number)
        code = 409 if isinstance(error, Conflict) else 422
        return _result_page(request, view, {"_form": error.message}, code, None)
    return RedirectResponse(
        f"/clinic/patients/{patient_id}/videos/{number}?accepted={len(done.accepted)}",
        status_code=303,
    )


@router.post("/clinic/patients/{patient_id}/videos/{job_id}/share")
def video_share(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int, job_id: str
) -> Response:
    """Decide what the patient sees of this video: a plain note
    (services/video/patient_videos.py)."""
    require_role(actor, Role.CLINICIAN)
    number = job_number(job_id)
    raw = form.get("note")
    note = raw if isinstance(raw, str) else ""
    try:
        with database(request).transaction() as tx:
            patient_videos.share(tx, actor, patient_id, number, note)
    except (InvalidInput, Conflict) as error:
        with database(request).transaction() as tx:
            view = video_results.result_view(tx, actor, patient_id, number)
        code = 409 if isinstance(error, Conflict) else 422
        return _result_page(request, view, {"note": error.message}, code, None)
    return RedirectResponse(
        f"/clinic/patients/{patient_id}/videos/{number}?shared=1", status_code=303
    )


# --- filming guide ---------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text, quote=False))


def markdown_html(source: str) -> Markup:
    """The small Markdown subset of the content files as safe HTML: ``#``/``##``/``###``
    headings, paragraphs, ``- `` lists (with indented continuation lines) and ``**bold**``.
    Everything is escaped first, so the file cannot inject markup."""
    out: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{_inline(' '.join(para))}</p>")
            para.clear()
        if items:
            lis = "".join(f"<li>{_inline(' '.join(i))}</li>" for i in items)
            out.append(f"<ul>{lis}</ul>")
            items.clear()

    for raw in source.splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,3}) (.+)$", line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif line.startswith("- "):
            if para:
                flush()
            items.append([line[2:].strip()])
        elif items and raw.startswith("  "):
            items[-1].append(line.strip())
        else:
            if items:
                flush()
            para.append(line.strip())
    flush()
    return Markup("\n".join(out))


@cache
def _guide() -> Markup:
    return markdown_html(load_filming_guide())


@router.get("/me/filming-guide")
def filming_guide(request: Request, actor: CurrentActor) -> Response:
    """How to film a video for the movement analysis (any logged-in user); a patient also
    gets the way to send one (when the safety gate allows it)."""
    offer = None
    if actor.role is Role.PATIENT and actor.patient_id is not None:
        with database(request).transaction() as tx:
            offer = patient_videos.offer(tx, actor, actor.patient_id, content(request))
    return render(request, "portal/filming_guide.html", guide=_guide(), offer=offer)
