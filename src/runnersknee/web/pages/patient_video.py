"""Portal pages /me/videos (phone first): film a movement for the clinician and see what the
clinician shared back (services/video/patient_videos.py).

"What will you film?" is one question on its own page; the next page says how to film that
task, asks for the leg when the task needs one and takes the video (``capture``: the phone
offers its camera). The form works without JavaScript; ``static/upload.js`` adds upload
progress. The analysis is the clinician's video job; the patient only ever reads
"waiting for review" or the clinician's shared note.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData, UploadFile

from runnersknee.clinical.errors import InvalidInput, Refused
from runnersknee.services.access.authz import Actor
from runnersknee.services.platform import media_types
from runnersknee.services.video import patient_videos
from runnersknee.services.video import uploads as video_uploads
from runnersknee.services.video.patient_videos import Offer, PatientTask
from runnersknee.web.auth import CurrentActor, SafeForm, own_patient
from runnersknee.web.common import content, database, settings
from runnersknee.web.pages.video import UploadGuard
from runnersknee.web.render import render
from runnersknee.web.uploads import close_uploads, job_number, notify_worker

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _offer(request: Request, actor: Actor) -> Offer:
    with database(request).transaction() as tx:
        return patient_videos.offer(tx, actor, own_patient(actor), content(request))


@router.get("/me/videos")
def videos_page(request: Request, actor: CurrentActor) -> Response:
    """The patient's videos (waiting for review, or what the clinician shared)."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = patient_videos.offer(tx, actor, patient_id, content(request))
        videos = patient_videos.own_videos(tx, actor, patient_id)
    return render(request, "portal/videos.html", offer=found, videos=videos)


def _task_page(request: Request, offer: Offer, errors: dict[str, str], code: int) -> Response:
    return render(request, "portal/video_task.html", status_code=code, offer=offer, errors=errors)


@router.get("/me/videos/new")
def video_task_page(request: Request, actor: CurrentActor) -> Response:
    """One question: what will you film? (only what the safety gate allows today)."""
    return _task_page(request, _offer(request, actor), {}, 200)


def _film_page(  # noqa: PLR0917 - the page's parts
    request: Request,
    offer: Offer,
    task: PatientTask,
    errors: dict[str, str],
    side: str = "",
    code: int = 200,
) -> Response:
    return render(
        request,
        "portal/video_film.html",
        status_code=code,
        offer=offer,
        task=task,
        side=side,
        errors=errors,
        max_bytes=settings(request).max_upload_bytes,
        max_mb=_megabytes(settings(request).max_upload_bytes),
    )


def _megabytes(size: int) -> str:
    """A size in whole MB (1 MB = 1,048,576 bytes; one decimal below 1 MB)."""
    mib = 1024 * 1024
    return f"{size // mib}" if size >= mib else f"{size / mib:.1f}"


@router.get("/me/videos/film")
def video_film_page(request: Request, actor: CurrentActor) -> Response:
    """How to film the chosen task, the leg (when the task needs one) and the video."""
    offer = _offer(request, actor)
    code = request.query_params.get("task", "")
    task = next((t for t in offer.tasks if t.code == code), None)
    if task is None:
        message = "Choose what you will film."
        if code and offer.no_running and code in ("run-side", "run-behind"):
            message = offer.no_running
        return _task_page(request, offer, {"task": message, "_form": message}, 422)
    return _film_page(request, offer, task, {})


def _form_text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:40] if isinstance(value, str) else ""


def _video_file(form: FormData) -> UploadFile:
    upload = form.get("video")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InvalidInput("choose or record a video", field="video")
    if media_types.sniff(media_types.read_head(upload.file)) not in media_types.VIDEO_TYPES:
        raise InvalidInput(
            "this file is not a video: record one with your phone's camera, or choose a "
            "video from your phone",
            field="video",
        )
    return upload


@router.post("/me/videos")
def video_upload(
    request: Request, actor: CurrentActor, guard: UploadGuard, form: SafeForm
) -> Response:
    """Store the patient's video on their own record and queue its analysis."""
    del guard
    code, side = _form_text(form, "task"), _form_text(form, "side")
    db = database(request)
    try:
        patient_id = own_patient(actor)
        with db.transaction() as tx:
            checked = patient_videos.check_request(
                tx, actor, patient_id, code, side, content(request)
            )
        upload = _video_file(form)
        stored = video_uploads.store_upload(settings(request), patient_id, upload.file)
        try:
            with db.transaction() as tx:
                job = patient_videos.submit(tx, actor, patient_id, checked, stored, upload.filename)
        except BaseException:
            video_uploads.discard_upload(settings(request), stored)
            raise
    except (InvalidInput, Refused) as error:
        return _upload_error(request, actor, code, side, error)
    finally:
        close_uploads(form)
    notify_worker(request)
    return RedirectResponse(f"/me/videos/{job.id}?sent=1", status_code=303)


def _upload_error(
    request: Request, actor: Actor, code: str, side: str, error: InvalidInput | Refused
) -> Response:
    """The film page again with the problem (or the task question when the task is wrong)."""
    offer = _offer(request, actor)
    errors = {error.details.get("field") or "_form": error.message, "_form": error.message}
    task = next((t for t in offer.tasks if t.code == code), None)
    status = 409 if isinstance(error, Refused) else 422
    if task is None:
        return _task_page(request, offer, {"task": error.message, "_form": error.message}, status)
    return _film_page(request, offer, task, errors, side, status)


@router.get("/me/videos/{job_id}")
def video_page(request: Request, actor: CurrentActor, job_id: str) -> Response:
    """One video: "your clinician will review it", or the note the clinician shared."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        video = patient_videos.own_video(tx, actor, patient_id, job_number(job_id))
    sent = request.query_params.get("sent") == "1"
    return render(request, "portal/video.html", video=video, sent=sent)
