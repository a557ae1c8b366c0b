"""Admin pages: the clinic's logins (create with a one-time set-password link, approve,
disable, enable). No patient data here."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access import credentials
from runnersknee.services.access import users as user_admin
from runnersknee.services.access.authz import Role
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import database
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
