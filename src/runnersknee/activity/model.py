"""The ``Run`` value every importer (FIT, TCX, GPX) produces, and the skip/duplicate records.

Units live in names: metres, seconds, steps per minute (``_spm``), beats per minute. Cadence is
always steps/min (both feet); files that store strides/min (one foot) are converted once, in
:func:`strides_to_steps_per_min`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "RUNNING_SPORTS",
    "Duplicate",
    "NotARun",
    "Run",
    "RunRecord",
    "SkippedFile",
    "SourceFormat",
    "strides_to_steps_per_min",
]

#: Sport names (lower case, as FIT/TCX/GPX spell them) that count as running.
RUNNING_SPORTS = frozenset(
    {"running", "run", "trail_running", "treadmill_running", "track_running"}
)


def strides_to_steps_per_min(strides_per_min: float, fractional: float | None = 0.0) -> float:
    """FIT (and Garmin TCX/GPX) running cadence is strides/min of one foot: steps = 2 x strides.

    ``fractional`` is FIT's ``fractional_cadence`` (already scaled by 1/128 by the decoder).
    Example (README of tests/data/fit): 83 + 0.671875 strides/min -> 167.34375 steps/min.
    """
    return 2.0 * (float(strides_per_min) + float(fractional or 0.0))


class SourceFormat(StrEnum):
    """The file format a run came from (FIT is preferred when duplicates are merged)."""

    FIT = "fit"
    TCX = "tcx"
    GPX = "gpx"


class NotARun(InvalidInput):
    """The file is a valid activity, but not a run (walk, ride, swim, ...)."""

    code = "not_a_run"

    def __init__(self, sport: str, source: str) -> None:
        super().__init__(
            f"{source}: activity is {sport}, not running",
            field="sport",
            allowed="running",
            got=sport,
        )
        self.sport = sport


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One sample along the run (any value may be missing)."""

    time: datetime
    distance_m: float | None = None
    speed_m_s: float | None = None
    heart_rate_bpm: int | None = None
    cadence_spm: float | None = None
    altitude_m: float | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """One imported run. ``start`` is timezone aware; ``duration_s`` is the moving time."""

    start: datetime
    moving_duration_s: float
    elapsed_duration_s: float
    distance_m: float
    sport: str
    source: str
    source_format: SourceFormat
    cadence_spm: float | None = None
    heart_rate_avg_bpm: float | None = None
    heart_rate_max_bpm: float | None = None
    elevation_gain_m: float | None = None
    device: str | None = None
    sub_sport: str | None = None
    records: tuple[RunRecord, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise InvalidInput(f"{self.source}: start time has no timezone", field="start")
        for name in ("moving_duration_s", "elapsed_duration_s", "distance_m"):
            value = getattr(self, name)
            if not value >= 0:
                raise InvalidInput(
                    f"{self.source}: {name} must be >= 0", field=name, allowed=">= 0", got=value
                )

    @property
    def duration_s(self) -> float:
        """Moving duration (the figure the load rules use)."""
        return self.moving_duration_s

    @property
    def pace_s_per_km(self) -> float | None:
        """Average pace over the moving time, seconds per kilometre."""
        if self.distance_m <= 0 or self.moving_duration_s <= 0:
            return None
        return self.moving_duration_s / self.distance_m * 1000.0

    @property
    def cadence_series_spm(self) -> tuple[float | None, ...]:
        """Per-record cadence in steps/min (``None`` where the record has none)."""
        return tuple(r.cadence_spm for r in self.records)

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (stable keys, documented in docs/running.md)."""
        return {
            "start": self.start.isoformat(),
            "distance_m": round(self.distance_m, 2),
            "duration_s": round(self.moving_duration_s, 3),
            "elapsed_s": round(self.elapsed_duration_s, 3),
            "pace_s_per_km": _round(self.pace_s_per_km, 1),
            "cadence_spm": _round(self.cadence_spm, 2),
            "heart_rate_avg_bpm": _round(self.heart_rate_avg_bpm, 1),
            "elevation_gain_m": _round(self.elevation_gain_m, 1),
            "sport": self.sport,
            "device": self.device,
            "source": self.source,
            "format": self.source_format.value,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file that was not imported, and why (``code`` is the error code)."""

    source: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A run dropped because it is the same run as ``kept_source``."""

    source: str
    kept_source: str
    start: datetime
    distance_m: float
