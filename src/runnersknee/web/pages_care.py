"""Clinician pages: assessment (left/right side by side), plan editing and sign-off,
timeline, alerts."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.errors import InvalidInput, Refused
from runnersknee.services import alerts, records, timeline
from runnersknee.services.authz import Role
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, error_map, today
from runnersknee.web.dcform import FormField, flatten, form_fields, form_values, leaves, parse_form
from runnersknee.web.render import render

__all__ = ["assessment_fields", "router"]

router = APIRouter(include_in_schema=False)


@cache
def assessment_fields() -> tuple[FormField, ...]:
    """The assessment form, generated from the Assessment model."""
    return form_fields(Assessment)


@cache
def _side_rows() -> list[tuple[str, FormField, FormField]]:
    """(group, left field, right field) rows for the side-by-side table."""
    fields = {f.name: f for f in assessment_fields()}
    left = leaves(fields["left"].children)
    right = leaves(fields["right"].children)
    return [(group, a, b) for (group, a), (_, b) in zip(left, right, strict=True)]


def _other_fields() -> tuple[FormField, ...]:
    return tuple(f for f in assessment_fields() if f.name not in ("left", "right"))


def _back(patient_id: int, part: str = "") -> RedirectResponse:
    return RedirectResponse(f"/clinic/patients/{patient_id}{part}", status_code=303)


@router.get("/clinic/patients/{patient_id}/assessment")
def assessment_form(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The assessment form, pre-filled with the latest assessment."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        current = records.latest_assessment(tx, actor, patient_id)
    values = flatten(current, assessment_fields())
    return _page(request, patient_id, values, {}, 200)


def _page(
    request: Request, patient_id: int, values: dict[str, object], errors: dict[str, str], code: int
) -> Response:
    return render(
        request,
        "clinic/assessment.html",
        status_code=code,
        patient_id=patient_id,
        rows=_side_rows(),
        others=_other_fields(),
        values=values,
        errors=errors,
    )


@router.post("/clinic/patients/{patient_id}/assessment")
def assessment_save(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int
) -> Response:
    """Validate and save the assessment."""
    require_role(actor, Role.CLINICIAN)
    data, errors = parse_form(assessment_fields(), form)
    if not errors:
        try:
            with database(request).transaction() as tx:
                records.save_assessment(tx, actor, patient_id, data)
        except InvalidInput as error:
            errors = error_map(error)
    if errors:
        errors.setdefault("_form", "Please correct the marked fields.")
        return _page(request, patient_id, form_values(form, assessment_fields()), errors, 422)
    return _back(patient_id)


@router.get("/clinic/patients/{patient_id}/plan")
def plan_page(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The current plan version with reasons and citations, editable item by item."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        versions = records.plan_versions(tx, actor, patient_id, content=content(request))
    library = _library(request)
    return render(request, "clinic/plan.html", o=overview, versions=versions, library=library)


def _library(request: Request) -> list[tuple[str, str]]:
    """Library exercises (id, name) by name, for the "add an exercise" list."""
    return sorted(((e.id, e.name) for e in content(request).exercises.values()), key=lambda x: x[1])


def _plan_action(request: Request, patient_id: int, action: object) -> Response:
    try:
        with database(request).transaction() as tx:
            action_fn = action
            if callable(action_fn):
                action_fn(tx)
    except (InvalidInput, Refused) as error:
        with database(request).transaction() as tx:
            actor = request.state.actor
            overview = records.overview(tx, actor, patient_id, content=content(request))
            versions = records.plan_versions(tx, actor, patient_id, content=content(request))
        library = _library(request)
        return render(
            request,
            "clinic/plan.html",
            status_code=409 if isinstance(error, Refused) else 422,
            o=overview,
            versions=versions,
            library=library,
            errors={"_form": error.message},
        )
    return _back(patient_id, "/plan")


@router.post("/clinic/patients/{patient_id}/plan/generate")
def plan_generate(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int
) -> Response:
    """Generate a plan (refused while triage blocks it)."""
    del form
    require_role(actor, Role.CLINICIAN)
    return _plan_action(
        request,
        patient_id,
        lambda tx: records.generate_plan(tx, actor, patient_id, content=content(request)),
    )


@router.post("/clinic/patients/{patient_id}/plan/items/{item_id}")
def plan_item_edit(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int, item_id: str
) -> Response:
    """Change one item's dose and note, or remove it."""
    require_role(actor, Role.CLINICIAN)
    if form.get("remove"):
        return _plan_action(
            request, patient_id, lambda tx: records.remove_item(tx, actor, patient_id, item_id)
        )
    dose, note = str(form.get("dose") or ""), str(form.get("note") or "")
    return _plan_action(
        request,
        patient_id,
        lambda tx: records.update_item(tx, actor, patient_id, item_id, dose, note),
    )


@router.post("/clinic/patients/{patient_id}/plan/add")
def plan_add(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Add a library exercise."""
    require_role(actor, Role.CLINICIAN)
    exercise_id, note = str(form.get("exercise_id") or ""), str(form.get("note") or "")
    return _plan_action(
        request,
        patient_id,
        lambda tx: records.add_exercise(
            tx, actor, patient_id, exercise_id, note, content=content(request)
        ),
    )


@router.post("/clinic/patients/{patient_id}/plan/sign")
def plan_sign(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Sign off the current plan version."""
    require_role(actor, Role.CLINICIAN)
    note = str(form.get("note") or "")
    return _plan_action(
        request, patient_id, lambda tx: records.sign_plan(tx, actor, patient_id, note)
    )


@router.get("/clinic/patients/{patient_id}/timeline")
def timeline_page(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Pain, questionnaire scores with MCID bands, adherence and plan versions."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        data = timeline.timeline(tx, actor, patient_id, today(request), content=content(request))
    return render(request, "clinic/timeline.html", o=overview, t=data)


@router.get("/clinic/alerts")
def alerts_page(request: Request, actor: CurrentActor) -> Response:
    """Open alerts of the clinic (inactivity is checked on each visit)."""
    require_role(actor, Role.CLINICIAN)
    db = database(request)
    with db.transaction() as tx:
        alerts.scan_inactivity(
            tx, actor, today(request), request.app.state.settings.inactivity_alert_days
        )
    with db.transaction() as tx:
        items = alerts.list_alerts(tx, actor)
    return render(request, "clinic/alerts.html", alerts=items)


@router.post("/clinic/alerts/{alert_id}/resolve")
def alert_resolve(request: Request, actor: CurrentActor, form: SafeForm, alert_id: int) -> Response:
    """Mark an alert as handled."""
    del form
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        alerts.resolve_alert(tx, actor, alert_id)
    return RedirectResponse("/clinic/alerts", status_code=303)
