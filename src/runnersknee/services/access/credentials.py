"""Credentials: the password policy, password change and reset, TOTP second factor.

* Policy (ASVS 2.1): 12 to 128 characters, not one of the 30,000 most common passwords
  of public breaches (the project's data file ``content/data/security/common-passwords.txt``,
  built by ``scripts/build_common_passwords.py``), and a ``zxcvbn`` strength score of at
  least 3 of 4 (no repeats, keyboard walks, or words from the login's email and name).
* A password change needs the current password and ends every session of the login.
* Invitations and reset links: :mod:`runnersknee.services.access.access_links`.
* TOTP (RFC 6238, ``pyotp``): enrolment proves a code of the new secret, then hands out
  :data:`RECOVERY_CODES` one-time recovery codes (stored as SHA-256 hashes).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyotp
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from zxcvbn import zxcvbn

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.platform.audit import record_access
from runnersknee.store.tables import AuthSessionRow, ClinicRow, UserRow

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_STRENGTH",
    "RECOVERY_CODES",
    "Enrolment",
    "check_password_policy",
    "check_second_factor",
    "clinic_requires_mfa",
    "common_passwords",
    "confirm_totp",
    "has_totp",
    "mfa_required",
    "new_totp_secret",
    "set_clinic_mfa",
    "set_password",
    "totp_uri",
]

MAX_PASSWORD_LENGTH = 128
#: zxcvbn score (0-4) a new password must reach.
MIN_STRENGTH = 3
RECOVERY_CODES = 10
_ISSUER = "runnersknee"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common breached passwords (lower case)."""
    entry = resources.files("runnersknee.content") / "data" / "security" / "common-passwords.txt"
    lines = entry.read_text(encoding="utf-8").splitlines()
    return frozenset(line.lower() for line in lines if line and not line.startswith("#"))


def check_password_policy(password: str, min_length: int, *context: str) -> None:
    """Refuse a password that is too short or long, common, or guessable (field password)."""
    if len(password) < min_length:
        raise InvalidInput(
            f"password must have at least {min_length} characters",
            field="password",
            allowed=f">= {min_length} characters",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password"
        )
    if password.lower() in common_passwords():
        raise InvalidInput("this password is on a list of breached passwords", field="password")
    strength = zxcvbn(password[:100], user_inputs=[c for c in context if c])
    if strength["score"] < MIN_STRENGTH:
        hint = strength["feedback"].get("warning") or "it is too easy to guess"
        raise InvalidInput(
            f"choose a harder password: {hint.rstrip('.').lower()}; "
            "a few unrelated words work well",
            field="password",
        )


def _end_sessions(tx: Session, user_id: int) -> None:
    tx.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == user_id))


def set_password(tx: Session, actor: Actor, current: str, new: str) -> None:
    """Change one's own password (the current one is checked); ends every session."""
    from runnersknee.services.access.accounts import hash_password, verify_password

    user = tx.get_one(UserRow, actor.user_id)
    if not verify_password(user.password_hash, current):
        raise InvalidInput("the current password is wrong", field="current_password")
    if new == current:
        raise InvalidInput("choose a new password, not the current one", field="password")
    user.password_hash = hash_password(new, user.email, user.display_name)
    _end_sessions(tx, user.id)
    record_access(tx, actor.user_id, actor.role.value, "auth.password_change", "user",
                  str(actor.user_id), None)  # fmt: skip


def _token_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- TOTP ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A confirmed TOTP enrolment: the recovery codes, shown once."""

    recovery_codes: tuple[str, ...]


def new_totp_secret() -> str:
    """A fresh base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, email: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=_ISSUER)


def confirm_totp(tx: Session, user_id: int, secret: str, code: str) -> Enrolment:
    """Store ``secret`` as the login's second factor once ``code`` proves the app has it."""
    if not pyotp.TOTP(secret).verify(code.strip(), valid_window=1):
        raise InvalidInput("the code does not match; check the app's clock", field="otp")
    user = tx.get_one(UserRow, user_id)
    if user.totp_secret is not None:
        raise Conflict("two-factor sign-in is already set up for this login", field="otp")
    codes = tuple(secrets.token_hex(5) for _ in range(RECOVERY_CODES))
    user.totp_secret = secret
    user.recovery_codes = [_token_key(c) for c in codes]
    record_access(tx, user.id, user.role, "auth.mfa_enrolled", "user", str(user.id), None)
    return Enrolment(codes)


def check_second_factor(user: UserRow, code: str) -> bool:
    """Whether ``code`` is the login's current TOTP code or an unused recovery code (used up)."""
    if user.totp_secret is None:
        return True
    cleaned = code.strip().replace(" ", "")
    if cleaned.isdigit() and pyotp.TOTP(user.totp_secret).verify(cleaned, valid_window=1):
        return True
    hashed = _token_key(cleaned.lower())
    remaining = list(user.recovery_codes or [])
    for stored in remaining:
        if hmac.compare_digest(stored, hashed):
            remaining.remove(stored)
            user.recovery_codes = remaining
            return True
    return False


def mfa_required(tx: Session, user: UserRow) -> bool:
    """Whether the user's clinic requires a second factor of clinicians and admins."""
    if user.role == Role.PATIENT.value:
        return False
    return bool(tx.scalar(select(ClinicRow.mfa_required).where(ClinicRow.id == user.clinic_id)))


def clinic_requires_mfa(tx: Session, clinic_id: int) -> bool:
    """Whether the clinic requires a second factor of its clinicians and admins."""
    return bool(tx.scalar(select(ClinicRow.mfa_required).where(ClinicRow.id == clinic_id)))


def set_clinic_mfa(tx: Session, actor: Actor, required: bool) -> None:
    """An admin requires (or stops requiring) a second factor of the clinic's staff."""
    authorize(tx, actor, "user.manage")
    clinic = tx.get_one(ClinicRow, actor.clinic_id)
    clinic.mfa_required = required
    action = "clinic.mfa_required" if required else "clinic.mfa_optional"
    record_access(tx, actor.user_id, actor.role.value, action, "clinic", str(clinic.id), None)


def has_totp(tx: Session, user_id: int) -> bool:
    """Whether the login already has a TOTP second factor."""
    return tx.scalar(select(UserRow.totp_secret).where(UserRow.id == user_id)) is not None
