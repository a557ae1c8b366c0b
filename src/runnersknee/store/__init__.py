"""The database: engine and sessions, migrations, the hash-chained audit log, JSON mapping.

Table definitions live in ``runnersknee.store.tables``; only ``store`` and ``services`` import
them (an import-linter contract). Names are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names

if TYPE_CHECKING:
    from runnersknee.store.db import is_sqlite, make_engine, make_session_factory
    from runnersknee.store.mapping import to_json
    from runnersknee.store.migrate import (
        NotMigrated,
        current_revision,
        head_revision,
        require_current,
        upgrade,
    )

#: Public name → the module that defines it.
_HOMES = {
    "is_sqlite": "db",
    "make_engine": "db",
    "make_session_factory": "db",
    "NotMigrated": "migrate",
    "current_revision": "migrate",
    "head_revision": "migrate",
    "require_current": "migrate",
    "upgrade": "migrate",
    "to_json": "mapping",
}

__all__ = [
    "NotMigrated",
    "current_revision",
    "head_revision",
    "is_sqlite",
    "make_engine",
    "make_session_factory",
    "require_current",
    "to_json",
    "upgrade",
]

__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
