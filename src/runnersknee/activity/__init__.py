"""Watch files (FIT, GPX, TCX, zip folders) → typed runs, de-duplicated (docs/running.md).

Names are imported on first use, so ``import runnersknee.activity`` loads no parser.

Typical use::

    from runnersknee.activity import import_paths

    result = import_paths([path])   # runs, duplicates and skipped files with reasons
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names

if TYPE_CHECKING:
    from runnersknee.activity.bulk import ImportResult, import_paths
    from runnersknee.activity.dedupe import same_run
    from runnersknee.activity.model import Duplicate, Run, RunRecord, SkippedFile, SourceFormat
    from runnersknee.activity.pain_log import read_pain_log
    from runnersknee.activity.reader import is_activity_name, parse_activity

#: Public name → the module that defines it.
_HOMES = {
    "Duplicate": "model",
    "Run": "model",
    "RunRecord": "model",
    "SkippedFile": "model",
    "SourceFormat": "model",
    "is_activity_name": "reader",
    "parse_activity": "reader",
    "ImportResult": "bulk",
    "import_paths": "bulk",
    "same_run": "dedupe",
    "read_pain_log": "pain_log",
}

__all__ = [
    "Duplicate",
    "ImportResult",
    "Run",
    "RunRecord",
    "SkippedFile",
    "SourceFormat",
    "import_paths",
    "is_activity_name",
    "parse_activity",
    "read_pain_log",
    "same_run",
]

__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
