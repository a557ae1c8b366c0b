"""The patient's intake in the portal: one topic per screen, saved at every step.

``/me/intake`` sends the patient to where they are: the next unanswered step of the saved
draft, the stop screen after a red flag, or "sent". Each step posts to its own URL; the
core's triage runs on the answers so far (services/care/intake_draft.py), and an emergency or
urgent answer shows the stop screen at once.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.content.intake import Step, load_intake
from runnersknee.services.care import intake_draft
from runnersknee.services.care.intake_draft import CHECK, Answers
from runnersknee.web.auth import CurrentActor, SafeForm, own_patient
from runnersknee.web.common import content, database, today
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_BASE = "/me/intake"


def _go(path: str) -> Response:
    return RedirectResponse(path, status_code=303)


def _given(step: Step, form: FormData) -> Answers:
    """The step's answers from the posted form (lists for checkboxes)."""
    given: Answers = {}
    for question in step.questions:
        if question.kind in ("many", "chart"):
            given[question.field] = [str(v) for v in form.getlist(question.field)]
        else:
            raw = form.get(question.field)
            given[question.field] = raw.strip()[:2000] if isinstance(raw, str) else ""
    return given


def _where(steps: tuple[Step, ...], slug: str) -> tuple[int, Step]:
    for index, step in enumerate(steps):
        if step.slug == slug:
            return index, step
    raise NotFound("no such question page", step=slug)


def _step_page(  # noqa: PLR0917 - the page's parts
    request: Request,
    slug: str,
    answers: Answers,
    values: Answers,
    errors: dict[str, str],
    code: int = 200,
) -> Response:
    steps = load_intake().steps_for(answers)
    index, step = _where(steps, slug)
    back = f"{_BASE}/{steps[index - 1].slug}" if index else "/me"
    return render(
        request,
        "portal/intake_step.html",
        status_code=code,
        step=step,
        number=index + 1,
        total=len(steps) + 1,
        back=back,
        values=values,
        errors=errors,
        areas=load_intake().chart,
    )


@router.get(_BASE)
def intake_start(request: Request, actor: CurrentActor) -> Response:
    """Where the patient is in the intake."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = intake_draft.stage(tx, actor, patient_id, content(request))
    if found.kind == "step" and found.step is not None:
        return _go(f"{_BASE}/{found.step}")
    return _go(f"{_BASE}/{found.kind}")


@router.get(f"{_BASE}/stop")
def intake_stop(request: Request, actor: CurrentActor) -> Response:
    """The stop screen: what to do now and the clinic's phone number, nothing else."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = intake_draft.stage(tx, actor, patient_id, content(request))
    if found.kind != "stop":
        return _go(_BASE)
    level = found.gate.allowance.triage_level
    return render(request, "portal/intake_stop.html", gate=found.gate, level=level)


@router.get(f"{_BASE}/sent")
@router.get(f"{_BASE}/closed")
def intake_sent(request: Request, actor: CurrentActor) -> Response:
    """The answers were sent (or the intake is closed after the first visit)."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = intake_draft.stage(tx, actor, patient_id, content(request))
    if found.kind not in ("sent", "closed"):
        return _go(_BASE)
    return render(
        request, "portal/intake_sent.html", gate=found.gate, closed=found.kind == "closed"
    )


@router.get(f"{_BASE}/{CHECK}")
def intake_check(request: Request, actor: CurrentActor) -> Response:
    """Check your answers, then send them."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = intake_draft.stage(tx, actor, patient_id, content(request))
        draft = intake_draft.load_draft(tx, actor, patient_id)
    if found.kind != "step":
        return _go(_BASE)
    return _check_page(request, draft.answers, None)


def _check_page(request: Request, answers: Answers, error: str | None) -> Response:
    steps = load_intake().steps_for(answers)
    return render(
        request,
        "portal/intake_check.html",
        status_code=422 if error else 200,
        steps=steps,
        answers=answers,
        areas=load_intake().chart,
        back=f"{_BASE}/{steps[-1].slug}",
        number=len(steps) + 1,
        total=len(steps) + 1,
        message=None,
        problem=error,
    )


@router.post(f"{_BASE}/{CHECK}")
def intake_send(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Send the answers: recorded by the same service as every intake."""
    del form
    patient_id = own_patient(actor)
    try:
        with database(request).transaction() as tx:
            view = intake_draft.submit_draft(tx, actor, patient_id, content(request))
    except InvalidInput:
        with database(request).transaction() as tx:
            draft = intake_draft.load_draft(tx, actor, patient_id)
        missing = intake_draft.missing_step(draft.answers)
        if missing is None:
            raise
        return _check_page(request, draft.answers, f"{_BASE}/{missing}")
    return _go(f"{_BASE}/stop" if view.red_flag else f"{_BASE}/sent")


@router.get(f"{_BASE}/{{slug}}")
def intake_step(request: Request, actor: CurrentActor, slug: str) -> Response:
    """One question page, filled in from the saved draft."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = intake_draft.stage(tx, actor, patient_id, content(request))
        draft = intake_draft.load_draft(tx, actor, patient_id)
    if found.kind in ("stop", "closed"):
        return _go(f"{_BASE}/{found.kind}")
    return _step_page(request, slug, draft.answers, draft.answers, {})


@router.post(f"{_BASE}/{{slug}}")
def intake_save(request: Request, actor: CurrentActor, form: SafeForm, slug: str) -> Response:
    """Save one step and go on (or to the stop screen)."""
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        found = intake_draft.stage(tx, actor, patient_id, content(request))
        draft = intake_draft.load_draft(tx, actor, patient_id)
    if found.kind in ("stop", "closed"):
        return _go(f"{_BASE}/{found.kind}")
    _, step = _where(load_intake().steps_for(draft.answers), slug)
    given = _given(step, form)
    with database(request).transaction() as tx:
        result = intake_draft.save_step(
            tx, actor, patient_id, slug, given, today(request), content(request)
        )
    if result.stopped:
        return _go(f"{_BASE}/stop")
    if result.errors:
        return _step_page(
            request, slug, draft.answers, {**draft.answers, **given}, result.errors, 422
        )
    return _go(f"{_BASE}/{result.next_step}")
