"""Clinician pages: assessment (left/right side by side), plan editing and sign-off,
alerts."""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.errors import Conflict, InvalidInput, Refused
from runnersknee.services.access.authz import Role
from runnersknee.services.care import alerts, plan_dose, plan_history, plan_progression, records
from runnersknee.services.care import plan_preview as plan_preview_service
from runnersknee.services.care.plan_readiness import PlanReadiness, plan_readiness
from runnersknee.services.review import suggestions
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, error_map, query_number, today
from runnersknee.web.local_time import zone_of
from runnersknee.web.pages.record import record_name, triage_for
from runnersknee.web.presenters.dcform import (
    FormField,
    flatten,
    form_fields,
    form_values,
    leaves,
    parse_form,
)
from runnersknee.web.render import render

__all__ = ["assessment_fields", "item_anchor", "plan_view", "router"]

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


def item_anchor(item_id: str) -> str:
    """The plan page at one item (the page stays in place after an edit)."""
    return f"/plan#item-{quote(item_id, safe=':')}"


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
        record_name=record_name(request, patient_id),
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
    return plan_view(request, patient_id)


#: Confirmations after a redirect to the plan page (``?done=...``).
_DONE = {
    "suggestion": "Suggestion accepted: the change is in a new draft version below. The patient "
    "sees it once you sign the plan off.",
    "dismissed": "Suggestion dismissed; your reason is kept with it.",
    "running": "Running changed in a new draft version; it applies once you sign the plan off.",
}


def _readiness(overview: records.Overview) -> PlanReadiness:
    return plan_readiness(overview.patient_id, overview.intake, overview.assessment is not None)


def plan_view(
    request: Request, patient_id: int, code: int = 200, errors: dict[str, str] | None = None
) -> Response:
    """The plan page: current version, history in words, readiness, the library to add from,
    the suggested changes and the running hold."""
    actor = request.state.actor
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        versions = records.plan_versions(tx, actor, patient_id, content=content(request))
        history = plan_history.history(tx, actor, patient_id, content(request))
        zone = zone_of(request, actor, tx)
        sugg = suggestions.view(tx, actor, patient_id, today(request), zone, content(request))
    exercises = content(request).exercises
    library = sorted(((e.id, e.name) for e in exercises.values()), key=lambda x: x[1])
    knee = str((overview.intake.case_data.side if overview.intake else None) or "")
    steps = {
        (key, way): exercises[target]
        for key in exercises
        for way in plan_progression.DIRECTIONS
        if (target := plan_progression.step_target(exercises, key, way) or "") in exercises
    }
    return render(
        request,
        "clinic/plan.html",
        status_code=code,
        doses={key: e.dose for key, e in exercises.items()},
        steps=steps,
        knee_side=knee,
        sides=plan_dose.SIDES,
        o=overview,
        versions=versions,
        history=history,
        library=library,
        ready=_readiness(overview),
        triage=triage_for(request, overview),
        sugg=sugg,
        back="plan",
        errors=errors or {},
        message=_DONE.get(request.query_params.get("done", "")),
    )


def _library(request: Request) -> list[tuple[str, str]]:
    """Library exercises (id, name) by name, for the "add an exercise" list."""
    return sorted(((e.id, e.name) for e in content(request).exercises.values()), key=lambda x: x[1])


def _plan_action(
    request: Request, patient_id: int, action: object, item_id: str | None = None
) -> Response:
    """Run ``action(tx)``; back to the plan (at ``item_id``, or the item the action returns)."""
    try:
        with database(request).transaction() as tx:
            done = action(tx) if callable(action) else None
    except (InvalidInput, Refused, Conflict) as error:
        code = 409 if isinstance(error, Refused) else 422
        return plan_view(request, patient_id, code, {"_form": error.message})
    landed = done.item_id if isinstance(done, plan_progression.Stepped) else item_id
    return _back(patient_id, item_anchor(landed) if landed else "/plan")


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
    if form.get("remove") and not form.get("confirm"):
        return _confirm_remove(request, patient_id, item_id)
    if form.get("remove"):
        return _plan_action(
            request, patient_id, lambda tx: records.remove_item(tx, actor, patient_id, item_id)
        )
    dose, note = str(form.get("dose") or ""), str(form.get("note") or "")
    try:
        fields = plan_dose.parse_dose_fields({k: str(v) for k, v in form.items()})
    except InvalidInput as error:
        with database(request).transaction() as tx:  # authorize before answering
            records.overview(tx, actor, patient_id, content=content(request))
        return plan_view(request, patient_id, 422, {"_form": error.message})
    if fields is not None:
        return _plan_action(
            request,
            patient_id,
            lambda tx: records.set_item_dose(tx, actor, patient_id, item_id, fields, note),
            item_id,
        )
    return _plan_action(
        request,
        patient_id,
        lambda tx: records.update_item(tx, actor, patient_id, item_id, dose, note),
        item_id,
    )


@router.post("/clinic/patients/{patient_id}/plan/items/{item_id}/step")
def plan_item_step(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int, item_id: str
) -> Response:
    """One click: the item's library progression (harder) or regression (easier), as a new
    draft version; the page returns to the new item."""
    require_role(actor, Role.CLINICIAN)
    direction = str(form.get("direction") or "")
    return _plan_action(
        request,
        patient_id,
        lambda tx: plan_progression.step_item(
            tx, actor, patient_id, item_id, direction, content=content(request)
        ),
    )


def _confirm_remove(request: Request, patient_id: int, item_id: str) -> Response:
    """Ask before removing an item (nothing changes until the clinician confirms)."""
    with database(request).transaction() as tx:
        overview = records.overview(tx, request.state.actor, patient_id, content=content(request))
    items = records.plan_items(overview.plan.data if overview.plan else {})
    item = next((i for i in items if i.get("id") == item_id), None)
    if item is None:
        return plan_view(request, patient_id, 422, {"_form": "the plan has no such item"})
    return render(request, "clinic/plan_remove.html", o=overview, item=item)


@router.get("/clinic/patients/{patient_id}/plan/compare")
def plan_compare(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Two plan versions side by side: items added, removed or with another dose or note."""
    require_role(actor, Role.CLINICIAN)
    first = query_number(request, "a", 1, 1, 100_000)
    second = query_number(request, "b", 1, 1, 100_000)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        versions = records.plan_versions(tx, actor, patient_id, content=content(request))
    older, newer = plan_history.version_pair(versions, first, second)
    return render(
        request,
        "clinic/plan_compare.html",
        o=overview,
        older=older,
        newer=newer,
        changes=plan_history.compare(older.data, newer.data),
    )


@router.get("/clinic/patients/{patient_id}/plan/preview")
def plan_preview(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """What the patient will see of the current version (draft or signed)."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
    cards = (
        plan_preview_service.preview(overview.plan.document, content(request).exercises)
        if overview.plan
        else None
    )
    return render(request, "clinic/plan_preview.html", o=overview, cards=cards)


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
    """Mark an alert as handled, with a note of what was done."""
    require_role(actor, Role.CLINICIAN)
    note = str(form.get("note") or "")
    with database(request).transaction() as tx:
        alerts.resolve_alert(tx, actor, alert_id, note)
    return RedirectResponse("/clinic/alerts", status_code=303)
