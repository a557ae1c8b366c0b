"""Pages that hand out access: an admin's reset links and role changes for staff logins, a
clinician's invitations and sign-in links for the clinic's patients (never their passwords)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access import access_links
from runnersknee.services.access import users as user_admin
from runnersknee.services.access.authz import Role
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import database
from runnersknee.web.links import deliver
from runnersknee.web.pages.record import record_page
from runnersknee.web.render import render

__all__ = ["issued_page", "router"]

router = APIRouter(include_in_schema=False)


def issued_page(
    request: Request, link: access_links.IssuedLink, back: str, note: str | None = None
) -> Response:
    """The link was e-mailed, or is shown here once (``Cache-Control: no-store``)."""
    delivery = deliver(request, link)
    return render(request, "account/issued.html", delivery=delivery, back=back, note=note)


@router.post("/admin/users/{user_id}/reset-link")
def admin_reset_link(
    request: Request, actor: CurrentActor, form: SafeForm, user_id: int
) -> Response:
    """A one-time reset link for a clinician or admin login of the clinic."""
    del form
    require_role(actor, Role.ADMIN)
    with database(request).transaction() as tx:
        link = access_links.issue_reset(tx, actor, user_id)
    return issued_page(request, link, "/admin/users")


@router.post("/admin/users/{user_id}/role")
def admin_set_role(request: Request, actor: CurrentActor, form: SafeForm, user_id: int) -> Response:
    """Make another login of the clinic a clinician or an admin."""
    require_role(actor, Role.ADMIN)
    with database(request).transaction() as tx:
        user_admin.set_user_role(tx, actor, user_id, str(form.get("role") or ""))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/clinic/patients/{patient_id}/invite")
def invite(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Give the patient a portal login by email; the invitation link lets them set a password."""
    require_role(actor, Role.CLINICIAN)
    email = str(form.get("email") or "")[:254]
    try:
        with database(request).transaction() as tx:
            link = access_links.invite_patient(tx, actor, patient_id, email)
    except (InvalidInput, Conflict) as error:
        return record_page(request, actor, patient_id, code=422, values={"email": email},
                           errors={"invite": error.message})  # fmt: skip
    return issued_page(request, link, f"/clinic/patients/{patient_id}")


@router.post("/clinic/patients/{patient_id}/access-link")
def access_link(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """A new one-time sign-in link for the patient's portal login (a forgotten password)."""
    del form
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        link = access_links.issue_patient_link(tx, actor, patient_id)
    return issued_page(request, link, f"/clinic/patients/{patient_id}")
