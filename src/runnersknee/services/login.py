"""Logging in: rate limits, the committed lock-out counter, audited outcomes.

:func:`log_in` checks a password in a transaction of its own and commits what the check
changed (the failed-login counter, a lock-out, a rehash) *before* it raises the one
"email or password is wrong" error, so a failure is never rolled back. Every outcome is
audited (``auth.login`` allowed / ``auth.login_failed`` denied).

:class:`LoginGuard` keeps sliding-window counters (``limits``' moving window, in process
memory) per account and per client address; a request above either limit gets
:class:`RateLimited` (HTTP 429 with ``Retry-After``) without any password hashing.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services import accounts
from runnersknee.services.accounts import LoginPolicy, RateLimited
from runnersknee.services.audit import record_access
from runnersknee.services.authz import Actor
from runnersknee.services.database import Database

__all__ = ["LoginGuard", "LoginLimits", "RateLimited", "audit_logout", "log_in"]


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Login attempts allowed per minute (sliding window), per account and per address."""

    per_account: int = 5
    per_address: int = 20


class LoginGuard:
    """Sliding-window login limits per account (email) and per client address."""

    def __init__(self, limits: LoginLimits | None = None) -> None:
        self.limits = limits or LoginLimits()
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._account: RateLimitItem = RateLimitItemPerMinute(self.limits.per_account)
        self._address: RateLimitItem = RateLimitItemPerMinute(self.limits.per_address)

    def admit(self, email: str, address: str) -> None:
        """Count one attempt; raise :class:`RateLimited` when either window is full."""
        account_key = ("account", email.strip().lower()[:254])
        address_key = ("address", address[:64])
        for item, key in ((self._address, address_key), (self._account, account_key)):
            if not self._limiter.hit(item, *key):
                reset = self._limiter.get_window_stats(item, *key).reset_time
                wait = math.ceil(reset - time.time())
                raise RateLimited(
                    "too many login attempts; wait a moment and try again", retry_after=wait
                )


def log_in(database: Database, email: str, password: str, policy: LoginPolicy) -> Actor:
    """The actor of a correct login; a wrong one raises after its counter is committed."""
    with database.transaction() as tx:
        actor, user_id = accounts.check_login(tx, email, password, policy)
        if actor is None:
            record_access(
                tx, user_id, "anonymous", "auth.login_failed", "user", _id(user_id), None, "denied"
            )
        else:
            record_access(
                tx, actor.user_id, actor.role.value, "auth.login", "user", _id(actor.user_id), None
            )
    if actor is None:
        raise InvalidInput("email or password is wrong", field="password")
    return actor


def audit_logout(database: Database, actor: Actor) -> None:
    """Record a logout."""
    with database.transaction() as tx:
        record_access(
            tx, actor.user_id, actor.role.value, "auth.logout", "user", _id(actor.user_id), None
        )


def _id(user_id: int | None) -> str | None:
    return None if user_id is None else str(user_id)
