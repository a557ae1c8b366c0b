"""CLI: ``runnersknee worker`` runs background jobs (video analyses, run-upload imports) in its
own process."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING, Annotated

import typer

from runnersknee.config import Settings

if TYPE_CHECKING:
    from runnersknee.bootstrap import AppContext

__all__ = ["register"]


def worker_command(
    concurrency: Annotated[
        int, typer.Option(min=1, max=16, help="Jobs this process runs at the same time.")
    ] = 1,
) -> None:
    """Run background jobs until stopped (SIGTERM or Ctrl-C finish cleanly).

    PostgreSQL: a Procrastinate worker (heartbeats, retry of jobs whose worker died, the
    daily inactivity scan and clean-up); run as many as the machines allow. SQLite: the
    embedded worker in this process (the web server runs one already).
    """
    from runnersknee.bootstrap import bootstrap

    settings = Settings()
    settings.check_production_safety()
    context = bootstrap(settings)
    if settings.database_url.startswith("postgresql"):
        from runnersknee.services.job_kinds import JOB_HANDLERS, clean_at_start
        from runnersknee.services.jobs.queue import run_worker

        context.database.dispose()
        run_worker(settings, JOB_HANDLERS, context.content, clean_at_start, concurrency)
        return
    _run_embedded(context, concurrency)


def _run_embedded(context: AppContext, concurrency: int) -> None:
    from runnersknee.services.job_kinds import JOB_HANDLERS, clean_at_start
    from runnersknee.services.jobs.worker import Worker

    settings, database = context.settings, context.database
    database.require_current()
    clean_at_start(database, settings)
    worker = Worker(
        database,
        settings.model_copy(update={"worker_threads": concurrency}),
        JOB_HANDLERS,
        context.content,
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    worker.start()
    typer.echo(f"worker {worker.worker_id}: running jobs of {settings.database_url}", err=True)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        worker.stop()
        database.dispose()


def register(app: typer.Typer) -> None:
    """Add ``worker`` to ``app``."""
    app.command("worker")(worker_command)
