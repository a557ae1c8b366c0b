"""Login rate limits live in the database: two server instances sharing it share the windows
(issue 18 item 1; they were per process)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from runnersknee.config import Settings
from runnersknee.services.access.accounts import RateLimited
from runnersknee.services.access.login import LoginGuard, LoginLimits
from runnersknee.services.access.rate_limits import SharedWindow
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import RateLimitHitRow, utcnow
from runnersknee.web.app import create_app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def two_databases(url: str) -> Iterator[tuple[Database, Database]]:
    """Two engines on one database, as two server processes have."""
    first, second = Database(url), Database(url)
    yield first, second
    first.dispose()
    second.dispose()


def test_two_instances_share_one_window(two_databases: tuple[Database, Database]) -> None:
    guards = [LoginGuard(db, LoginLimits(per_account=5, per_address=1000)) for db in two_databases]
    email = f"{uuid.uuid4().hex}@x.example"
    for attempt in range(5):
        guards[attempt % 2].admit(email, "10.0.0.1")
    for guard in guards:
        with pytest.raises(RateLimited) as refused:
            guard.admit(email, "10.0.0.2")
        assert 1 <= refused.value.retry_after <= 60


def test_concurrent_attempts_never_pass_the_limit(
    two_databases: tuple[Database, Database],
) -> None:
    windows = [SharedWindow(db, limit=5) for db in two_databases]
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(8) as pool:
        waits = list(pool.map(lambda i: windows[i % 2].hit("address", key), range(24)))
    admitted = waits.count(0)
    assert admitted == 5


def test_the_window_slides_and_refusals_do_not_count(
    two_databases: tuple[Database, Database],
) -> None:
    first, second = (SharedWindow(db, limit=2, seconds=60) for db in two_databases)
    key, start = uuid.uuid4().hex, utcnow()
    assert first.hit("k", key, now=start) == 0
    assert second.hit("k", key, now=start + timedelta(seconds=10)) == 0
    assert first.hit("k", key, now=start + timedelta(seconds=20)) == 40
    assert second.hit("k", key, now=start + timedelta(seconds=30)) == 30
    assert first.hit("k", key, now=start + timedelta(seconds=61)) == 0, "the oldest has left"
    assert second.hit("k", key, now=start + timedelta(seconds=62)) == 8


def test_two_apps_on_one_database_share_the_login_limit(sqlite_url: str) -> None:
    databases = [Database(sqlite_url), Database(sqlite_url)]
    try:
        settings = Settings(database_url=sqlite_url, login_rate_per_account=3)
        clients = [TestClient(create_app(settings, db)) for db in databases]
        body = {"email": "nobody@x.example", "password": "wrong password!"}
        codes = [clients[i % 2].post("/api/v1/auth/login", json=body) for i in range(4)]
        assert [c.status_code for c in codes] == [422, 422, 422, 429]
        assert 1 <= int(codes[3].headers["retry-after"]) <= 60
        assert clients[0].post("/api/v1/auth/login", json=body).status_code == 429
    finally:
        for db in databases:
            db.dispose()


def test_expired_rows_of_every_bucket_are_pruned(two_databases: tuple[Database, Database]) -> None:
    window = SharedWindow(two_databases[0], limit=5, seconds=60)
    start = utcnow() - timedelta(minutes=5)
    keys = [uuid.uuid4().hex for _ in range(3)]
    for key in keys:  # a spray over keys that are never used again
        window.hit("account", key, now=start)
    assert window.prune() >= 3
    with two_databases[1].transaction() as tx:
        left = tx.scalar(
            select(func.count()).where(
                RateLimitHitRow.bucket.in_([SharedWindow.bucket("account", k) for k in keys])
            )
        )
    assert left == 0
