"""Audit entries: append-only rows of who did what to which record, and when.

An access is recorded in the caller's transaction: the entry is added to the session when the
transaction commits (a ``before_commit`` hook), so it commits together with the use case or
not at all, and so a read-only use case does not hold SQLite's write lock while it runs its
queries (the entry's INSERT and the COMMIT come together at the end). A rolled-back
transaction drops its entries, as before. Readers of the audit table in the same transaction
call :func:`flush_pending` first (``entries_for_patient`` does).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    LargeBinary,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.orm import Session

from runnersknee.store.audit_chain import (
    GENESIS,
    ChainReport,
    link_hash_sql,
    row_tail,
    verify_chain,
)
from runnersknee.store.tables import AuditRow, utcnow

__all__ = [
    "AuditEntry",
    "append_chained",
    "entries_for_patient",
    "flush_pending",
    "record_access",
    "take_denied",
    "take_pending",
    "verify_audit",
    "write_entries",
]

_PENDING = "runnersknee.audit.pending"
#: Denials: kept apart, so a rollback does not drop them (see :func:`take_denied`).
_DENIED = "runnersknee.audit.denied"
_HOOKS_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit line as shown to people."""

    at: datetime
    user_id: int | None
    role: str
    action: str
    record_type: str
    record_id: str | None
    outcome: str


def record_access(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    user_id: int | None,
    role: str,
    action: str,
    record_type: str,
    record_id: str | None,
    patient_id: int | None,
    outcome: str = "allowed",
) -> None:
    """Append one audit entry in the caller's transaction (written when it commits).

    A denial (``outcome="denied"``) is kept apart: it is written when the transaction commits
    too, and when it rolls back the ``Database`` writes it afterwards (:func:`take_denied`).
    """
    row: dict[str, object] = {
        "at": utcnow(),
        "user_id": user_id,
        "role": role,
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "patient_id": patient_id,
        "outcome": outcome,
    }
    key = _DENIED if outcome == "denied" else _PENDING
    pending: list[dict[str, object]] | None = tx.info.get(key)
    if pending is None:
        _install_hooks()
        pending = tx.info[key] = []
    pending.append(row)


def flush_pending(tx: Session) -> None:
    """Write the transaction's pending audit entries now (before reading the audit table)."""
    for key in (_PENDING, _DENIED):
        pending: list[dict[str, object]] | None = tx.info.get(key)
        if pending:
            append_chained(tx.connection(), pending)
            pending.clear()


def take_pending(tx: Session) -> list[dict[str, object]]:
    """Remove the transaction's pending audit entries and return them (none are written).

    For a read whose entries are written by
    :class:`~runnersknee.services.platform.audit_batch.AuditBatcher`
    in a shared commit instead; the caller must write them before it shows the data read.
    """
    return _take(tx, _PENDING)


def take_denied(tx: Session) -> list[dict[str, object]]:
    """Remove the denials recorded in ``tx`` and not yet written; return them.

    For the ``Database`` after ``tx`` rolled back: it writes them in a transaction of its own.
    """
    return _take(tx, _DENIED)


def _take(tx: Session, key: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] | None = tx.info.get(key)
    if not found:
        return []
    taken = list(found)
    found.clear()
    return taken


def write_entries(tx: Session, entries: list[dict[str, object]]) -> None:
    """Insert audit entries taken with :func:`take_pending` (one statement for all)."""
    if entries:
        append_chained(tx.connection(), entries)


#: The values of an audit row that its writer gives (the database gives id and hashes).
_VALUES = ("at", "user_id", "role", "action", "record_type", "record_id", "patient_id", "outcome")
#: PostgreSQL advisory-lock key that serializes audit appends (ids then follow commit order).
_CHAIN_LOCK = 0x726B_4155_4449_54


@cache
def _append_statement(dialect: str) -> Executable:
    """One row's INSERT with its id, the previous row's hash and its own hash (built once).

    The id (SQLite: the highest id + 1, as SQLite would choose; PostgreSQL: the id column's
    sequence) and the newest row's hash are read inside the statement, and the hash of
    ``prev_hash | id | tail`` is computed there (``store.audit_chain.link_hash_sql``).
    """
    table = AuditRow.__table__
    newest = select(AuditRow.row_hash).order_by(AuditRow.id.desc()).limit(1).scalar_subquery()
    if dialect == "postgresql":
        sequence = func.pg_get_serial_sequence(AuditRow.__tablename__, "id")
        next_id: ColumnElement[int] = func.nextval(sequence)
    else:
        next_id = select(func.coalesce(func.max(AuditRow.id), 0) + 1).scalar_subquery()
    head = select(next_id.label("id"), func.coalesce(newest, GENESIS).label("prev")).subquery()
    link = link_hash_sql(dialect, head.c.prev, head.c.id, bindparam("tail", type_=LargeBinary))
    values = [bindparam(name, type_=table.c[name].type) for name in _VALUES]
    source = select(head.c.id, *values, head.c.prev, link)
    return insert(AuditRow).from_select(["id", *_VALUES, "prev_hash", "row_hash"], source)


def append_chained(connection: Connection, rows: list[dict[str, object]]) -> None:
    """Insert audit rows linked into the hash chain (``store.audit_chain``), in order.

    Each row is one execution of :func:`_append_statement` (all rows in one ``executemany``),
    which reads the newest row's hash itself, so that read happens under the writer's lock:
    on SQLite the INSERT takes the database's one write lock before it reads; on PostgreSQL
    an advisory lock, taken first and held to the commit, serializes appends (and the
    INSERT's snapshot, taken after the lock, sees every append committed before).
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    params = [{**row, "tail": row_tail(row).encode()} for row in rows]
    connection.execute(_append_statement(dialect), params)


def _drop_pending(tx: Session, previous_transaction: object) -> None:
    if getattr(previous_transaction, "nested", False):
        return
    pending: list[dict[str, object]] | None = tx.info.get(_PENDING)
    if pending:
        pending.clear()


_HOOKS_INSTALLED: list[bool] = []


def _install_hooks() -> None:
    """Register the session hooks once per process (at the first audited access)."""
    if _HOOKS_INSTALLED:
        return
    with _HOOKS_LOCK:
        if not event.contains(Session, "before_commit", flush_pending):
            event.listen(Session, "before_commit", flush_pending)
            event.listen(Session, "after_soft_rollback", _drop_pending)
        _HOOKS_INSTALLED.append(True)


def entries_for_patient(tx: Session, patient_id: int, limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries about one patient (for reviews; not itself patient data)."""
    flush_pending(tx)
    rows = tx.scalars(
        select(AuditRow)
        .where(AuditRow.patient_id == patient_id)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    return [
        AuditEntry(r.at, r.user_id, r.role, r.action, r.record_type, r.record_id, r.outcome)
        for r in rows
    ]


def verify_audit(tx: Session, batch: int = 5000) -> ChainReport:
    """Recompute the audit hash chain over every row (see ``store.audit_chain``)."""
    columns = [c for c in AuditRow.__table__.c if c.name != "id"]
    query = select(AuditRow.id, *columns).order_by(AuditRow.id).execution_options(yield_per=batch)
    rows = (dict(row._mapping) for row in tx.execute(query))
    return verify_chain(rows)
