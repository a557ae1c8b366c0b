"""CLI for operators: ``audit verify``, ``db backup`` / ``db restore``, ``admin create``."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings

__all__ = ["AUDIT_BROKEN_EXIT", "register", "register_db"]

#: Exit code of ``audit verify`` when the chain is broken.
AUDIT_BROKEN_EXIT = 8

_PG_GUIDANCE = (
    "PostgreSQL: back up with pg_dump, e.g.\n"
    '  pg_dump --format=custom --file=runnersknee.dump "$DATABASE"\n'
    "and restore into an empty database with\n"
    '  pg_restore --clean --if-exists --dbname="$DATABASE" runnersknee.dump\n'
    "(see docs/security.md, Backups)."
)


def verify_command() -> None:
    """Recompute the audit hash chain; exit 8 naming the first changed or missing row."""
    from runnersknee.services.platform.audit import verify_audit
    from runnersknee.services.platform.database import Database

    database = Database.from_settings(Settings())
    try:
        with database.transaction() as tx:
            report = verify_audit(tx)
    finally:
        database.dispose()
    if not report.ok:
        typer.echo(
            f"audit chain BROKEN at row {report.broken_at}: {report.problem} "
            f"({report.rows} rows before it verified)",
            err=True,
        )
        raise typer.Exit(AUDIT_BROKEN_EXIT)
    typer.echo(f"audit chain intact: {report.rows} rows, head {report.head}")


def _sqlite_file(settings: Settings) -> Path:
    from runnersknee.store.db import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is None:
        raise InvalidInput(_PG_GUIDANCE, field="database_url")
    return path


def backup_command(
    target: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
) -> None:
    """Copy the SQLite database with SQLite's online backup API (safe while serving)."""
    source = _sqlite_file(Settings())
    if target.exists():
        raise InvalidInput(f"{target} already exists; choose a new file", field="target")
    with sqlite3.connect(source) as live, sqlite3.connect(target) as copy:
        live.backup(copy)
    copy.close()
    live.close()
    target.chmod(0o600)
    typer.echo(f"backed up {source} to {target}")


def restore_command(
    backup: Annotated[Path, typer.Argument(help="A file written by `runnersknee db backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Replace the current database.")] = False,
) -> None:
    """Replace the SQLite database with a backup (stop the server first)."""
    target = _sqlite_file(Settings())
    if not backup.is_file():
        raise InvalidInput(f"{backup} does not exist", field="backup")
    with sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as source:
        check = source.execute("PRAGMA integrity_check").fetchone()
        has_schema = source.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()
    source.close()
    if check != ("ok",) or has_schema != (1,):
        raise InvalidInput(f"{backup} is not a sound runnersknee backup", field="backup")
    if not yes:
        raise InvalidInput("restore replaces the current database: add --yes", field="yes")
    with (
        sqlite3.connect(f"file:{backup}?mode=ro", uri=True) as source,
        sqlite3.connect(target) as live,
    ):
        source.backup(live)
    source.close()
    live.close()
    typer.echo(f"restored {target} from {backup}")


def admin_create_command(
    clinic: Annotated[str, typer.Option(help="The clinic's name (created when new).")],
    email: Annotated[str, typer.Option(help="The admin's login email.")],
    name: Annotated[str, typer.Option(help="The admin's display name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a clinic's first admin login on a real install (no demo data)."""
    from runnersknee.services.access.users import create_first_admin
    from runnersknee.services.platform.database import Database

    database = Database.from_settings(Settings())
    try:
        database.require_current()
        with database.transaction() as tx:
            user_id = create_first_admin(tx, clinic, email, name, password)
    finally:
        database.dispose()
    typer.echo(f"admin login {email} created (user {user_id}) in clinic {clinic!r}")


def register(app: typer.Typer) -> None:
    """Add the ``audit`` and ``admin`` groups to ``app``."""
    audit = typer.Typer(help="The tamper-evident audit.", no_args_is_help=True)
    audit.command("verify")(verify_command)
    app.add_typer(audit, name="audit")
    admin = typer.Typer(help="Logins of a real install.", no_args_is_help=True)
    admin.command("create")(admin_create_command)
    app.add_typer(admin, name="admin")


def register_db(db: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``db`` group."""
    db.command("backup")(backup_command)
    db.command("restore")(restore_command)
