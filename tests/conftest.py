"""Shared fixtures: migrated databases (SQLite file per test; PostgreSQL schema per run)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Seeded, deadline-free property tests: the same examples on every run (reproducible CI), and no
# flaky failures when two cores are shared (a slow example is not a wrong one).
settings.register_profile(
    "runnersknee",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("runnersknee")

PG_SERVER = "postgresql+psycopg://{user}@127.0.0.1:5432/test"


def _pg_base_url() -> str | None:
    """A URL of the local test server (user postgres, else root), or None when it is down."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    for user in ("postgres", "root"):
        url = PG_SERVER.format(user=user)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                connection.execute(text("select 1"))
        except OperationalError:
            continue
        finally:
            engine.dispose()
        return url
    return None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL schema for this test run (dropped afterwards)."""
    from tests.pg import pg_schema

    base = _pg_base_url()
    if base is None:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is not reachable (needed by postgres tests)")
    with pg_schema(base) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: pytest.TempPathFactory) -> str:
    """A migrated SQLite file in the test's temporary folder."""
    from runnersknee.store.db import make_engine
    from runnersknee.store.migrate import upgrade

    url = f"sqlite:///{tmp_path}/runnersknee-test.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url
