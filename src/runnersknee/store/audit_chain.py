"""The audit hash chain: each row's hash covers its values and the previous row's hash.

``row_hash = SHA-256(prev_hash | id | at | user_id | role | action | record_type | record_id
| patient_id | outcome)``, hex. Changing a row changes its hash; deleting or inserting one
breaks the link of the row after it. :func:`verify_chain` recomputes the whole chain.
The 0004 migration holds a frozen copy of :func:`row_hash` (migrations never import app
code): change both together, or never.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["GENESIS", "ChainReport", "row_hash", "verify_chain"]

#: The "previous hash" of the first row.
GENESIS = "0" * 64
_FIELDS = ("user_id", "role", "action", "record_type", "record_id", "patient_id", "outcome")


def _text(value: object) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    return str(value)


def row_hash(prev_hash: str, row_id: int, values: Mapping[str, object]) -> str:
    """The hash of one audit row (``values`` holds ``at`` and the fields above)."""
    parts = [prev_hash, str(row_id), _text(values["at"]), *(_text(values[f]) for f in _FIELDS)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


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
