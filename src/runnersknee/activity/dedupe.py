"""Drop the same run uploaded twice (or as FIT and GPX): same start and distance.

Two runs are the same when their starts are within :data:`START_TOLERANCE_S` seconds and their
distances within :data:`DISTANCE_TOLERANCE_FRACTION` (or :data:`DISTANCE_TOLERANCE_M`, whichever
is larger). The richer file is kept: FIT, then TCX, then GPX; ties keep the first seen.
These tolerances are design choices (KB-RUNNING-DESIGN, unverified).
"""

from __future__ import annotations

from collections.abc import Sequence

from runnersknee.activity.model import Duplicate, Run, SourceFormat

__all__ = [
    "DISTANCE_TOLERANCE_FRACTION",
    "DISTANCE_TOLERANCE_M",
    "START_TOLERANCE_S",
    "dedupe",
    "same_run",
]

START_TOLERANCE_S = 120.0
DISTANCE_TOLERANCE_FRACTION = 0.03
DISTANCE_TOLERANCE_M = 50.0
_PREFERENCE = {SourceFormat.FIT: 0, SourceFormat.TCX: 1, SourceFormat.GPX: 2}


def same_run(a: Run, b: Run) -> bool:
    """True when ``a`` and ``b`` are the same run recorded in two files."""
    if abs((a.start - b.start).total_seconds()) > START_TOLERANCE_S:
        return False
    longer = max(a.distance_m, b.distance_m)
    tolerance = max(DISTANCE_TOLERANCE_M, DISTANCE_TOLERANCE_FRACTION * longer)
    return abs(a.distance_m - b.distance_m) <= tolerance


def dedupe(runs: Sequence[Run]) -> tuple[list[Run], list[Duplicate]]:
    """Unique runs in start order, and the duplicates that were dropped."""
    ranked = sorted(enumerate(runs), key=lambda item: (_PREFERENCE[item[1].source_format], item[0]))
    kept: list[Run] = []
    buckets: dict[int, list[Run]] = {}
    dropped: list[Duplicate] = []
    for _, run in ranked:
        key = int(run.start.timestamp() // START_TOLERANCE_S)
        near = [k for b in (key - 1, key, key + 1) for k in buckets.get(b, [])]
        twin = next((k for k in near if same_run(k, run)), None)
        if twin is None:
            kept.append(run)
            buckets.setdefault(key, []).append(run)
        else:
            dropped.append(Duplicate(run.source, twin.source, run.start, run.distance_m))
    kept.sort(key=lambda r: r.start)
    dropped.sort(key=lambda d: d.start)
    return kept, dropped
