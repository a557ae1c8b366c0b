"""The statements of one today-page view, counted: the page's speed target (docs/web.md) rests
on them, so a new read in the page's path fails here instead of silently in the benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import event

from runnersknee.config import Settings
from runnersknee.services.platform.database import Database
from runnersknee.web.app import create_app
from tests.web.conftest import page_login


@contextmanager
def _counted(database: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database while the block runs (first word, upper)."""
    sent: list[str] = []

    def note(*args: object) -> None:
        sent.append(str(args[2]).split(None, 1)[0].upper())

    event.listen(database.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(database.engine, "before_cursor_execute", note)


def _client(database: Database, email: str) -> TestClient:
    app = create_app(Settings(database_url=database.url), database)
    today = date.today()  # read now: the demo plan is signed with the real clock
    app.state.clock = lambda: today
    client = TestClient(app)
    page_login(client, email, "demo-patient-pass")
    return client


def _statements_of_a_view(database: Database, email: str) -> list[str]:
    client = _client(database, email)
    assert client.get("/me").status_code == 200  # the plan version's first view parses it
    with _counted(database) as sent:
        response = client.get("/me")
    assert response.status_code == 200
    return sent


def test_a_today_page_view_takes_five_statements(demo: Database) -> None:
    """The session, the current episode (shared by the view and the safety gate, with the
    intake's level, the clinic and the morning baseline), the day's sets, the pain history
    since the plan's sign-off, and the audit entry."""
    sent = _statements_of_a_view(demo, "midplan@demo.example")
    assert sent == ["SELECT", "SELECT", "SELECT", "SELECT", "INSERT"], sent


def test_a_red_flag_today_page_reads_the_triage_for_the_page_and_the_gate(
    demo: Database,
) -> None:
    """No plan to read; the triage (the page's stop text and the gate's reasons) twice."""
    sent = _statements_of_a_view(demo, "redflag@demo.example")
    assert sent == ["SELECT", "SELECT", "SELECT", "SELECT", "INSERT"], sent
