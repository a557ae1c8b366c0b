"""The patient portal (phone first): today's exercises, logging, progress, education,
intake and questionnaires before the first visit. Every page acts on the patient's own record.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.services import clinical_core, logs, records, timeline
from runnersknee.services.authz import Actor, Role
from runnersknee.services.intake import IntakeSummary
from runnersknee.web.auth import ActorAccess, CurrentActor, SafeForm, read_page, require_role
from runnersknee.web.common import database, error_map, today
from runnersknee.web.education import TOPICS, topic
from runnersknee.web.pages_clinic import intake_page, questionnaire_page
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


def _own(actor: Actor) -> int:
    require_role(actor, Role.PATIENT)
    if actor.patient_id is None:
        raise NotFound("this login has no patient record")
    return actor.patient_id


def _int_or_none(raw: object, field: str) -> int | None:
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInput(f"{field.replace('_', ' ')}: enter a whole number", field=field)
    return int(text)


def _today_page(
    request: Request, actor: Actor, errors: dict[str, str], code: int, message: str | None
) -> Response:
    patient_id = _own(actor)
    with database(request).transaction() as tx:
        view, current = logs.today_with_intake(tx, actor, patient_id, today(request))
    return _render_today(request, view, current, errors, code, message)


def _render_today(  # noqa: PLR0917 - the page's parts
    request: Request,
    view: logs.TodayView,
    current: IntakeSummary | None,
    errors: dict[str, str],
    code: int,
    message: str | None,
) -> Response:
    return render(
        request,
        "portal/today.html",
        status_code=code,
        view=view,
        cards=view.patient if view.plan_version is not None else None,
        intake=current,
        stop=clinical_core.stop_rules(),
        errors=errors,
        message=message,
    )


@read_page("/me")
async def today_page(request: Request, access: ActorAccess) -> Response:
    """Today's exercises with dose, instructions, illustration and a hold/rest timer."""
    day = today(request)

    def read(tx: Session, actor: Actor) -> tuple[logs.TodayView, IntakeSummary | None]:
        return logs.today_with_intake(tx, actor, _own(actor), day)

    view, current = await access.run(read)
    return _render_today(request, view, current, {}, 200, None)


@router.post("/me/log/exercise")
def log_exercise(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Log sets and reps of one exercise."""
    patient_id = _own(actor)
    try:
        sets = _int_or_none(form.get("sets_done"), "sets_done")
        with database(request).transaction() as tx:
            logs.log_exercise(
                tx,
                actor,
                patient_id,
                str(form.get("exercise_id") or ""),
                sets or 0,
                _int_or_none(form.get("reps_done"), "reps_done"),
                today(request),
            )
    except InvalidInput as error:
        return _today_page(request, actor, error_map(error), 422, None)
    return RedirectResponse("/me?saved=exercise", status_code=303)


@router.post("/me/log/pain")
def log_pain(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Log pain during / after today's session and this morning (0–10)."""
    patient_id = _own(actor)
    try:
        values = [_int_or_none(form.get(f), f) for f in logs.PAIN_FIELDS]
        with database(request).transaction() as tx:
            logs.log_pain(
                tx,
                actor,
                patient_id,
                today(request),
                values[0],
                values[1],
                values[2],
                str(form.get("activity") or "exercise"),
            )
    except InvalidInput as error:
        return _today_page(request, actor, error_map(error), 422, None)
    return RedirectResponse("/me?saved=pain", status_code=303)


@router.get("/me/progress")
def progress_page(request: Request, actor: CurrentActor) -> Response:
    """Plan progress, pain and scores, questionnaires that are due."""
    patient_id = _own(actor)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id)
        data = timeline.timeline(tx, actor, patient_id, today(request))
        view = logs.today(tx, actor, patient_id, today(request))
    done = {q.instrument for q in overview.questionnaires}
    due = [(key, name) for key, name in overview.portal_instruments if key not in done]
    return render(request, "portal/progress.html", o=overview, t=data, view=view, due=due)


@router.get("/me/learn")
def learn_page(request: Request, actor: CurrentActor) -> Response:
    """The education topics."""
    _own(actor)
    return render(request, "portal/learn.html", topics=TOPICS)


@router.get("/me/learn/{slug}")
def topic_page(request: Request, actor: CurrentActor, slug: str) -> Response:
    """One education topic."""
    _own(actor)
    found = topic(slug)
    if found is None:
        raise NotFound("no such topic", slug=slug)
    return render(request, "portal/topic.html", topic=found, topics=TOPICS)


@router.get("/me/intake")
def portal_intake_form(request: Request, actor: CurrentActor) -> Response:
    """The intake questionnaire before the first visit."""
    return intake_page(request, actor, _own(actor), "/me/intake", None)


@router.post("/me/intake")
def portal_intake(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Submit the intake; the triage result (and any safety wording) shows on /me."""
    return intake_page(request, actor, _own(actor), "/me/intake", form)


@router.get("/me/questionnaires/{instrument_id}")
def portal_questionnaire_form(
    request: Request, actor: CurrentActor, instrument_id: str
) -> Response:
    """A questionnaire to fill in."""
    action = f"/me/questionnaires/{instrument_id}"
    return questionnaire_page(request, actor, _own(actor), instrument_id, action, None)


@router.post("/me/questionnaires/{instrument_id}")
def portal_questionnaire(
    request: Request, actor: CurrentActor, form: SafeForm, instrument_id: str
) -> Response:
    """Submit a questionnaire."""
    action = f"/me/questionnaires/{instrument_id}"
    return questionnaire_page(request, actor, _own(actor), instrument_id, action, form)


@router.get("/illustrations/{exercise_id}.svg")
def illustration(actor: CurrentActor, exercise_id: str) -> Response:
    """An exercise illustration (library content, not patient data)."""
    del actor
    exercise = clinical_core.exercise_library().get(exercise_id)
    path = clinical_core.illustration_path(exercise)
    if path is None:
        raise NotFound("no illustration for this exercise", exercise_id=exercise_id)
    return FileResponse(path, media_type="image/svg+xml")
