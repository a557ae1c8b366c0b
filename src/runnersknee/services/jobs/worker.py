"""The in-process worker of the embedded default (SQLite): threads of the web process that
claim queued jobs from the ``job`` table.

It has a worker id and a heartbeat like the Procrastinate workers of a PostgreSQL install: at
start and on every idle poll it re-queues only jobs whose worker stopped beating
(:func:`~runnersknee.services.jobs.runner.recover`), so a restart never runs a job twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping

from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.jobs.records import Handler
from runnersknee.services.jobs.runner import Heartbeat, claim_next, new_worker_id, recover, run_job
from runnersknee.services.platform.database import Database

__all__ = ["Worker"]

_log = logging.getLogger(__name__)


class Worker:
    """``Settings.worker_threads`` threads that run queued jobs until :meth:`stop`."""

    def __init__(
        self,
        database: Database,
        settings: Settings,
        handlers: Mapping[str, Handler],
        content: ClinicalContent,
        poll_s: float = 2.0,
    ) -> None:
        self.database, self.settings, self.handlers = database, settings, dict(handlers)
        self.content = content
        self.poll_s = poll_s
        self.worker_id = new_worker_id()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._heartbeat: Heartbeat | None = None

    @property
    def running(self) -> bool:
        """Whether worker threads are alive."""
        return any(t.is_alive() for t in self._threads)

    def start(self) -> None:
        """Start the heartbeat, recover jobs of dead workers, then start the threads."""
        if self.running:
            return
        self._heartbeat = Heartbeat(self.database, self.worker_id, self.settings.job_heartbeat_s)
        self._heartbeat.start()
        self._recover()
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._loop, name=f"runnersknee-job-{n}", daemon=True)
            for n in range(self.settings.worker_threads)
        ]
        for thread in self._threads:
            thread.start()

    def notify(self) -> None:
        """A job was queued: wake an idle thread now instead of at the next poll."""
        self._wake.set()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop taking jobs; a running job is interrupted at its next progress report and
        queued again. Waits up to ``timeout_s`` for the threads."""
        self._stop.set()
        self._wake.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]
        if self._heartbeat is not None:
            self._heartbeat.stop()

    def _recover(self) -> None:
        requeued, failed = recover(self.database, self.settings)
        if requeued or failed:
            _log.warning("jobs of stopped workers: %d re-queued, %d failed", requeued, failed)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = claim_next(self.database, self.worker_id)
                if job_id is not None:
                    run_job(
                        self.database,
                        self.settings,
                        self.handlers,
                        job_id,
                        self.worker_id,
                        self._stop,
                        content=self.content,
                    )
                    continue
                self._recover()
            except Exception:  # noqa: BLE001 - keep the worker alive (database hiccups)
                _log.exception("job worker error")
            self._wake.wait(self.poll_s)
            self._wake.clear()
