"""The clinic's exercise pictures: clinicians and admins list the library's exercises and
attach the clinic's own photo or short video to one (services/care/exercise_media.py); logged-in
users of the clinic fetch it from /exercise-media/{id}. No patient data here.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from starlette.datastructures import UploadFile

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.services.access.authz import Actor, Role, authorize_clinic
from runnersknee.services.care import exercise_media
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, error_map, settings
from runnersknee.web.exercise_pictures import forget_media
from runnersknee.web.render import render
from runnersknee.web.uploads import close_uploads, job_number

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Room for the form fields and multipart framing above the largest file.
_FORM_OVERHEAD = 64 * 1024


def _size_guard(request: Request) -> None:
    """Refuse a body declared larger than the largest picture before reading it."""
    limit = max(exercise_media.MAX_BYTES.values())
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + _FORM_OVERHEAD:
        raise InvalidInput(
            f"the file is too large: at most {limit // (1024 * 1024)} MB", field="media"
        )


_Guard = Annotated[None, Depends(_size_guard)]


def _staff(actor: Actor) -> None:
    require_role(actor, Role.CLINICIAN, Role.ADMIN)


@router.get("/clinic/exercises")
def exercises_page(request: Request, actor: CurrentActor) -> Response:
    """The library's exercises and which have the clinic's own picture."""
    _staff(actor)
    with database(request).transaction() as tx:
        authorize_clinic(tx, actor, "clinic.media")
        media = exercise_media.clinic_media(tx, actor.clinic_id)
    exercises = sorted(content(request).exercises.values(), key=lambda e: e.name.lower())
    return render(request, "clinic/exercises.html", exercises=exercises, media=media)


def _exercise_page(
    request: Request, actor: Actor, exercise_id: str, errors: dict[str, str], alt: str = ""
) -> Response:
    exercise = content(request).exercises.get(exercise_id)
    if exercise is None:
        raise NotFound("no such exercise in the library", exercise_id=exercise_id[:80])
    with database(request).transaction() as tx:
        authorize_clinic(tx, actor, "clinic.media")
        media = exercise_media.clinic_media(tx, actor.clinic_id).get(exercise_id)
    saved = request.query_params.get("saved")
    message = {"1": "Picture saved.", "removed": "Picture removed."}.get(saved or "")
    return render(
        request,
        "clinic/exercise_media.html",
        status_code=422 if errors else 200,
        exercise=exercise,
        media=media,
        errors=errors,
        alt=alt,
        accept=exercise_media.ACCEPT,
        limits={k: v // (1024 * 1024) for k, v in exercise_media.MAX_BYTES.items()},
        alt_max=exercise_media.ALT_MAX,
        message=message,
    )


@router.get("/clinic/exercises/{exercise_id}")
def exercise_page(request: Request, actor: CurrentActor, exercise_id: str) -> Response:
    """One exercise: its picture (the clinic's, else the drawing) and the upload form."""
    _staff(actor)
    return _exercise_page(request, actor, exercise_id, {})


@router.post("/clinic/exercises/{exercise_id}/media")
def attach_media(
    request: Request, actor: CurrentActor, guard: _Guard, form: SafeForm, exercise_id: str
) -> Response:
    """Attach the clinic's photo or video (replacing the one it had)."""
    del guard
    alt = form.get("alt_text")
    alt_text = alt if isinstance(alt, str) else ""
    upload = form.get("media")
    try:
        _staff(actor)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("choose a photo or a video", field="media")
        with database(request).transaction() as tx:
            _, replaced = exercise_media.attach(
                tx, actor, settings(request), content(request).exercises, exercise_id,
                upload.file, alt_text,
            )  # fmt: skip
    except InvalidInput as error:
        return _exercise_page(request, actor, exercise_id, error_map(error), alt_text[:400])
    finally:
        close_uploads(form)
    exercise_media.delete_stored(settings(request), replaced)
    forget_media(request)
    return RedirectResponse(f"/clinic/exercises/{exercise_id}?saved=1", status_code=303)


@router.post("/clinic/exercises/{exercise_id}/media/remove")
def remove_media(
    request: Request, actor: CurrentActor, form: SafeForm, exercise_id: str
) -> Response:
    """Remove the clinic's picture: patients see the drawing again."""
    del form
    _staff(actor)
    with database(request).transaction() as tx:
        removed = exercise_media.remove(tx, actor, exercise_id)
    exercise_media.delete_stored(settings(request), removed)
    forget_media(request)
    return RedirectResponse(f"/clinic/exercises/{exercise_id}?saved=removed", status_code=303)


@router.get("/exercise-media/{media_id}")
def media(request: Request, actor: CurrentActor, media_id: str) -> Response:
    """A picture of the actor's own clinic (any role); another clinic's is 404."""
    with database(request).transaction() as tx:
        path, content_type = exercise_media.media_file(
            tx, actor, settings(request), job_number(media_id)
        )
    response = FileResponse(path, media_type=content_type)
    response.headers["Content-Disposition"] = "inline"
    return response
