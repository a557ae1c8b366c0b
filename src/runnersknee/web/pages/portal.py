"""The patient portal (phone first): today's exercises, logging, progress, education and
questionnaires (the intake is web/pages/intake.py). Every page acts on the patient's own record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache, partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, RedirectResponse
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.content.exercises import illustration_file
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import logs, patient_text, records, today_session, today_view
from runnersknee.services.care.exercise_media import MediaView
from runnersknee.services.care.intake import IntakeSummary
from runnersknee.services.care.today_session import TodaySession
from runnersknee.services.review import timeline
from runnersknee.web.auth import (
    ActorAccess,
    CurrentActor,
    SafeForm,
    own_patient,
    read_page,
)
from runnersknee.web.common import content, database, error_map, today
from runnersknee.web.exercise_pictures import media_key, media_of
from runnersknee.web.local_time import today_for
from runnersknee.web.pages.clinic import questionnaire_page
from runnersknee.web.presenters.portal_words import questionnaires_due
from runnersknee.web.render import ascii_html, environment, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: The today page's view, its exercise session (services/care/today_session.py) and the clinic's
#: own exercise pictures (services/care/exercise_media.py).
_TodayParts = tuple[today_view.TodayView, TodaySession, Mapping[str, MediaView]]


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
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        day = today_for(request, actor, tx)
        bundle = content(request)
        view, current = today_view.today_with_intake(tx, actor, patient_id, day, content=bundle)
        media = media_of(request, actor, tx)
        session = _session(view, bundle.exercises, media)
    return _render_today(request, (view, session, media), current, errors, code, message)


def _session(
    view: today_view.TodayView, library: ExerciseLibrary, media: Mapping[str, MediaView]
) -> TodaySession:
    """Today's session (services/care/today_session.py). Usually built from the plan version's
    cached cards; after a regress decision from the view with the day's logged sets of every
    exercise (the easier levels are not plan items)."""
    plan = _static_plan(view, library, media)
    if plan is None:  # no signed plan, or the gate allows no exercises: nothing to list
        return today_session.session_for(view, library)
    if view.decision is not None and view.decision.decision.value == "regress":
        return today_session.session_for(view, library, view.sets_today)
    cards = [card for card, *_ in plan.exercises]
    return today_session.session_of_cards(
        cards, view.sets_today, plan.discomfort, view.decision, library
    )


#: Stands for the CSRF token in cached card HTML (a private-use character: never in content).
_CSRF_SLOT = "\ue000csrf\ue000"
#: Signed plan versions whose static card HTML is kept (oldest dropped first).
_PLANS_KEPT = 512


@dataclass(frozen=True, slots=True)
class _StaticPlan:
    """The today page's HTML that one signed plan version and the library fix.

    Plan versions are never changed (a new edit or sign-off is a new row), and the library is
    loaded once per process, so the version (``TodayView.plan_key``: database, row id and
    sign-off time) and the library's identity determine the cards: exercise
    cards without today's sets (``head``/``tail``, the tail with :data:`_CSRF_SLOT` for the
    token) and the advice cards. Today's sets and the token are filled in per request.
    """

    library: object
    #: The clinic's pictures the cards show (:func:`~runnersknee.web.exercise_pictures.media_key`).
    media: tuple[tuple[str, str], ...]
    #: Per exercise card: the card, its head HTML and its tail HTML split at the token's
    #: place (``None`` for the second part when the tail has no form).
    exercises: tuple[tuple[patient_text.ExerciseCard, str, str, str | None], ...]
    advice: tuple[Markup, ...]
    discomfort: str
    #: The advice cards joined (printed as one piece).
    advice_html: Markup


_PLANS: dict[tuple[str, int, str, int, tuple[tuple[str, str], ...]], _StaticPlan] = {}


@cache
def _cards_module() -> Any:
    """The macros of ``portal/_cards.html`` (the template module is built once)."""
    return environment().get_template("portal/_cards.html").module


def _static_plan(
    view: today_view.TodayView, library: ExerciseLibrary, media: Mapping[str, MediaView]
) -> _StaticPlan | None:
    """The cached card HTML of the view's signed plan version with the clinic's pictures
    (built at its first view)."""
    if view.plan_key is None:
        return None
    pictures = media_key(media)
    key = (*view.plan_key, id(library), pictures)
    found = _PLANS.get(key)
    if found is not None and found.library is library:
        return found
    entries = [today_view.TodayItem(i.item, i.exercise, 0) for i in view.items]
    page = patient_text.arrange(entries, view.advice, view.pain_limit_nprs)
    macros = _cards_module()
    advice = tuple(ascii_html(macros.advice_card(card, n)) for n, card in enumerate(page.advice, 1))
    built = _StaticPlan(
        library,
        pictures,
        tuple(
            (
                card,
                _ascii(macros.exercise_card_head(card, n)),
                *_split_tail(card, n, macros, media.get(card.exercise_id)),
            )
            for n, card in enumerate(page.exercises, 1)
        ),
        advice,
        page.discomfort,
        Markup("".join(advice)),
    )
    while len(_PLANS) >= _PLANS_KEPT:
        _PLANS.pop(next(iter(_PLANS)), None)
    _PLANS[key] = built
    return built


def _split_tail(
    card: patient_text.ExerciseCard, n: int, macros: Any, media: MediaView | None
) -> tuple[str, str | None]:
    """The card's tail HTML before and after the token's place."""
    tail = str(macros.exercise_card_tail(card, n, _CSRF_SLOT, media))
    before, slot, after = tail.partition(_CSRF_SLOT)
    if _CSRF_SLOT in after:
        msg = "an exercise card's tail holds the CSRF token more than once"
        raise AssertionError(msg)
    return _ascii(before), _ascii(after) if slot else None


def _ascii(html: str) -> str:
    """Cached HTML as a plain ASCII ``str`` (see :func:`~runnersknee.web.render.ascii_html`)."""
    return str(ascii_html(str(html)))


def _exercise_cards(plan: _StaticPlan, view: today_view.TodayView, csrf_token: str) -> list[Markup]:
    """Today's exercise cards: cached HTML with today's sets and the session's token."""
    token = str(escape(csrf_token))
    cards: list[Markup] = []
    for card, head, before, after in plan.exercises:
        sets = view.sets_today.get(card.exercise_id, 0)
        middle = ""
        if sets:
            done_html = _cards_module().exercise_card_done(replace(card, sets_done_today=sets))
            middle = _ascii(done_html)
        tail = before if after is None else before + token + after
        cards.append(Markup(head + middle + tail))
    return cards


def _exercise_cards_html(plan: _StaticPlan, view: today_view.TodayView, csrf_token: str) -> Markup:
    """:func:`_exercise_cards` joined (the page prints them as one piece)."""
    return Markup("".join(_exercise_cards(plan, view, csrf_token)))


def _session_cards_html(
    session: TodaySession, media: Mapping[str, MediaView], csrf_token: str
) -> Markup:
    """The printed cards of the exercises the session shows (the easier levels after a
    regress decision, not the plan's cached cards), then the plan's other exercises."""
    macros = _cards_module()
    cards = [e.card for e in session.exercises] + list(session.other)
    return Markup(
        "".join(
            str(macros.exercise_card(card, n, csrf_token, media.get(card.exercise_id)))
            for n, card in enumerate(cards, 1)
        )
    )


def _render_today(  # noqa: PLR0917 - the page's parts
    request: Request,
    today_parts: _TodayParts,
    current: IntakeSummary | None,
    errors: dict[str, str],
    code: int,
    message: str | None,
) -> Response:
    view, session, media = today_parts
    plan = _static_plan(view, content(request).exercises, media)
    cards: Callable[[str], Markup] | None = None
    if plan is not None and any(e.replaces for e in session.exercises):
        cards = partial(_session_cards_html, session, media)  # easier levels (regress)
    elif plan is not None:
        cards = partial(_exercise_cards_html, plan, view)
    return render(
        request,
        "portal/today.html",
        status_code=code,
        view=view,
        plan=plan,
        exercise_cards=cards,
        intake=current,
        safety=content(request).safety,
        session=session,
        session_rows=tuple(
            (number, e.card, today_session.sets_target(e.card))
            for number, e in enumerate(session.exercises, 1)
        ),
        errors=errors,
        message=message,
    )


@read_page("/me")
async def today_page(request: Request, access: ActorAccess) -> Response:
    """Today's exercises with dose, instructions, illustration and a hold/rest timer."""

    bundle = content(request)

    def read(tx: Session, actor: Actor) -> tuple[_TodayParts, IntakeSummary | None]:
        day = today_for(request, actor, tx)
        view, current = today_view.today_with_intake(
            tx, actor, own_patient(actor), day, content=bundle
        )
        media = media_of(request, actor, tx)
        session = _session(view, bundle.exercises, media)
        return (view, session, media), current

    parts, current = await access.run(read)
    return _render_today(request, parts, current, {}, 200, None)


@router.post("/me/log/exercise")
def log_exercise(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Log sets and reps of one exercise."""
    patient_id = own_patient(actor)
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
                content=content(request),
            )
    except InvalidInput as error:
        return _today_page(request, actor, error_map(error), 422, None)
    return RedirectResponse("/me?saved=exercise", status_code=303)


@router.post("/me/log/pain")
def log_pain(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Log pain during / after today's session and this morning (0–10)."""
    patient_id = own_patient(actor)
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
                content=content(request),
            )
    except InvalidInput as error:
        return _today_page(request, actor, error_map(error), 422, None)
    return RedirectResponse("/me?saved=pain", status_code=303)


@router.get("/me/progress")
def progress_page(request: Request, actor: CurrentActor) -> Response:
    """Plan progress, pain and scores, questionnaires that are due."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        data = timeline.timeline(tx, actor, patient_id, today(request), content=content(request))
        view = today_view.today(tx, actor, patient_id, today(request), content=content(request))
    done = {q.instrument for q in overview.questionnaires}
    due = questionnaires_due(overview.portal_instruments, done, content(request).instruments)
    step = today_session.next_step(view.decision)
    return render(
        request, "portal/progress.html", o=overview, t=data, view=view, due=due, next_step=step
    )


@router.get("/me/questionnaires/{instrument_id}")
def portal_questionnaire_form(
    request: Request, actor: CurrentActor, instrument_id: str
) -> Response:
    """A questionnaire to fill in."""
    action = f"/me/questionnaires/{instrument_id}"
    return questionnaire_page(request, actor, own_patient(actor), instrument_id, action, None)


@router.post("/me/questionnaires/{instrument_id}")
def portal_questionnaire(
    request: Request, actor: CurrentActor, form: SafeForm, instrument_id: str
) -> Response:
    """Submit a questionnaire."""
    action = f"/me/questionnaires/{instrument_id}"
    return questionnaire_page(request, actor, own_patient(actor), instrument_id, action, form)


@router.get("/illustrations/{exercise_id}.svg")
def illustration(request: Request, actor: CurrentActor, exercise_id: str) -> Response:
    """An exercise illustration (library content, not patient data)."""
    del actor
    path = illustration_file(content(request).exercises.get(exercise_id))
    if path is None:
        raise NotFound("no illustration for this exercise", exercise_id=exercise_id)
    return FileResponse(path, media_type="image/svg+xml")
