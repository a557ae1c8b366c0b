"""Engines and schema checks. Nothing here runs at import time.

SQLite (the default) gets WAL journaling, enforced foreign keys, a busy timeout and the audit
chain's hash function (``store/audit_chain.py``) on every connection; PostgreSQL is used as
configured by its URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from runnersknee.store.audit_chain import SQLITE_LINK_HASH, sqlite_link_hash

__all__ = ["is_sqlite", "make_engine", "make_session_factory", "sqlite_path"]


def is_sqlite(url: str) -> bool:
    """Whether ``url`` points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file of a file-based SQLite URL (``None`` for memory or another backend)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    del connection_record
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
    dbapi_connection.create_function(SQLITE_LINK_HASH, 3, sqlite_link_hash, deterministic=True)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url``; creates the SQLite file's folder when needed."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (rows are mapped right after)."""
    return sessionmaker(engine, expire_on_commit=False)
