"""Two-factor sign-in pages: a clinician or admin sets up TOTP; an admin requires it.

Set-up is two steps: ``/account/mfa/start`` shows a new secret (as text and as an
``otpauth://`` link for an authenticator app) with a signed 10-minute enrolment token, and
``/account/mfa/confirm`` checks a code from the app and shows the one-time recovery codes once.
The same services back the JSON API (``/api/v1/auth/mfa``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access import credentials
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.access.login import enrol_secret, enrol_token
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import database, settings
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_STAFF = (Role.CLINICIAN, Role.ADMIN)


def _status(request: Request, actor: Actor) -> tuple[bool, bool]:
    with database(request).transaction() as tx:
        return (
            credentials.has_totp(tx, actor.user_id),
            credentials.clinic_requires_mfa(tx, actor.clinic_id),
        )


def _grouped(secret: str) -> str:
    """The secret in groups of four letters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _setup_page(request: Request, actor: Actor, secret: str, status: int = 200,
                error: str = "") -> Response:  # fmt: skip
    return render(
        request,
        "account/mfa_setup.html",
        status_code=status,
        secret=_grouped(secret),
        uri=credentials.totp_uri(secret, actor.display_name),
        enrol_token=enrol_token(settings(request).signing_key(), actor.user_id, secret),
        error=error,
    )


@router.get("/account/mfa")
def mfa_page(request: Request, actor: CurrentActor) -> Response:
    """Whether two-factor sign-in is set up for this login, and the button to set it up."""
    require_role(actor, *_STAFF)
    enrolled, required = _status(request, actor)
    return render(request, "account/mfa.html", enrolled=enrolled, required=required, error="")


@router.post("/account/mfa/start")
def start(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """A new secret to add to an authenticator app."""
    del form
    require_role(actor, *_STAFF)
    if _status(request, actor)[0]:
        raise Conflict("two-factor sign-in is already set up for this login", field="otp")
    return _setup_page(request, actor, credentials.new_totp_secret())


@router.post("/account/mfa/confirm")
def confirm(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Check a code from the app; on success show the recovery codes (once)."""
    require_role(actor, *_STAFF)
    key = settings(request).signing_key()
    secret = enrol_secret(key, actor.user_id, str(form.get("enrol_token") or ""))
    if secret is None:
        return render(request, "account/mfa.html", status_code=422, enrolled=False,
                      required=_status(request, actor)[1],
                      error="The set-up took longer than 10 minutes. Start again.")  # fmt: skip
    try:
        with database(request).transaction() as tx:
            enrolment = credentials.confirm_totp(
                tx, actor.user_id, secret, str(form.get("otp") or "").replace(" ", "")
            )
    except InvalidInput as error:
        return _setup_page(request, actor, secret, status=422, error=error.message)
    return render(request, "account/mfa_codes.html", codes=enrolment.recovery_codes)


@router.post("/admin/mfa")
def require_for_clinic(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """An admin requires (or stops requiring) two-factor sign-in for the clinic's staff."""
    require_role(actor, Role.ADMIN)
    with database(request).transaction() as tx:
        credentials.set_clinic_mfa(tx, actor, form.get("required") == "1")
    return RedirectResponse("/admin/users", status_code=303)
