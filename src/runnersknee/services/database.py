"""The database handle services work with: one engine, one transaction per use case."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from runnersknee.config import Settings
from runnersknee.services.audit import flush_pending, take_denied, write_entries
from runnersknee.services.unit import CoreUnit
from runnersknee.store.db import is_sqlite, make_engine, make_session_factory
from runnersknee.store.migrate import require_current, upgrade

__all__ = ["Database"]

#: Closed sessions kept for reuse, at most (one per concurrent transaction is enough).
_IDLE_KEPT = 32


class Database:
    """Owns the engine; ``transaction()`` commits on success and rolls back on any error."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = make_engine(url)
        self._sessions = make_session_factory(self.engine)
        #: Closed sessions ready for reuse (list append and pop are atomic).
        self._idle: list[Session] = []
        #: SQLite runs inside this process: a query is CPU work under the GIL (no network
        #: wait), so handing it to a worker thread only adds a thread switch.
        self.in_process = is_sqlite(url)
        #: SQLite: the connection kept for the units of one thread (see :meth:`unit`).
        self._kept: Connection | None = None
        self._kept_owner = 0
        self._kept_busy = False
        self._kept_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database named by ``settings.database_url``."""
        return cls(settings.database_url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: everything inside commits together or not at all.

        Closed sessions are kept for reuse (a session is cheaper to reuse than to build);
        each is used by one transaction at a time and starts empty (``close`` clears its
        objects, and its ``info`` is cleared here). Denials recorded in a transaction that
        rolls back are written afterwards, in a transaction of their own.
        """
        idle = self._idle
        session = idle.pop() if idle else self._sessions()
        try:
            with session.begin():
                yield session
        except BaseException:
            denied = take_denied(session)
            self._release(session)
            self._write_denials(denied)
            raise
        self._release(session)

    def _release(self, session: Session) -> None:
        """Close ``session`` and keep it for reuse."""
        session.close()
        session.info.clear()
        if len(self._idle) < _IDLE_KEPT:
            self._idle.append(session)

    def _write_denials(self, denied: list[dict[str, object]]) -> None:
        """Write the denials of a transaction that rolled back, in a transaction of their own."""
        if denied:
            with self.transaction() as tx:
                write_entries(tx, denied)

    @contextmanager
    def unit(self) -> Iterator[CoreUnit]:
        """A unit of work for Core-only use cases, without an ORM session (cheaper).

        Commits on success and rolls back on any error, like :meth:`transaction`; audit
        entries recorded in it and not taken by the caller are written before the commit,
        and its denials also after a rollback.

        On SQLite the units of one thread (the event loop's, in the web app) reuse one kept
        connection instead of checking one out of the pool and returning it (with its reset)
        every time; a unit of another thread, or one begun inside another, takes a pooled
        connection as before. After any error the kept connection is closed and a new one is
        opened for the next unit, so a failed or invalidated connection is never reused.
        """
        kept = self._take_kept()
        connection = self.engine.connect() if kept is None else kept
        unit = CoreUnit(connection, self.engine)
        try:
            with connection.begin():
                yield unit
                flush_pending(unit)
        except BaseException:
            if kept is not None:  # never reuse a connection that saw an error
                self._kept = None
                kept.close()
            self._write_denials(take_denied(unit))
            raise
        finally:
            if kept is None:
                connection.close()
            else:
                self._kept_busy = False

    def _take_kept(self) -> Connection | None:
        """The kept connection when this thread may use it now (``None``: use the pool)."""
        if not self.in_process:
            return None
        thread = threading.get_ident()
        with self._kept_lock:
            if self._kept_busy or self._kept_owner not in (0, thread):
                return None
            self._kept_owner = thread
            kept = self._kept
            if kept is None:
                kept = self._kept = self.engine.connect()
            self._kept_busy = True
            return kept

    def require_current(self) -> None:
        """Raise NotMigrated (with the command that fixes it) on an old or empty schema."""
        require_current(self.engine)

    def upgrade(self) -> str:
        """Apply all migrations; return the revision reached."""
        return upgrade(self.engine)

    def dispose(self) -> None:
        """Close the kept and the pooled connections."""
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.close()
        self.engine.dispose()
