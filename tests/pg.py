"""Test helper: a fresh, migrated PostgreSQL schema of its own, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


@contextmanager
def pg_schema(base_url: str, prefix: str = "rk_test") -> Iterator[str]:
    """Create schema ``<prefix>_<random>``, migrate it and yield its URL; drop it at the end."""
    from runnersknee.store.db import make_engine
    from runnersknee.store.migrate import upgrade

    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{base_url}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
