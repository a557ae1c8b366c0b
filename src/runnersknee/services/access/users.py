"""User management by a clinic's admins (separation of duties) and the operator's first admin.

Admins see and manage clinician and admin logins only (patients' names and emails are
patient data). A login an admin creates gets a one-time set-password link (no admin types
another person's password) and stays inactive and *pending* until a second admin approves it;
every action is audited with its target login.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound
from runnersknee.services.access.access_links import IssuedLink, invite_staff
from runnersknee.services.access.accounts import create_clinic, create_invited_user, create_user
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.platform.audit import record_access
from runnersknee.store.tables import AuthSessionRow, ClinicRow, UserRow, utcnow

__all__ = [
    "UserView",
    "create_first_admin",
    "list_users",
    "manage_create_user",
    "set_user_active",
    "set_user_role",
]


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as listed to an admin (never the hash)."""

    id: int
    email: str
    display_name: str
    role: str
    active: bool
    pending: bool = False
    created_by: int | None = None
    locked: bool = False


def create_first_admin(tx: Session, clinic_name: str, email: str, name: str, password: str) -> int:
    """The first admin of a clinic on a real install (the clinic is created when new)."""
    cleaned = clinic_name.strip()
    if not cleaned:
        raise InvalidInput("the clinic needs a name", field="clinic")
    clinic_id = tx.scalar(select(ClinicRow.id).where(ClinicRow.name == cleaned))
    if clinic_id is None:
        clinic_id = create_clinic(tx, cleaned)
    user_id = create_user(tx, clinic_id, email, name, Role.ADMIN, password)
    record_access(tx, None, "operator", "user.create", "user", str(user_id), None)
    return user_id


def list_users(tx: Session, actor: Actor) -> list[UserView]:
    """The clinician and admin logins of the admin's clinic (never patients: their names and
    emails are patient data)."""
    authorize(tx, actor, "user.manage")
    rows = tx.scalars(
        select(UserRow)
        .where(UserRow.clinic_id == actor.clinic_id, UserRow.role != Role.PATIENT.value)
        .order_by(UserRow.email)
    )
    now = utcnow()
    return [
        UserView(
            r.id, r.email, r.display_name, r.role, r.active, r.pending, r.created_by,
            r.locked_until is not None and r.locked_until > now,
        )
        for r in rows
    ]  # fmt: skip


def manage_create_user(
    tx: Session, actor: Actor, email: str, display_name: str, role: str
) -> IssuedLink:
    """An admin creates a clinician or admin login in their clinic; returns its one-time
    set-password link (an invitation) to hand over. Nobody types the new login's password:
    it starts unguessable and its owner chooses one with the link.

    Separation of duties: the login starts inactive and *pending* until a second admin
    approves it (:func:`set_user_active`), so no admin alone can make a login they can use.
    Audited with its target: ``user.create`` and ``user.invite_issued``.
    """
    authorize(tx, actor, "user.manage")
    allowed = [Role.CLINICIAN.value, Role.ADMIN.value]
    if role not in allowed:
        raise InvalidInput(
            "role must be clinician or admin (patients are added by clinicians)",
            field="role",
            allowed=allowed,
            got=role,
        )
    user_id = create_invited_user(tx, actor.clinic_id, email, display_name, Role(role))
    user = tx.get_one(UserRow, user_id)
    user.active, user.pending, user.created_by = False, True, actor.user_id
    _audit_user(tx, actor, "user.create", user_id)
    return invite_staff(tx, actor, user_id)


def set_user_active(tx: Session, actor: Actor, user_id: int, active: bool) -> None:
    """An admin disables or re-enables a login of their clinic (ends its sessions).

    Enabling a pending login approves it, which only an admin other than its creator may do.
    """
    user = _staff_login(tx, actor, user_id)
    if user.id == actor.user_id and not active:
        raise Conflict("you cannot disable your own login", field="active")
    if active and user.pending and user.created_by == actor.user_id:
        raise Conflict(
            "another admin must approve a login you created (separation of duties)",
            field="active",
        )
    action = "user.disable"
    if active:
        action = "user.approve" if user.pending else "user.enable"
    user.active = active
    if active:  # re-enabling also lifts a lock-out
        user.pending, user.failed_logins, user.locked_until = False, 0, None
    else:
        tx.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id))
    _audit_user(tx, actor, action, user_id)


def _staff_login(tx: Session, actor: Actor, user_id: int) -> UserRow:
    """A clinician or admin login of the admin's clinic (404 for anything else)."""
    authorize(tx, actor, "user.manage")
    user = tx.get(UserRow, user_id)
    if user is None or user.clinic_id != actor.clinic_id or user.role == Role.PATIENT.value:
        raise NotFound(f"user {user_id} does not exist", user_id=user_id)
    return user


def set_user_role(tx: Session, actor: Actor, user_id: int, role: str) -> None:
    """An admin makes another login of the clinic a clinician or an admin (ends its sessions;
    one's own role is not changed here, so a clinic never loses its last admin by mistake)."""
    user = _staff_login(tx, actor, user_id)
    allowed = [Role.CLINICIAN.value, Role.ADMIN.value]
    if role not in allowed:
        raise InvalidInput("role must be clinician or admin", field="role", allowed=allowed)
    if user.id == actor.user_id:
        raise Conflict("another admin must change your own role", field="role")
    if user.role == role:
        return
    user.role = role
    tx.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id))
    _audit_user(tx, actor, f"user.role_{role}", user_id)


def _audit_user(tx: Session, actor: Actor, action: str, target: int) -> None:
    """Audit a user-management action with its target login."""
    record_access(tx, actor.user_id, actor.role.value, action, "user", str(target), None)
