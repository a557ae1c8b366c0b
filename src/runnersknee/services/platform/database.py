"""The database handle services work with: one engine, one transaction per use case."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from runnersknee.config import Settings
from runnersknee.services.platform.audit import take_denied, write_entries
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

    def require_current(self) -> None:
        """Raise NotMigrated (with the command that fixes it) on an old or empty schema."""
        require_current(self.engine)

    def upgrade(self) -> str:
        """Apply all migrations; return the revision reached."""
        return upgrade(self.engine)

    def dispose(self) -> None:
        """Close the pooled connections."""
        self.engine.dispose()
