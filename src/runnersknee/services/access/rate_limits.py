"""Sliding-window rate limits kept in the database, so every server process shares them.

One row per counted attempt (``rate_limit_hit``: a SHA-256 of the bucket's key, never an
email or address, and the time). An attempt is counted first, then the window is read; if
it holds more than the limit the attempt is refused and its row removed (a refused attempt
does not count). Rows older than the window are removed as the bucket is used, and every
:data:`PRUNE_EVERY` attempts of a process for all buckets (keys never used again, e.g. a
spray over many emails, leave no rows behind). Attempts on
one bucket are serialised (SQLite's write lock; on PostgreSQL a transaction-level advisory
lock per bucket), so concurrent attempts are never admitted above the limit.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text

from runnersknee.services.platform.database import Database
from runnersknee.store.tables import RateLimitHitRow, utcnow

__all__ = ["PRUNE_EVERY", "SharedWindow"]

#: A process removes expired rows of every bucket once per this many attempts.
PRUNE_EVERY = 200

#: First key of this module's PostgreSQL advisory locks (the second is from the bucket).
_LOCK_CLASS = 0x524B
_LOCK = text("SELECT pg_advisory_xact_lock(:cls, :key)")


class SharedWindow:
    """At most ``limit`` attempts per ``seconds`` for each key (a moving window)."""

    def __init__(self, database: Database, limit: int, seconds: int = 60) -> None:
        self.database = database
        self.limit = limit
        self.window = timedelta(seconds=seconds)
        self._since_prune = 0

    def prune(self, now: datetime | None = None) -> int:
        """Remove the rows older than the window of every bucket; return how many."""
        start = (now or utcnow()) - self.window
        with self.database.transaction() as tx:
            removed = tx.execute(delete(RateLimitHitRow).where(RateLimitHitRow.at <= start))
        return int(getattr(removed, "rowcount", 0) or 0)

    @staticmethod
    def bucket(*key: str) -> str:
        """The stored name of a key (a SHA-256: no email or address is stored)."""
        return hashlib.sha256("\x1f".join(key).encode()).hexdigest()

    def hit(self, *key: str, now: datetime | None = None) -> int:
        """Count one attempt; 0 when admitted, else the seconds until one would be."""
        now = now or utcnow()
        self._since_prune += 1
        if self._since_prune >= PRUNE_EVERY:
            self._since_prune = 0
            self.prune(now)
        bucket = self.bucket(*key)
        start = now - self.window
        with self.database.transaction() as tx:
            if tx.get_bind().dialect.name == "postgresql":
                tx.execute(_LOCK, {"cls": _LOCK_CLASS, "key": int(bucket[:7], 16)})
            tx.execute(
                delete(RateLimitHitRow).where(
                    RateLimitHitRow.bucket == bucket, RateLimitHitRow.at <= start
                )
            )
            row = RateLimitHitRow(bucket=bucket, at=now)
            tx.add(row)
            tx.flush()
            counted = select(func.count(), func.min(RateLimitHitRow.at)).where(
                RateLimitHitRow.bucket == bucket, RateLimitHitRow.at > start
            )
            count, oldest = tx.execute(counted).one()
            if count <= self.limit:
                return 0
            tx.delete(row)
        wait = (oldest + self.window - now).total_seconds() if oldest else 1.0
        return max(1, math.ceil(wait))
