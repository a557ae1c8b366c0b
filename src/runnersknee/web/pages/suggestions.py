"""Clinician pages: accept or dismiss a plan-change suggestion (services/review/suggestions.py), and
hold or resume running in the plan. Each makes a new draft version or keeps a decision;
nothing reaches the patient before the plan is signed."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access.authz import Role
from runnersknee.services.care import plan_changes
from runnersknee.services.review import suggestions
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, today
from runnersknee.web.local_time import zone_of
from runnersknee.web.pages.care import plan_view
from runnersknee.web.pages.record import record_page

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: Where a dismissal returns to (the form says which page it was on).
_BACK = {"summary": "", "plan": "/plan"}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _again(request: Request, patient_id: int, back: str, code: int, message: str) -> Response:
    """The page the form was on, with the refusal (nothing was changed)."""
    if back == "plan":
        return plan_view(request, patient_id, code, {"suggestion": message})
    return record_page(
        request, request.state.actor, patient_id, code=code, errors={"suggestion": message}
    )


@router.post("/clinic/patients/{patient_id}/suggestions/accept")
def accept(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Accept a suggestion: its changes become a new draft version (the plan page shows it)."""
    require_role(actor, Role.CLINICIAN)
    key = str(form.get("key") or "")[:200]
    try:
        with database(request).transaction() as tx:
            version = suggestions.accept(
                tx,
                actor,
                patient_id,
                key,
                today(request),
                zone_of(request, actor, tx),
                content(request),
            )
    except (InvalidInput, Conflict) as error:
        return _again(request, patient_id, "plan", 409, error.message)
    return _see_other(
        f"/clinic/patients/{patient_id}/plan?done=suggestion&v={version.version}#cur-title"
    )


@router.post("/clinic/patients/{patient_id}/suggestions/dismiss")
def dismiss(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Dismiss a suggestion with a reason (kept; not suggested again for the same evidence)."""
    require_role(actor, Role.CLINICIAN)
    key = str(form.get("key") or "")[:200]
    reason = str(form.get("reason") or "")
    back = str(form.get("back") or "summary")
    back = back if back in _BACK else "summary"
    try:
        with database(request).transaction() as tx:
            suggestions.dismiss(
                tx,
                actor,
                patient_id,
                key,
                reason,
                today(request),
                zone_of(request, actor, tx),
                content(request),
            )
    except (InvalidInput, Conflict) as error:
        code = 422 if isinstance(error, InvalidInput) else 409
        return _again(request, patient_id, back, code, error.message)
    return _see_other(f"/clinic/patients/{patient_id}{_BACK[back]}?done=dismissed#suggestions")


@router.post("/clinic/patients/{patient_id}/plan/running")
def running(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Hold running (with a reason) or resume it: a new draft version."""
    require_role(actor, Role.CLINICIAN)
    hold = str(form.get("hold") or "") == "1"
    reason = str(form.get("reason") or "")
    try:
        with database(request).transaction() as tx:
            plan_changes.set_running(tx, actor, patient_id, hold, reason, today(request))
    except InvalidInput as error:
        return plan_view(request, patient_id, 422, {"running": error.message})
    return _see_other(f"/clinic/patients/{patient_id}/plan?done=running#running")
