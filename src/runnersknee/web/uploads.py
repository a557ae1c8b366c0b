"""Uploads and job files shared by the HTML pages and the JSON API: size checks before the
body is read, the stored file, queueing, waking the in-process worker, serving job outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.responses import FileResponse, PlainTextResponse
from starlette.datastructures import FormData, UploadFile

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.access.authz import Actor
from runnersknee.services.jobs.records import JobView
from runnersknee.services.running import run_import, run_uploads
from runnersknee.services.video import results as video_results
from runnersknee.services.video import uploads as video_uploads
from runnersknee.services.video.captions import captions_vtt
from runnersknee.web.common import database, settings, today

__all__ = [
    "close_uploads",
    "form_text",
    "job_number",
    "notify_worker",
    "serve_output",
    "size_guard",
    "stored_upload",
    "submit_upload",
    "uploads_of",
    "video_request",
]

#: Room for the form fields and multipart framing above the file-size limit.
_FORM_OVERHEAD = 64 * 1024


def size_guard(request: Request) -> None:
    """Refuse an upload whose declared size is over the limit before reading its body."""
    limit = settings(request).max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        raise InvalidInput(
            f"the file is larger than the upload limit of {limit / 1e6:g} MB; "
            "film a shorter clip (10-20 s is enough)",
            field="video",
            allowed=f"at most {limit} bytes",
        )


def job_number(raw: str) -> int:
    """A job id from the URL; anything else is an id that does not exist (-1 → 404)."""
    return int(raw) if raw.isdigit() and len(raw) < 12 else -1


def notify_worker(request: Request) -> None:
    """Wake the in-process worker (if it runs) so a new job starts at once."""
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.notify()


def form_text(form: FormData, name: str) -> str | None:
    """A trimmed text field of a posted form (None when empty or not text)."""
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def video_request(form: FormData) -> video_uploads.VideoRequest:
    """The upload options of a posted form."""
    return video_uploads.VideoRequest(
        view=form_text(form, "view") or "",
        task=form_text(form, "task") or "",
        side=form_text(form, "side"),
        source=form_text(form, "source") or "video",
    )


def stored_upload(request: Request, patient_id: int, form: FormData) -> str:
    """Save the form's ``video`` file under the data folder (size-limited)."""
    upload = form.get("video")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("choose a video file to upload", field="video")
    return video_uploads.store_upload(settings(request), patient_id, upload.file)


def close_uploads(form: FormData) -> None:
    """Close the temporary files of a parsed multipart form."""
    for _, value in form.multi_items():
        if isinstance(value, UploadFile):
            value.file.close()


def serve_output(
    request: Request, actor: Actor, patient_id: int, job_id: str, name: str
) -> Response:
    """Shared by the page and API routes: authorize, then stream the file."""
    with database(request).transaction() as tx:
        if name == "annotated.vtt":
            view = video_results.result_view(tx, actor, patient_id, job_number(job_id))
            text = captions_vtt(view.document)
            return PlainTextResponse(text, media_type="text/vtt")
        path, content_type = video_results.output_file(
            tx, actor, settings(request), patient_id, job_number(job_id), name
        )
    return FileResponse(Path(path), media_type=content_type)


def uploads_of(files: list[Any]) -> list[run_uploads.Upload]:
    """The uploaded files of a form field (empty file inputs are left out)."""
    return [
        run_uploads.Upload(f.filename or "upload", f.file)
        for f in files
        if isinstance(f, UploadFile) and (f.filename or f.size)
    ]


def submit_upload(request: Request, actor: Actor, patient_id: int, files: list[Any]) -> JobView:
    """Keep the form's files (cheap checks only) and queue their import; the caller has
    authorized the upload. 422 (InvalidInput, nothing stored) when no file is left."""
    cfg = settings(request)
    try:
        stored = run_uploads.store_uploads(cfg, patient_id, uploads_of(files))
    finally:
        for upload in files:
            if isinstance(upload, UploadFile):
                upload.file.close()
    if stored.key is None:
        raise run_uploads.refusal_of(stored)
    try:
        with database(request).transaction() as tx:
            return run_import.submit_import(tx, actor, patient_id, stored, today(request))
    except BaseException:
        run_uploads.discard_stored(cfg, stored)
        raise
