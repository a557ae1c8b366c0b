"""Today's exercise session on the phone: one exercise at a time, sets as tap targets, the
hold timer, "too painful" (records the pain and offers the easier level), then the pain
check and the next step. Works without JavaScript; every action is on the patient's own
record and goes through the safety gate (services/care/logs.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import logs, today_session, today_view
from runnersknee.services.care.exercise_media import MediaView
from runnersknee.services.care.today_session import SessionExercise, TodaySession
from runnersknee.web.auth import CurrentActor, SafeForm, own_patient
from runnersknee.web.common import content, database, error_map
from runnersknee.web.exercise_pictures import media_of
from runnersknee.web.local_time import today_for
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The pain ratings of the pain check (0-10).
CHECK_FIELDS = ("during", "after", "next_morning")


@dataclass(frozen=True, slots=True)
class _Day:
    view: today_view.TodayView
    session: TodaySession
    done: dict[str, int]
    library: ExerciseLibrary
    #: The clinic's own exercise pictures (shown instead of the drawings).
    media: Mapping[str, MediaView]


def _read(request: Request, actor: Actor) -> _Day:
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        day = today_for(request, actor, tx)
        view = today_view.today(tx, actor, patient_id, day, content=content(request))
        media = media_of(request, actor, tx)
    library = content(request).exercises
    done = dict(view.sets_today)
    session = today_session.session_for(view, library, done)
    return _Day(view, session, done, library, media)


def _rating(raw: object, field: str, *, required: bool = False) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        if required:
            raise InvalidInput("choose how bad the pain is, from 0 to 10", field=field)
        return None
    if not text.isdigit() or int(text) > 10:
        raise InvalidInput(f"{field.replace('_', ' ')}: choose 0 to 10", field=field, got=text)
    return int(text)


def _exercise_at(day: _Day, number: int, easier: bool) -> tuple[SessionExercise, bool]:
    """Exercise ``number``; with ``easier`` its easier level when it has one (and is not one
    already). The flag says an easier level was asked for but there is none."""
    exercises = day.session.exercises
    if not 1 <= number <= len(exercises):
        raise NotFound("no such exercise in today's session", number=number)
    entry = exercises[number - 1]
    if not easier:
        return entry, False
    stand_in = None if entry.replaces else today_session.easier_entry(entry, day.done, day.library)
    return (entry, True) if stand_in is None else (stand_in, False)


def _session_page(
    request: Request, actor: Actor, number: int, *, code: int = 200, errors: dict[str, str]
) -> Response:
    day = _read(request, actor)
    if not day.session.exercises:
        return RedirectResponse("/me", status_code=303)
    easier = request.query_params.get("easier") == "1"
    entry, no_easier = _exercise_at(day, number, easier)
    return render(
        request,
        "portal/session.html",
        status_code=code,
        day=day,
        entry=entry,
        number=number,
        total=len(day.session.exercises),
        target=today_session.sets_target(entry.card),
        painful=easier,
        no_easier=no_easier,
        media=day.media.get(entry.card.exercise_id),
        errors=errors,
        safety=content(request).safety,
    )


@router.get("/me/session")
def session_start(request: Request, actor: CurrentActor) -> Response:
    """The first exercise of today's session with sets still to do (else the pain check)."""
    day = _read(request, actor)
    for number, entry in enumerate(day.session.exercises, 1):
        if entry.card.sets_done_today < today_session.sets_target(entry.card):
            return RedirectResponse(f"/me/session/{number}", status_code=303)
    target = "/me/session/check" if day.session.exercises else "/me"
    return RedirectResponse(target, status_code=303)


@router.get("/me/session/check")
def session_check(request: Request, actor: CurrentActor) -> Response:
    """The pain check after the session."""
    day = _read(request, actor)
    return render(request, "portal/session_check.html", day=day, errors={})


@router.post("/me/session/check")
def session_check_save(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Save the pain check (it completes today's session entry) and show the next step."""
    patient_id = own_patient(actor)
    try:
        values = [_rating(form.get(f), f) for f in CHECK_FIELDS]
        with database(request).transaction() as tx:
            day = today_for(request, actor, tx)
            during, after, morning = values
            logs.log_pain(
                tx, actor, patient_id, day, during, after, morning,
                same_session=True, content=content(request),
            )  # fmt: skip
    except InvalidInput as error:
        day_view = _read(request, actor)
        return render(
            request, "portal/session_check.html", 422, day=day_view, errors=error_map(error)
        )
    return RedirectResponse("/me/session/done", status_code=303)


@router.get("/me/session/done")
def session_done(request: Request, actor: CurrentActor) -> Response:
    """The next step after the pain check, and what it changed."""
    return render(request, "portal/session_done.html", day=_read(request, actor))


@router.get("/me/session/{number}")
def session_exercise(request: Request, actor: CurrentActor, number: int) -> Response:
    """Exercise ``number`` (1-based) of today's session."""
    return _session_page(request, actor, number, errors={})


def _place(request: Request, actor: Actor, exercise_id: str, number: int) -> str:
    """Where the session shows ``exercise_id`` after a change (its easier level included)."""
    day = _read(request, actor)
    found = today_session.find(day.session, exercise_id)
    if found is not None:
        return f"/me/session/{found + 1}"
    return f"/me/session/{number}?easier=1"


@router.post("/me/session/{number}/set")
def session_set(request: Request, actor: CurrentActor, form: SafeForm, number: int) -> Response:
    """Record one set (or hold) of the exercise shown."""
    patient_id = own_patient(actor)
    exercise_id = str(form.get("exercise_id") or "")
    reps = _rating_reps(form.get("reps"))
    try:
        with database(request).transaction() as tx:
            day = today_for(request, actor, tx)
            logs.log_exercise(
                tx, actor, patient_id, exercise_id, 1, reps, day, content=content(request)
            )
    except InvalidInput as error:
        return _session_page(request, actor, number, code=422, errors=error_map(error))
    return RedirectResponse(_place(request, actor, exercise_id, number), status_code=303)


def _rating_reps(raw: object) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if text.isdigit() and int(text) <= 500 else None


@router.post("/me/session/{number}/painful")
def session_painful(request: Request, actor: CurrentActor, form: SafeForm, number: int) -> Response:
    """ "Too painful": record the pain now and offer the easier level of the exercise."""
    patient_id = own_patient(actor)
    try:
        pain = _rating(form.get("pain"), "pain", required=True)
        with database(request).transaction() as tx:
            day = today_for(request, actor, tx)
            logs.log_pain(
                tx, actor, patient_id, day, pain, None, None,
                same_session=True, content=content(request),
            )  # fmt: skip
    except InvalidInput as error:
        return _session_page(request, actor, number, code=422, errors=error_map(error))
    return RedirectResponse(f"/me/session/{number}?easier=1", status_code=303)
