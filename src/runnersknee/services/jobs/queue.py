"""PostgreSQL installs: jobs delivered by Procrastinate (docs/architecture.md, "Background jobs").

:func:`defer_in` adds the Procrastinate job on the connection of the caller's transaction, so
the ``job`` row, the authorization check's audit entry and the queue entry commit together or
not at all. ``runnersknee worker`` (:func:`run_worker`) runs the task: it claims the ``job``
row (:func:`~runnersknee.services.jobs.runner.claim`) and runs it with a heartbeat. Procrastinate
gives LISTEN/NOTIFY wake-up, worker heartbeats, the retry of jobs whose worker died (checked
every heartbeat by :func:`_retry_stalled`) and the periodic tasks: the daily inactivity scan
and the retention clean-up of finished queue entries.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.jobs.records import Handler
from runnersknee.services.platform.database import Database

__all__ = ["RUN_JOB_TASK", "build_app", "cancel_in", "conninfo", "defer_in", "run_worker"]

#: The Procrastinate task name of "run this row of the job table".
RUN_JOB_TASK = "runnersknee.run_job"
#: Finished queue entries are removed after this many hours (the ``job`` table keeps the record).
QUEUE_RETENTION_HOURS = 30 * 24
#: What a worker cleans at start and daily (upload folders of dead processes and abandoned
#: uploads); the caller wires it (``services/job_kinds.clean_at_start``).
CleanUp = Callable[[Database, Settings], object]
_log = logging.getLogger(__name__)


def conninfo(database_url: str) -> str:
    """The libpq URL of a SQLAlchemy ``postgresql+psycopg://`` URL (options kept)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _deferrer_app() -> Any:
    import procrastinate

    # Never opened: the defer runs on the caller's connection, not on a pool of its own.
    return procrastinate.App(connector=procrastinate.SyncPsycopgConnector())


_DEFERRER: Any = None


def _deferrer() -> Any:
    global _DEFERRER  # noqa: PLW0603 - one stateless deferrer per process, built on first use
    if _DEFERRER is None:
        _DEFERRER = _deferrer_app()
    return _DEFERRER


def defer_in(tx: Session, job_id: int) -> None:
    """Queue the run of job ``job_id`` in the transaction ``tx`` (PostgreSQL)."""
    connection = tx.connection().connection.driver_connection
    _deferrer().configure_task(RUN_JOB_TASK, connection=connection).defer(job_id=job_id)


def cancel_in(tx: Session, job_id: int) -> int:
    """Cancel the queue entries of job ``job_id`` in ``tx``: a waiting one is never fetched, a
    running one is asked to abort. Returns how many entries were cancelled."""
    found = tx.execute(
        text(
            "SELECT id FROM procrastinate_jobs WHERE task_name = :task "
            "AND status IN ('todo', 'doing') AND (args->>'job_id')::int = :job"
        ),
        {"task": RUN_JOB_TASK, "job": job_id},
    ).scalars()
    connection = tx.connection().connection.driver_connection
    manager = _deferrer().job_manager
    return sum(
        bool(manager.cancel_job_by_id(int(queue_id), abort=True, connection=connection))
        for queue_id in found
    )


def build_app(
    settings: Settings,
    database: Database,
    handlers: Mapping[str, Handler],
    worker_id: str | None = None,
    *,
    content: ClinicalContent,
    clean_up: CleanUp,
) -> Any:
    """The Procrastinate app of a worker process: the job task and the periodic tasks.

    ``handlers`` maps a job kind to the function that runs it (the caller wires them, e.g.
    the video analysis); ``worker_id`` names this process in the job rows it runs (its
    heartbeat marks them alive).
    """
    import procrastinate

    from runnersknee.services.jobs.runner import claim_when_free, new_worker_id, run_job

    worker_id = worker_id or new_worker_id()
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(settings.database_url)),
    )

    @app.task(name=RUN_JOB_TASK)
    def run(job_id: int) -> None:
        if claim_when_free(database, settings, job_id, worker_id):
            run_job(database, settings, handlers, job_id, worker_id, content=content)

    @app.periodic(cron="15 6 * * *")
    @app.task(name="runnersknee.inactivity_scan", queueing_lock="inactivity_scan")
    def inactivity_scan(timestamp: int) -> None:
        from runnersknee.services.care.alerts import scan_inactivity_all_clinics

        with database.transaction() as tx:
            added = scan_inactivity_all_clinics(
                tx, date.fromtimestamp(timestamp), settings.inactivity_alert_days
            )
        _log.info("inactivity scan: %d new alerts", added)

    @app.periodic(cron="30 3 * * *")
    @app.task(name="runnersknee.retention_cleanup", queueing_lock="retention_cleanup")
    async def retention_cleanup(timestamp: int) -> None:
        del timestamp
        await app.job_manager.delete_old_jobs(
            nb_hours=QUEUE_RETENTION_HOURS, include_failed=True, include_cancelled=True
        )
        await asyncio.to_thread(clean_up, database, settings)

    return app


async def _retry_stalled(app: Any, settings: Settings) -> None:
    """Every heartbeat: queue again the jobs of workers that stopped beating (killed)."""
    while True:
        await asyncio.sleep(settings.job_heartbeat_s)
        try:
            stalled = await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=settings.job_stale_after_s
            )
            for job in stalled:
                _log.warning("job %s: its worker stopped; queued again", job.id)
                await app.job_manager.retry_job(job)
        except Exception:  # noqa: BLE001 - keep checking after a database hiccup
            _log.exception("stalled-job check failed")


def run_worker(
    settings: Settings,
    handlers: Mapping[str, Handler],
    content: ClinicalContent,
    clean_up: CleanUp,
    concurrency: int = 1,
) -> None:
    """Run a worker process until SIGINT/SIGTERM (``runnersknee worker``)."""
    from runnersknee.services.jobs.runner import Heartbeat, new_worker_id

    database = Database.from_settings(settings)
    database.require_current()
    clean_up(database, settings)
    worker_id = new_worker_id()
    app = build_app(settings, database, handlers, worker_id, content=content, clean_up=clean_up)
    heartbeat = Heartbeat(database, worker_id, settings.job_heartbeat_s)
    heartbeat.start()

    async def main() -> None:
        async with app.open_async():
            checker = asyncio.create_task(_retry_stalled(app, settings))
            try:
                await app.run_worker_async(
                    concurrency=concurrency,
                    update_heartbeat_interval=settings.job_heartbeat_s,
                    stalled_worker_timeout=settings.job_stale_after_s,
                )
            finally:
                checker.cancel()

    try:
        asyncio.run(main())
    finally:
        heartbeat.stop()
        database.dispose()
