"""One-time access links: a patient's invitation and a password reset.

A link carries a random 256-bit token; only its SHA-256 is stored (``password_reset``), with
its purpose and expiry. Using it sets the login's password once and ends every session.

* **Invite**: a clinician gives a patient a portal login by email, or an admin creates a
  clinician or admin login; the login starts with an unguessable password nobody knows, and
  the invite link (:data:`INVITE_HOURS`) lets its owner choose their own. Nobody types
  another person's password.
* **Reset**: an admin issues one for a clinician or admin login of the clinic, a clinician
  for a patient of the clinic, the operator (CLI) for anyone (:data:`RESET_HOURS`).

A reset does not remove the second factor. Admins never reach patient logins (patient data).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.platform.audit import record_access
from runnersknee.store.tables import AuthSessionRow, PasswordResetRow, PatientRow, UserRow, utcnow

__all__ = [
    "INVITE_HOURS",
    "RESET_HOURS",
    "IssuedLink",
    "LinkTarget",
    "check_link",
    "invite_patient",
    "invite_staff",
    "issue_patient_link",
    "issue_reset",
    "use_link",
]

#: How long a reset link works.
RESET_HOURS = 1
#: How long a patient's invitation works (handed over in clinic or sent by e-mail).
INVITE_HOURS = 72


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """A freshly issued link token (shown or sent once) and whom it is for."""

    token: str
    purpose: str
    hours: int
    email: str
    display_name: str


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """What an unused, unexpired link opens: its purpose and the login's email."""

    purpose: str
    email: str


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(tx: Session, actor: Actor | None, user: UserRow, purpose: str) -> IssuedLink:
    hours = INVITE_HOURS if purpose == "invite" else RESET_HOURS
    token = secrets.token_urlsafe(32)
    tx.add(
        PasswordResetRow(
            id=_key(token),
            user_id=user.id,
            created_by=None if actor is None else actor.user_id,
            purpose=purpose,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    who, role = (None, "operator") if actor is None else (actor.user_id, actor.role.value)
    action = "user.invite_issued" if purpose == "invite" else "user.reset_issued"
    record_access(tx, who, role, action, "user", str(user.id), None)
    return IssuedLink(token, purpose, hours, user.email, user.display_name)


def issue_reset(tx: Session, actor: Actor | None, user_id: int) -> IssuedLink:
    """A reset link for a clinician or admin login of the admin's clinic (None: operator);
    an invitation again for a staff login whose first password was not chosen yet."""
    if actor is not None:
        authorize(tx, actor, "user.manage")
    user = tx.get(UserRow, user_id)
    wrong_clinic = actor is not None and (user is None or user.clinic_id != actor.clinic_id)
    if user is None or wrong_clinic or (actor is not None and user.role == Role.PATIENT.value):
        raise NotFound(f"user {user_id} does not exist", user_id=user_id)
    return _issue(tx, actor, user, "invite" if _still_invited(tx, user.id) else "reset")


def invite_staff(tx: Session, actor: Actor, user_id: int) -> IssuedLink:
    """The first set-password link of a clinician or admin login just created by ``actor``
    (an admin; :func:`~runnersknee.services.access.users.manage_create_user`): nobody types another
    person's password."""
    authorize(tx, actor, "user.manage")
    user = tx.get(UserRow, user_id)
    if user is None or user.clinic_id != actor.clinic_id or user.role == Role.PATIENT.value:
        raise NotFound(f"user {user_id} does not exist", user_id=user_id)
    return _issue(tx, actor, user, "invite")


def _authorized_patient(tx: Session, actor: Actor, patient_id: int) -> PatientRow:
    patient = authorize(tx, actor, "patient.access", patient_id)
    if patient is None:  # pragma: no cover - authorize returns the row for record actions
        raise NotFound(f"patient {patient_id} does not exist")
    return patient


def _patient_login(tx: Session, patient: PatientRow) -> UserRow | None:
    return None if patient.user_id is None else tx.get(UserRow, patient.user_id)


def invite_patient(tx: Session, actor: Actor, patient_id: int, email: str) -> IssuedLink:
    """Give a patient of the clinic a portal login by ``email`` and an invitation link."""
    from runnersknee.services.access.accounts import create_invited_user

    patient = _authorized_patient(tx, actor, patient_id)
    if patient.user_id is not None:
        raise Conflict("this patient already has a portal login", field="email")
    user_id = create_invited_user(tx, actor.clinic_id, email, patient.display_name)
    patient.user_id = user_id
    return _issue(tx, actor, tx.get_one(UserRow, user_id), "invite")


def issue_patient_link(tx: Session, actor: Actor, patient_id: int) -> IssuedLink:
    """A new link for a patient's portal login: an invitation again while the patient has
    not yet chosen a password, else a reset (a clinician of the clinic)."""
    patient = _authorized_patient(tx, actor, patient_id)
    user = _patient_login(tx, patient)
    if user is None:
        raise NotFound("this patient has no portal login yet; invite them first", field="email")
    return _issue(tx, actor, user, "invite" if _still_invited(tx, user.id) else "reset")


def _still_invited(tx: Session, user_id: int) -> bool:
    """Whether the login was invited and no link of it was used yet (no password chosen)."""
    purposes = {
        (purpose, used is not None)
        for purpose, used in tx.execute(
            select(PasswordResetRow.purpose, PasswordResetRow.used_at).where(
                PasswordResetRow.user_id == user_id
            )
        )
    }
    return ("invite", False) in purposes and not any(used for _, used in purposes)


def _live_row(tx: Session, token: str) -> PasswordResetRow:
    row = tx.get(PasswordResetRow, _key(token[:200]))
    now = utcnow()
    expires = row.expires_at if row is not None else None
    if row is not None and expires is None:
        expires = row.created_at + timedelta(hours=RESET_HOURS)
    if row is None or row.used_at is not None or expires is None or now > expires:
        raise InvalidInput(
            "this link is unknown, used or expired; ask for a new one", field="token"
        )
    return row


def check_link(tx: Session, token: str) -> LinkTarget:
    """What a link opens (raises InvalidInput for an unknown, used or expired one)."""
    row = _live_row(tx, token)
    email = tx.scalar(select(UserRow.email).where(UserRow.id == row.user_id)) or ""
    return LinkTarget(row.purpose, email)


def use_link(tx: Session, token: str, new: str) -> None:
    """Set a new password with a link (one use); ends every session of the login."""
    from runnersknee.services.access.accounts import hash_password

    row = _live_row(tx, token)
    user = tx.get_one(UserRow, row.user_id)
    user.password_hash = hash_password(new, user.email, user.display_name)
    user.failed_logins, user.locked_until = 0, None
    row.used_at = utcnow()
    tx.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == user.id))
    action = "auth.invite_accepted" if row.purpose == "invite" else "auth.password_reset"
    record_access(tx, user.id, user.role, action, "user", str(user.id), None)
