"""Read pages' audit entries are group-committed: concurrent requests share one INSERT and
COMMIT, each page waits for its entry's commit, and a failed write shows no patient data."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, func, select

from runnersknee.config import Settings
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.audit_batch import AuditBatcher
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import AuditRow
from runnersknee.web.app import create_app
from tests.content import CONTENT

TODAY = date(2026, 3, 2)


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[FastAPI, Database]]:
    database = Database(sqlite_url)
    seed_demo(database, TODAY, content=CONTENT)
    app = create_app(Settings(database_url=sqlite_url), database)
    app.state.clock = lambda: TODAY
    yield app, database
    database.dispose()


def _reads(database: Database) -> int:
    with database.transaction() as tx:
        count = tx.scalar(select(func.count()).where(AuditRow.action == "patient.read"))
    return int(count or 0)


async def _login(client: httpx.AsyncClient) -> None:
    sent = {"email": "midplan@demo.example", "password": "demo-patient-pass"}
    response = await client.post("/api/v1/auth/login", json=sent)
    assert response.status_code == 200, response.text


def _client(app: FastAPI) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.mark.parametrize("in_process", [True, False], ids=["inline", "worker-thread"])
def test_concurrent_pages_share_audit_commits(
    site: tuple[FastAPI, Database], in_process: bool
) -> None:
    app, database = site
    database.in_process = in_process
    batcher: AuditBatcher = app.state.audit_batcher
    before = _reads(database)

    async def scenario() -> list[httpx.Response]:
        async with _client(app) as client:
            await _login(client)
            return list(await asyncio.gather(*(client.get("/me") for _ in range(20))))

    pages = asyncio.run(scenario())
    assert [p.status_code for p in pages] == [200] * 20
    assert all("Your exercises" in p.text for p in pages)
    assert _reads(database) == before + 20  # one entry per page view, none lost
    assert 1 <= batcher.batches < 20  # ... written in fewer commits than pages
    assert batcher.entries == 20


def test_a_failed_audit_write_shows_no_page(site: tuple[FastAPI, Database]) -> None:
    app, database = site

    def refuse_audit(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        del conn, cursor, args
        if statement.lstrip().upper().startswith("INSERT INTO AUDIT"):
            raise RuntimeError("disk full")

    async def scenario() -> tuple[httpx.Response, httpx.Response]:
        async with _client(app) as client:
            await _login(client)
            first = await client.get("/me")
            event.listen(database.engine, "before_cursor_execute", refuse_audit)
            try:
                failed = await client.get("/me")
            finally:
                event.remove(database.engine, "before_cursor_execute", refuse_audit)
            return first, failed

    before = _reads(database)
    first, failed = asyncio.run(scenario())
    assert first.status_code == 200
    assert "Your exercises" in first.text
    assert failed.status_code == 500
    assert "Your exercises" not in failed.text
    assert "Sam" not in failed.text
    assert _reads(database) == before + 1


def test_the_batcher_writes_nothing_for_no_entries(site: tuple[FastAPI, Database]) -> None:
    app, _database = site
    batcher: AuditBatcher = app.state.audit_batcher
    asyncio.run(batcher.write([]))
    assert batcher.batches == 0
