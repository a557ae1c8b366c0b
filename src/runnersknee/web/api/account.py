"""JSON API /api/v1 (accounts): password change, invitation and reset links, roles, TOTP
enrolment, the clinic's MFA setting. A password change or a used link ends every session of
the login (log in again). A link is e-mailed when SMTP is configured; otherwise the answer
carries it, once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access import access_links, credentials
from runnersknee.services.access import users as user_admin
from runnersknee.services.access.login import enrol_secret, enrol_token
from runnersknee.web.api.errors import ERROR_RESPONSES
from runnersknee.web.api.models import (
    FlagOut,
    LinkIssuedOut,
    MfaRequiredOut,
    MfaStartOut,
    PasswordChangedOut,
    RecoveryCodesOut,
    RoleOut,
    out,
)
from runnersknee.web.auth import CurrentActor, clear_session_cookie
from runnersknee.web.common import client_address, database, login_guard, settings
from runnersknee.web.links import deliver

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["accounts"])

JSON = dict[str, Any]


class PasswordChangeIn(BaseModel):
    """The current password and the new one."""

    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1000)
    password: str = Field(max_length=1000)


class ResetIn(BaseModel):
    """A reset token and the new password."""

    model_config = ConfigDict(extra="forbid")
    token: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class InviteIn(BaseModel):
    """The email of the patient's new portal login."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)


class RoleIn(BaseModel):
    """The new role of a login (clinician or admin)."""

    model_config = ConfigDict(extra="forbid")
    role: str = Field(max_length=20)


class ConfirmIn(BaseModel):
    """The enrolment token and a code of the new secret."""

    model_config = ConfigDict(extra="forbid")
    enrol_token: str = Field(max_length=2000)
    otp: str = Field(max_length=64)


class ClinicMfaIn(BaseModel):
    """Whether the clinic's clinicians and admins must use a second factor."""

    model_config = ConfigDict(extra="forbid")
    required: bool


@router.post("/auth/password", **out(PasswordChangedOut))
def change_password(
    request: Request, actor: CurrentActor, body: PasswordChangeIn, response: Response
) -> JSON:
    """Change one's password; every session of the login ends (log in again)."""
    with database(request).transaction() as tx:
        credentials.set_password(tx, actor, body.current_password, body.password)
    clear_session_cookie(response, settings(request))
    return {"changed": True, "logged_out": True}


@router.post("/auth/reset", **out(FlagOut))
def use_reset(request: Request, body: ResetIn) -> JSON:
    """Set a new password with a one-time reset token from an admin (no login needed)."""
    login_guard(request).admit("reset-token", client_address(request))
    with database(request).transaction() as tx:
        access_links.use_link(tx, body.token, body.password)
    return {"reset": True}


def _delivered(request: Request, link: access_links.IssuedLink) -> JSON:
    sent = deliver(request, link)
    shown = None if sent.emailed else link.token
    return {
        "purpose": link.purpose,
        "emailed": sent.emailed,
        "token": shown,
        "link": None if sent.emailed else sent.url,
        "expires_in_hours": link.hours,
    }


@router.post("/users/{user_id}/password-reset", status_code=201, **out(LinkIssuedOut))
def issue_reset(request: Request, actor: CurrentActor, user_id: int) -> JSON:
    """An admin issues a one-time reset link for a clinician or admin login of the clinic."""
    with database(request).transaction() as tx:
        link = access_links.issue_reset(tx, actor, user_id)
    return _delivered(request, link)


@router.put("/users/{user_id}/role", **out(RoleOut))
def set_role(request: Request, actor: CurrentActor, user_id: int, body: RoleIn) -> JSON:
    """An admin makes another login of the clinic a clinician or an admin (ends its sessions)."""
    with database(request).transaction() as tx:
        user_admin.set_user_role(tx, actor, user_id, body.role)
    return {"user_id": user_id, "role": body.role}


@router.post("/patients/{patient_id}/invite", status_code=201, **out(LinkIssuedOut))
def invite_patient(request: Request, actor: CurrentActor, patient_id: int, body: InviteIn) -> JSON:
    """A clinician gives the patient a portal login; the patient sets a password by the link."""
    with database(request).transaction() as tx:
        link = access_links.invite_patient(tx, actor, patient_id, body.email)
    return _delivered(request, link)


@router.post("/patients/{patient_id}/access-link", status_code=201, **out(LinkIssuedOut))
def patient_access_link(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """A clinician makes a new one-time sign-in link for the patient's portal login."""
    with database(request).transaction() as tx:
        link = access_links.issue_patient_link(tx, actor, patient_id)
    return _delivered(request, link)


@router.post("/auth/mfa", **out(MfaStartOut))
def start_mfa(request: Request, actor: CurrentActor) -> JSON:
    """Start TOTP enrolment: a new secret (add it to an authenticator app), then confirm."""
    with database(request).transaction() as tx:
        if credentials.has_totp(tx, actor.user_id):
            raise Conflict("two-factor sign-in is already set up for this login", field="otp")
    secret = credentials.new_totp_secret()
    key = settings(request).signing_key()
    return {
        "secret": secret,
        "uri": credentials.totp_uri(secret, actor.display_name),
        "enrol_token": enrol_token(key, actor.user_id, secret),
    }


@router.post("/auth/mfa/confirm", **out(RecoveryCodesOut))
def confirm_mfa(request: Request, actor: CurrentActor, body: ConfirmIn) -> JSON:
    """Finish TOTP enrolment with a code; returns the one-time recovery codes (shown once)."""
    secret = enrol_secret(settings(request).signing_key(), actor.user_id, body.enrol_token)
    if secret is None:
        raise InvalidInput("the enrolment has expired; start again", field="enrol_token")
    with database(request).transaction() as tx:
        enrolment = credentials.confirm_totp(tx, actor.user_id, secret, body.otp)
    return {"recovery_codes": list(enrolment.recovery_codes)}


@router.put("/clinic/mfa", **out(MfaRequiredOut))
def clinic_mfa(request: Request, actor: CurrentActor, body: ClinicMfaIn) -> JSON:
    """An admin requires (or not) a second factor of every clinician and admin login."""
    with database(request).transaction() as tx:
        credentials.set_clinic_mfa(tx, actor, body.required)
    return {"mfa_required": body.required}
