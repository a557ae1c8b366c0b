"""Accounts: argon2id hashes (capped concurrency), login checks, lock-out, server-side sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Executable, bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput, RunnersKneeError
from runnersknee.services.access.authz import Actor, Role, note_patient_clinic
from runnersknee.services.access.credentials import check_password_policy
from runnersknee.store.tables import AuthSessionRow, ClinicRow, PatientRow, UserRow, utcnow

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "HashingBusy",
    "LoginCheck",
    "LoginPolicy",
    "OpenSession",
    "RateLimited",
    "SessionLimits",
    "actor_for",
    "authenticate",
    "check_login",
    "close_session",
    "create_clinic",
    "create_invited_user",
    "create_user",
    "hash_password",
    "open_session",
    "resolve_session",
    "set_hash_slots",
    "verify_password",
]

#: OWASP ASVS 4.0.3 V2.1.1: at least 12 characters.
MIN_PASSWORD_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TOUCH_EVERY = timedelta(seconds=60)


class RateLimited(RunnersKneeError):
    """Too many requests: try again after ``retry_after`` seconds (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, retry_after=max(1, retry_after))
        self.retry_after = max(1, retry_after)


class HashingBusy(RateLimited):
    """Every password-hashing slot stayed busy: the server is overloaded, try again."""


class _HashSlots:
    """At most ``count`` argon2 computations at once (each takes 64 MiB and a core)."""

    def __init__(self, count: int, wait_seconds: float) -> None:
        self.count = count
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(count)

    def __enter__(self) -> None:
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise HashingBusy(
                "the server is busy checking passwords; try again in a moment", retry_after=2
            )

    def __exit__(self, *exc: object) -> None:
        self._slots.release()


_SLOTS = [_HashSlots(2, 10.0)]


def set_hash_slots(count: int, wait_seconds: float = 10.0) -> None:
    """Allow ``count`` concurrent password hashes (waiting at most ``wait_seconds`` for one)."""
    if _SLOTS[0].count != count or _SLOTS[0].wait_seconds != wait_seconds:
        _SLOTS[0] = _HashSlots(count, wait_seconds)


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's RFC 9106 low-memory profile


@cache
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_hex(16))


def hash_password(password: str, *context: str) -> str:
    """An argon2id hash of ``password`` after the password policy (``context``: the email and
    name of the login, which the password must not be built from)."""
    check_password_policy(password, MIN_PASSWORD_LENGTH, *context)
    return _rehash(password)


def _rehash(password: str) -> str:
    with _SLOTS[0]:
        return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the hash (within the hashing cap)."""
    return _verify(password_hash, password)


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    """Failed attempts allowed before a lock-out, and its length."""

    max_failures: int = 10
    lock_minutes: int = 15


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """Idle and absolute session lifetimes (ASVS 3.3.2: 30 min idle, 12 h absolute)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class OpenSession:
    """A resolved session: who, and the CSRF token bound to it."""

    actor: Actor
    csrf_token: str


def create_clinic(tx: Session, name: str) -> int:
    """Create a clinic and return its id."""
    clinic = ClinicRow(name=name)
    tx.add(clinic)
    tx.flush()
    return clinic.id


def _check_email(email: str) -> str:
    cleaned = email.strip().lower()
    if not _EMAIL.match(cleaned) or len(cleaned) > 254:
        raise InvalidInput("email must look like name@example.org", field="email", got=email)
    return cleaned


def _new_login_email(tx: Session, email: str, display_name: str) -> str:
    """The checked e-mail of a new login; a missing name or a taken e-mail is refused."""
    cleaned = _check_email(email)
    if not display_name.strip():
        raise InvalidInput("name is required", field="display_name")
    if tx.scalar(select(func.count()).where(UserRow.email == cleaned)):
        raise Conflict(f"a user with email {cleaned} already exists", field="email")
    return cleaned


def create_user(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, clinic_id: int, email: str, display_name: str, role: Role, password: str
) -> int:
    """Create a login (no authorization: for set-up, the demo and admin use cases)."""
    cleaned = _new_login_email(tx, email, display_name)
    user = UserRow(
        clinic_id=clinic_id,
        email=cleaned,
        display_name=display_name.strip(),
        role=role.value,
        password_hash=hash_password(password, cleaned, display_name),
    )
    tx.add(user)
    tx.flush()
    return user.id


def create_invited_user(
    tx: Session, clinic_id: int, email: str, display_name: str, role: Role = Role.PATIENT
) -> int:
    """A login whose password nobody knows yet (the invitation link sets it): a patient's
    portal login, or a clinician or admin login an admin creates."""
    user = UserRow(
        clinic_id=clinic_id,
        email=_new_login_email(tx, email, display_name),
        display_name=display_name.strip(),
        role=role.value,
        password_hash=_rehash(secrets.token_urlsafe(32)),
    )
    tx.add(user)
    tx.flush()
    return user.id


def actor_for(tx: Session, user: UserRow) -> Actor:
    """The Actor of a user row (a patient login carries its patient id)."""
    patient_id = None
    if user.role == Role.PATIENT.value:
        patient_id = tx.scalar(select(PatientRow.id).where(PatientRow.user_id == user.id))
    return Actor(user.id, Role(user.role), user.clinic_id, user.display_name, patient_id)


#: ``second_factor(user)``: True (passed), False (a wrong code), None (a code is needed).
SecondFactor = Callable[[UserRow], bool | None]


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """A login's outcome: the actor when it passed, else why not."""

    actor: Actor | None
    user_id: int | None
    needs_second_factor: bool = False


def check_login(
    tx: Session,
    email: str,
    password: str,
    policy: LoginPolicy | None = None,
    second_factor: SecondFactor | None = None,
) -> LoginCheck:
    """Check a password (and, when given, the second factor) of a login.

    A wrong password or code counts against the account (a lock-out after
    ``policy.max_failures``); the caller must COMMIT ``tx`` also when the login failed (see
    ``services.login.log_in``). Unknown emails and locked accounts cost the same hashing
    work as a real check.
    """
    policy = policy or LoginPolicy()
    user = tx.scalar(select(UserRow).where(UserRow.email == email.strip().lower()))
    if user is None or not user.active:
        _verify(_dummy_hash(), password)
        return LoginCheck(None, None if user is None else user.id)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        _verify(_dummy_hash(), password)
        return LoginCheck(None, user.id)
    passed = _verify(user.password_hash, password)
    if passed and second_factor is not None:
        factor = second_factor(user)
        if factor is None:
            return LoginCheck(None, user.id, needs_second_factor=True)
        passed = factor
    if not passed:
        user.failed_logins += 1
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + timedelta(minutes=policy.lock_minutes)
            user.failed_logins = 0
        return LoginCheck(None, user.id)
    user.failed_logins = 0
    user.locked_until = None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _rehash(password)
    return LoginCheck(actor_for(tx, user), user.id)


def authenticate(
    tx: Session, email: str, password: str, policy: LoginPolicy | None = None
) -> Actor:
    """:func:`check_login` that raises on a wrong login (one message for every failure).

    Raising rolls the caller's transaction back, and with it the failed-login counter: the
    web login uses ``services.login.log_in``, which commits first.
    """
    actor = check_login(tx, email, password, policy).actor
    if actor is None:
        raise InvalidInput("email or password is wrong", field="password")
    return actor


def _verify(password_hash: str, password: str) -> bool:
    try:
        with _SLOTS[0]:
            return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(tx: Session, actor: Actor) -> tuple[str, str]:
    """Start a new session (a fresh token at every login); return (cookie token, CSRF token).

    The user's earlier sessions end: logging in again logs the old browser out.
    """
    tx.execute(delete(AuthSessionRow).where(AuthSessionRow.user_id == actor.user_id))
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    tx.add(AuthSessionRow(id=_key(token), user_id=actor.user_id, csrf_token=csrf))
    return token, csrf


def resolve_session(
    tx: Session, token: str, limits: SessionLimits, now: datetime | None = None
) -> OpenSession | None:
    """The live session of ``token``, or ``None`` (unknown, idle too long, too old, inactive)."""
    now = now or utcnow()
    key = {"key": _key(token)}
    lookup, forget, touch = _session_statements()
    connection = tx.connection()
    row = connection.execute(lookup, key).first()
    if row is None:
        return None
    created, seen, csrf, user_id, role, clinic_id, name, active, patient_id, patient_clinic = row
    expired = now - seen > limits.idle or now - created > limits.absolute
    if expired or user_id is None or not active:
        connection.execute(forget, key)
        return None
    if now - seen > _TOUCH_EVERY:
        connection.execute(touch, {**key, "now": now})
    pid = patient_id if role == Role.PATIENT.value else None
    if pid is not None:
        note_patient_clinic(tx, pid, patient_clinic)
    return OpenSession(Actor(user_id, Role(role), clinic_id, name, pid), csrf)


@cache
def _session_statements() -> tuple[Executable, Executable, Executable]:
    """Lookup, delete and touch of a session row, built once (values are bound per call)."""
    key = AuthSessionRow.id == bindparam("key")
    lookup = (
        select(
            AuthSessionRow.created_at,
            AuthSessionRow.last_seen_at,
            AuthSessionRow.csrf_token,
            UserRow.id,
            UserRow.role,
            UserRow.clinic_id,
            UserRow.display_name,
            UserRow.active,
            PatientRow.id,
            PatientRow.clinic_id,
        )
        .outerjoin(UserRow, UserRow.id == AuthSessionRow.user_id)
        .outerjoin(PatientRow, PatientRow.user_id == UserRow.id)
        .where(key)
    )
    now = bindparam("now", type_=AuthSessionRow.__table__.c.last_seen_at.type)
    touch = update(AuthSessionRow).where(key).values(last_seen_at=now)
    return lookup, delete(AuthSessionRow).where(key), touch


def close_session(tx: Session, token: str) -> None:
    """End a session (logout)."""
    tx.execute(delete(AuthSessionRow).where(AuthSessionRow.id == _key(token)))
