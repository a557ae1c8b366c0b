"""Group commit of read pages' audit entries: one INSERT and COMMIT for many requests.

A page that only reads patient data still owes an audit entry, and writing it in the page's
own transaction makes every read a write transaction (on SQLite, the write lock, a WAL
append and a commit per page view). :class:`AuditBatcher` collects the entries of requests
that arrive together on the event loop and writes them in one transaction; each request
awaits the commit of its batch before it returns, so **no page shows patient data whose
audit entry is not committed**. When the write fails, every request of the batch gets the
error (and shows nothing). Use cases that change data keep their entries in their own
transaction, atomic with the change (:mod:`runnersknee.services.platform.audit`).

Only the event loop touches the batcher's state; the database work runs inline on SQLite
(CPU work in this process) and on a worker thread elsewhere. While one batch is being
written the next one fills up.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import anyio.to_thread

from runnersknee.services.platform.audit import write_entries
from runnersknee.services.platform.database import Database

__all__ = ["JOIN_TURNS", "AuditBatcher"]

#: Event-loop turns a batch stays open once it may be written. A request whose bytes arrive
#: in one turn starts its task in the next and reaches the batcher with its entry; two turns
#: let the requests already received join this commit instead of each opening a small one
#: (under the benchmark's 50 connections batches grew from 12.5 to 50 entries and the today
#: page's server CPU fell from 0.76-0.79 to 0.69-0.75 ms: docs/web.md). The wait is a few
#: callbacks long, and every request still returns only after its batch is committed.
JOIN_TURNS = 2


@dataclass(slots=True)
class _Batch:
    committed: asyncio.Future[None]
    entries: list[dict[str, object]] = field(default_factory=list)


def _consume(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()


class AuditBatcher:
    """Writes audit entries of concurrent read requests in shared transactions."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._open: _Batch | None = None
        self._last: asyncio.Task[None] | None = None
        #: Batches written and entries in them (for tests).
        self.batches = 0
        self.entries = 0

    async def write(self, entries: list[dict[str, object]]) -> None:
        """Return once ``entries`` are committed; raise what the write raised."""
        if not entries:
            return
        batch = self._open
        if batch is None:
            loop = asyncio.get_running_loop()
            committed: asyncio.Future[None] = loop.create_future()
            # Retrieved here too, so a failure that no waiter is left to see is not reported
            # as "never retrieved" (the waiters themselves re-raise it).
            committed.add_done_callback(_consume)
            batch = self._open = _Batch(committed)
            self._last = loop.create_task(self._flush(batch, self._last))
        batch.entries.extend(entries)
        # Shielded: a request cancelled while waiting (client gone) leaves the batch alone.
        await asyncio.shield(batch.committed)

    async def _flush(self, batch: _Batch, previous: asyncio.Task[None] | None) -> None:
        """Write ``batch`` after the previous batch's write (which it fills up meanwhile)."""
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        for _ in range(JOIN_TURNS):  # let requests that have just arrived join this batch
            await asyncio.sleep(0)
        if self._open is batch:
            self._open = None  # later entries open the next batch
        try:
            if self._database.in_process:
                self._write(batch.entries)
            else:
                await anyio.to_thread.run_sync(self._write, batch.entries)
        except Exception as error:  # noqa: BLE001 - every waiting request re-raises it
            batch.committed.set_exception(error)
        except BaseException:
            batch.committed.cancel()
            raise
        else:
            self.batches += 1
            self.entries += len(batch.entries)
            batch.committed.set_result(None)

    def _write(self, entries: list[dict[str, object]]) -> None:
        with self._database.transaction() as tx:
            write_entries(tx, entries)

    async def drain(self) -> None:
        """Wait for the started writes (at shutdown)."""
        last = self._last
        if last is not None and not last.done():
            await asyncio.gather(last, return_exceptions=True)
