"""Alembic, driven from code: the migrations ship inside the package (no alembic.ini needed).

Migrations are the only way the schema changes. :func:`require_current` is what the app and
the services call before they touch a database.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from runnersknee.clinical.errors import Conflict

__all__ = [
    "NotMigrated",
    "alembic_config",
    "current_revision",
    "head_revision",
    "ours",
    "require_current",
    "upgrade",
]

UPGRADE_COMMAND = "runnersknee db upgrade"


class NotMigrated(Conflict):
    """The database schema is missing or older than this version of the code."""

    code = "not_migrated"


def ours(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether a database object belongs to our metadata: Procrastinate's tables (PostgreSQL
    job queue, created by migration ``0007_jobs``) are its own and left out of comparisons."""
    del type_, parent_names
    return not (name or "").startswith("procrastinate_")


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` pointing at the packaged migration scripts."""
    config = Config()
    config.set_main_option("script_location", "runnersknee.store:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration this code ships."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        msg = "no migrations found"
        raise NotMigrated(msg)
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` if never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Apply migrations up to ``revision`` on ``engine``; return the revision reached."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    reached = current_revision(engine)
    return reached or ""


def require_current(engine: Engine) -> None:
    """Raise :class:`NotMigrated`, naming the fix, unless the schema is at the head revision."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        where = engine.url.render_as_string(hide_password=True)
        state = "has no schema" if current is None else f"is at revision {current}"
        raise NotMigrated(
            f"The database {where} {state}; this version needs revision {head}. "
            f"Run: {UPGRADE_COMMAND}",
            current=current,
            head=head,
            fix=UPGRADE_COMMAND,
        )
