"""CLI: ``runnersknee demo`` (demo clinic + server), ``serve``, ``db upgrade`` / ``db current``."""

from __future__ import annotations

import gc
import os
from datetime import date
from typing import Annotated

import typer
from rich.console import Console

from runnersknee.config import Settings

__all__ = ["register"]

_err = Console(stderr=True, highlight=False)


def _serve(settings: Settings, host: str | None, port: int | None, workers: int = 1) -> None:
    import uvicorn

    from runnersknee.web.app import create_app

    os.umask(0o077)  # files the server writes (uploads, job outputs, SQLite) are owner-only
    if workers > 1:  # uvicorn's supervisor starts the processes; each builds its own app
        uvicorn.run(
            "runnersknee.web.app:create_app",
            factory=True,
            workers=workers,
            host=host or settings.host,
            port=port or settings.port,
            log_level="info",
            loop="asyncio",
            http="httptools",
        )
        return
    app = create_app(settings)
    # Objects built at start-up (app, routes, templates, content) never die: moving them out of
    # the garbage collector's generations shortens its pauses, which set the pages' p99 latency.
    gc.collect()
    gc.freeze()
    # The asyncio loop and the httptools parser, as benchmarks/bench_web.py measures: httptools
    # parses a request with 0.45 M fewer instructions than h11; uvloop saved only 2 % more
    # and showed long stalls under load (docs/web.md, Performance).
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
        loop="asyncio",
        http="httptools",
    )


def upgrade_command() -> None:
    """Apply the database migrations (creates the SQLite file when needed)."""
    from runnersknee.services.platform.database import Database

    settings = Settings()
    database = Database.from_settings(settings)
    revision = database.upgrade()
    database.dispose()
    typer.echo(f"database at revision {revision}")


def current_command() -> None:
    """Print the database's migration revision and the one this code needs."""
    from runnersknee.services.platform.database import Database
    from runnersknee.store.migrate import current_revision, head_revision

    database = Database.from_settings(Settings())
    typer.echo(f"current: {current_revision(database.engine) or 'none'}  head: {head_revision()}")
    database.dispose()


def demo_command(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Create the demo data, then exit.")
    ] = False,
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
) -> None:
    """Migrate the database, create the demo clinic (once), print the logins, serve the app."""
    from runnersknee.bootstrap import bootstrap
    from runnersknee.services.demo import DEMO_LOGINS, seed_demo

    settings = Settings()
    context = bootstrap(settings)
    context.database.upgrade()
    created = seed_demo(context.database, date.today(), context.content)
    context.database.dispose()
    url = f"http://{host or settings.host}:{port or settings.port}/"
    state = "created" if created else "already present"
    typer.echo(f"Demo clinic {state} in {settings.database_url}")
    typer.echo(f"Open {url} and log in as:")
    for login in DEMO_LOGINS:
        typer.echo(f"  {login.role:<10} {login.email:<26} {login.password:<22} {login.who}")
    if not no_serve:
        _serve(settings, host, port)


def serve_command(
    host: Annotated[str | None, typer.Option(help="Listen address.")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port.")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Web processes (one per core is a good start).")
    ] = 1,
) -> None:
    """Serve the clinic app (the database must be migrated: runnersknee db upgrade).

    Settings come from RUNNERSKNEE_* variables; with --workers N each process reads them.
    """
    settings = Settings()
    settings.check_production_safety()
    _serve(settings, host, port, workers)


def register(app: typer.Typer) -> None:
    """Add ``demo``, ``serve`` and the ``db`` group to ``app``."""
    app.command("demo")(demo_command)
    app.command("serve")(serve_command)
    db = typer.Typer(help="Database migrations and backups.", no_args_is_help=True)
    db.command("upgrade")(upgrade_command)
    db.command("current")(current_command)
    from runnersknee.cli.operations import register_db

    register_db(db)
    app.add_typer(db, name="db")
