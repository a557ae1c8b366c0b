"""Admin pages: the clinic's logins (create with a one-time set-password link, approve,
disable, enable) and its time zone. No patient data here."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access import credentials
from runnersknee.services.access import users as user_admin
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import clinic_time
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import database, error_map, settings
from runnersknee.web.local_time import forget_zones
from runnersknee.web.pages.access import issued_page
from runnersknee.web.render import render

__all__ = ["PENDING_NOTE", "router"]

#: Said with the link of a new staff login.
PENDING_NOTE = (
    "The login stays inactive until another admin of the clinic approves it on the Users page."
)

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def users_page(request: Request, actor: CurrentActor) -> Response:
    """The clinic's logins."""
    require_role(actor, Role.ADMIN)
    with database(request).transaction() as tx:
        users = user_admin.list_users(tx, actor)
        mfa_required = credentials.clinic_requires_mfa(tx, actor.clinic_id)
    return render(request, "admin/users.html", users=users, mfa_required=mfa_required)


@router.post("/admin/users")
def create_user(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Create a clinician or admin login; its one-time set-password link is shown once (or
    e-mailed) to hand over. The login waits for a second admin's approval."""
    require_role(actor, Role.ADMIN)
    values = {k: str(form.get(k) or "")[:254] for k in ("email", "display_name", "role")}
    try:
        with database(request).transaction() as tx:
            link = user_admin.manage_create_user(
                tx, actor, values["email"], values["display_name"], values["role"]
            )
    except (InvalidInput, Conflict) as error:
        with database(request).transaction() as tx:
            users = user_admin.list_users(tx, actor)
        field = str(error.details.get("field") or "_form")
        return render(
            request,
            "admin/users.html",
            status_code=422,
            users=users,
            values=values,
            errors={field: error.message, "_form": error.message},
        )
    return issued_page(request, link, "/admin/users", note=PENDING_NOTE)


@router.post("/admin/users/{user_id}/active")
def set_active(request: Request, actor: CurrentActor, form: SafeForm, user_id: int) -> Response:
    """Disable or re-enable a login."""
    require_role(actor, Role.ADMIN)
    with database(request).transaction() as tx:
        user_admin.set_user_active(tx, actor, user_id, form.get("active") == "1")
    return RedirectResponse("/admin/users", status_code=303)


def _clinic_page(
    request: Request, actor: Actor, errors: dict[str, str], chosen: str | None, saved: bool
) -> Response:
    with database(request).transaction() as tx:
        setting = clinic_time.clinic_zone_setting(tx, actor, settings(request).clinic_time_zone)
    zone = clinic_time.zone_named(setting.in_force)
    return render(
        request,
        "admin/clinic.html",
        status_code=422 if errors else 200,
        setting=setting,
        chosen=setting.chosen if chosen is None else chosen,
        zones=clinic_time.zone_names(),
        now=clinic_time.local_text(datetime.now(UTC), zone, with_zone=True),
        errors=errors,
        message="Time zone saved." if saved else None,
    )


@router.get("/admin/clinic")
def clinic_page(request: Request, actor: CurrentActor) -> Response:
    """The clinic's settings: its time zone (the patients' "today" and the times shown)."""
    require_role(actor, Role.ADMIN)
    saved = request.query_params.get("saved") == "1"
    return _clinic_page(request, actor, {}, None, saved)


@router.post("/admin/clinic")
def set_clinic_zone(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Set the clinic's time zone (a name from the list; empty: the deployment's default)."""
    require_role(actor, Role.ADMIN)
    name = str(form.get("time_zone") or "")
    try:
        with database(request).transaction() as tx:
            clinic_time.change_clinic_zone(tx, actor, name)
    except InvalidInput as error:
        return _clinic_page(request, actor, error_map(error), name[:64], False)
    forget_zones(request)
    return RedirectResponse("/admin/clinic?saved=1", status_code=303)
