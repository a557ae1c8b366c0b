"""The audit hash chain: each row's hash covers its values and the previous row's hash.

``row_hash = SHA-256(prev_hash | id | at | user_id | role | action | record_type | record_id
| patient_id | outcome)``, hex. Changing a row changes its hash; deleting or inserting one
breaks the link of the row after it. :func:`verify_chain` recomputes the whole chain.
The 0004 migration holds a frozen copy of :func:`row_hash` (migrations never import app
code): change both together, or never.

Rows are written with their hash in one statement (``services/platform/audit.append_chained``): the
database assigns the id and reads the previous row's hash inside the INSERT, so the hash of
``prev_hash | id`` is computed there too (:func:`link_hash_sql`) and the rest of the values
(:func:`row_tail`) come from Python. The SQL forms compute exactly :func:`row_hash`
(tests/integration/store/test_audit_chain.py compares them on both databases).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, String, func, literal_column, type_coerce

__all__ = [
    "GENESIS",
    "SQLITE_LINK_HASH",
    "ChainReport",
    "link_hash",
    "link_hash_sql",
    "row_hash",
    "row_tail",
    "sqlite_link_hash",
    "verify_chain",
]

#: The "previous hash" of the first row.
GENESIS = "0" * 64
_FIELDS = ("user_id", "role", "action", "record_type", "record_id", "patient_id", "outcome")


def _text(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def row_tail(values: Mapping[str, object]) -> str:
    """The part of a row's hashed text that follows ``prev_hash | id |``: its values."""
    return "\x1f".join([_text(values["at"]), *(_text(values[f]) for f in _FIELDS)])


def link_hash(prev_hash: str, row_id: int, tail: str) -> str:
    """The hash of the row ``row_id`` after ``prev_hash`` whose values give ``tail``."""
    return hashlib.sha256(f"{prev_hash}\x1f{row_id}\x1f{tail}".encode()).hexdigest()


def row_hash(prev_hash: str, row_id: int, values: Mapping[str, object]) -> str:
    """The hash of one audit row (``values`` holds ``at`` and the fields above)."""
    return link_hash(prev_hash, row_id, row_tail(values))


#: Name of the SQLite function that computes :func:`link_hash` in SQL (registered on every
#: SQLite connection by ``store.db``).
SQLITE_LINK_HASH = "rk_audit_link_hash"


def sqlite_link_hash(prev_hash: str, row_id: int, tail: bytes) -> str:
    """:func:`link_hash` with the tail as UTF-8 bytes (the SQLite function's body)."""
    head = f"{prev_hash}\x1f{row_id}\x1f".encode()
    return hashlib.sha256(head + bytes(tail)).hexdigest()


def link_hash_sql(
    dialect: str,
    prev_hash: ColumnElement[str],
    row_id: ColumnElement[int],
    tail: ColumnElement[bytes],
) -> ColumnElement[str]:
    """:func:`link_hash` as a SQL expression (``tail``: the UTF-8 bytes of :func:`row_tail`).

    PostgreSQL computes it with its own ``sha256`` (PostgreSQL 11 and later); SQLite calls
    :func:`sqlite_link_hash`, registered as :data:`SQLITE_LINK_HASH`.
    """
    if dialect == "sqlite":
        call = getattr(func, SQLITE_LINK_HASH)(prev_hash, row_id, tail)
        return type_coerce(call, String)
    separator = literal_column("chr(31)", String)
    head = func.convert_to(func.concat(prev_hash, separator, row_id, separator), "UTF8")
    digest = func.sha256(head.op("||")(tail))
    return type_coerce(func.encode(digest, "hex"), String)


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What :func:`verify_chain` found: rows checked, the last hash, the first broken row."""

    rows: int
    head: str
    broken_at: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every row matched."""
        return self.broken_at is None


def verify_chain(rows: Iterable[Mapping[str, object]]) -> ChainReport:
    """Recompute the chain over rows in id order (each with id, prev_hash, row_hash, values)."""
    previous = GENESIS
    count = 0
    for row in rows:
        row_id = int(str(row["id"]))
        if row["prev_hash"] != previous:
            return ChainReport(count, previous, row_id, "its link to the previous row is broken")
        if row["row_hash"] != row_hash(previous, row_id, row):
            return ChainReport(count, previous, row_id, "its values were changed")
        previous = str(row["row_hash"])
        count += 1
    return ChainReport(count, previous)
