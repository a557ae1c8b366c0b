"""Shared fixtures of the request fast-path tests: the demo clinic and its logins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select

from runnersknee.services.access.accounts import actor_for
from runnersknee.services.access.authz import Actor
from runnersknee.services.demo import seed_demo
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import UserRow
from tests.content import CONTENT


@pytest.fixture
def demo(sqlite_url: str, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The demo clinic, seeded on the test module's ``TODAY`` (or, without one, on the day the
    test starts: a module whose plan is signed with the real clock reads the day then)."""
    database = Database(sqlite_url)
    seed_demo(database, getattr(request.module, "TODAY", None) or date.today(), content=CONTENT)
    yield database
    database.dispose()


def demo_actor(database: Database, email: str) -> Actor:
    """The actor of one login of the database."""
    with database.transaction() as tx:
        return actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == email)).one())
