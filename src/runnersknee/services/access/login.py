"""Logging in: rate limits, the committed lock-out counter, audited outcomes.

:func:`log_in` checks a password in a transaction of its own and commits what the check
changed (the failed-login counter, a lock-out, a rehash) *before* it raises the one
"email or password is wrong" error, so a failure is never rolled back. Every outcome is
audited (``auth.login`` allowed / ``auth.login_failed`` denied).

:class:`LoginGuard` keeps sliding-window counters per account and per client address in the
database (:mod:`runnersknee.services.access.rate_limits`), shared by every server process; a
request above either limit gets :class:`RateLimited` (HTTP 429 with ``Retry-After``) without
any password hashing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyotp
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, RunnersKneeError
from runnersknee.services.access import accounts, credentials
from runnersknee.services.access.accounts import LoginPolicy, RateLimited
from runnersknee.services.access.authz import Actor
from runnersknee.services.access.rate_limits import SharedWindow
from runnersknee.services.platform.audit import record_access
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import UserRow

__all__ = [
    "LoginGuard",
    "LoginLimits",
    "LoginResult",
    "RateLimited",
    "SecondFactorNeeded",
    "SecondStep",
    "audit_logout",
    "enrol_secret",
    "enrol_token",
    "log_in",
]

_ENROL_SECONDS = 600


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Login attempts allowed per minute (sliding window), per account and per address."""

    per_account: int = 5
    per_address: int = 20


class LoginGuard:
    """Sliding-window login limits per account (email) and per client address, shared by
    every process using ``database``."""

    def __init__(self, database: Database, limits: LoginLimits | None = None) -> None:
        self.limits = limits or LoginLimits()
        self._account = SharedWindow(database, self.limits.per_account)
        self._address = SharedWindow(database, self.limits.per_address)

    def admit(self, email: str, address: str) -> None:
        """Count one attempt; raise :class:`RateLimited` when either window is full."""
        for window, key in (
            (self._address, ("address", address[:64])),
            (self._account, ("account", email.strip().lower()[:254])),
        ):
            wait = window.hit(*key)
            if wait:
                raise RateLimited(
                    "too many login attempts; wait a moment and try again", retry_after=wait
                )


class SecondFactorNeeded(RunnersKneeError):
    """The password was right; a TOTP code (or a first enrolment) is needed (HTTP 401)."""

    code = "mfa_required"


@dataclass(frozen=True, slots=True)
class LoginResult:
    """A passed login; recovery codes only right after a first TOTP enrolment (shown once)."""

    actor: Actor
    recovery_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SecondStep:
    """What the login sent for the second factor, and the key that signs enrolments."""

    otp: str = ""
    enrol_token: str = ""
    signing_key: str = ""


def _enrol_signer(key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key or "unsigned", salt="mfa-enrol")


def enrol_token(key: str, user_id: int, secret: str) -> str:
    """A signed, 10-minute token carrying a TOTP secret being enrolled for ``user_id``."""
    return _enrol_signer(key).dumps({"u": user_id, "s": secret})


def enrol_secret(key: str, user_id: int, token: str) -> str | None:
    """The secret of an enrolment token issued for ``user_id`` (None: forged or expired)."""
    try:
        data = _enrol_signer(key).loads(token, max_age=_ENROL_SECONDS)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("u") != user_id:
        return None
    secret = data.get("s")
    return secret if isinstance(secret, str) else None


class _Factor:
    """The second-factor check of one login attempt (see ``accounts.SecondFactor``)."""

    def __init__(self, tx: Session, step: SecondStep) -> None:
        self.tx, self.step = tx, step
        self.enrol_needed = False
        self.codes: tuple[str, ...] = ()

    def __call__(self, user: UserRow) -> bool | None:
        otp = self.step.otp.strip()
        if user.totp_secret is not None:
            return credentials.check_second_factor(user, otp) if otp else None
        if not credentials.mfa_required(self.tx, user):
            return True
        secret = enrol_secret(self.step.signing_key, user.id, self.step.enrol_token)
        if secret is None or not otp:
            self.enrol_needed = True
            return None
        if not pyotp.TOTP(secret).verify(otp, valid_window=1):
            return False
        self.codes = credentials.confirm_totp(self.tx, user.id, secret, otp).recovery_codes
        return True


def log_in(
    database: Database,
    email: str,
    password: str,
    policy: LoginPolicy,
    step: SecondStep | None = None,
) -> LoginResult:
    """The actor of a correct login; a wrong one raises after its counter is committed.

    Logins with a TOTP factor, and clinicians and admins of a clinic that requires one, need
    ``step.otp``; without it :class:`SecondFactorNeeded` is raised (carrying a new secret to
    enrol when the login has none yet).
    """
    step = step or SecondStep()
    with database.transaction() as tx:
        factor = _Factor(tx, step)
        check = accounts.check_login(tx, email, password, policy, factor)
        actor, user_id = check.actor, check.user_id
        if actor is not None:
            record_access(
                tx, actor.user_id, actor.role.value, "auth.login", "user", _id(actor.user_id), None
            )
        elif not check.needs_second_factor:
            record_access(
                tx, user_id, "anonymous", "auth.login_failed", "user", _id(user_id), None, "denied"
            )
    if check.needs_second_factor and user_id is not None:
        raise _second_factor_needed(step, user_id, email, factor.enrol_needed)
    if actor is None:
        raise InvalidInput("email or password is wrong", field="password")
    return LoginResult(actor, factor.codes)


def _second_factor_needed(
    step: SecondStep, user_id: int, email: str, enrol: bool
) -> SecondFactorNeeded:
    if not enrol:
        return SecondFactorNeeded("enter the 6-digit code of your authenticator app", enrol=False)
    secret = credentials.new_totp_secret()
    return SecondFactorNeeded(
        "your clinic requires two-factor sign-in: add this key to an authenticator app and "
        "enter its 6-digit code",
        enrol=True,
        secret=secret,
        uri=credentials.totp_uri(secret, email.strip().lower()),
        enrol_token=enrol_token(step.signing_key, user_id, secret),
    )


def audit_logout(database: Database, actor: Actor) -> None:
    """Record a logout."""
    with database.transaction() as tx:
        record_access(
            tx, actor.user_id, actor.role.value, "auth.logout", "user", _id(actor.user_id), None
        )


def _id(user_id: int | None) -> str | None:
    return None if user_id is None else str(user_id)
