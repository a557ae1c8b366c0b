"""GPX → :class:`Run`, with gpxpy.

Distance is the 2D track length, moving time from gpxpy's moving-data estimate, elevation gain
from its smoothed uphill sum. Heart rate and cadence come from the Garmin
``TrackPointExtension`` (``hr``, ``cad``); ``cad`` is strides/min of one foot, converted once to
steps/min. A GPX without timestamps is refused (no start time, no duration). A GPX without a
``<type>`` is imported as running (sport ``unspecified``); any other type that is not running
is skipped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from typing import Any

import gpxpy
import gpxpy.gpx

from runnersknee.activity.model import (
    RUNNING_SPORTS,
    NotARun,
    Run,
    RunRecord,
    SourceFormat,
    strides_to_steps_per_min,
)
from runnersknee.clinical.errors import InvalidInput

__all__ = ["parse_gpx"]


def _extension_values(point: gpxpy.gpx.GPXTrackPoint) -> dict[str, float]:
    values: dict[str, float] = {}
    for ext in point.extensions:
        for node in ext.iter():
            name = str(node.tag).rsplit("}", 1)[-1].lower()
            if name in {"hr", "cad"} and node.text:
                try:
                    values[name] = float(node.text)
                except ValueError:
                    continue
    return values


def _aware(moment: datetime) -> datetime:
    """Aware, with a stdlib timezone (gpxpy uses its own tzinfo class); naive = UTC."""
    offset = moment.utcoffset()
    if offset is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(timezone(offset))


def _record(point: gpxpy.gpx.GPXTrackPoint) -> RunRecord | None:
    if point.time is None:
        return None
    ext = _extension_values(point)
    cad = ext.get("cad")
    return RunRecord(
        time=_aware(point.time),
        heart_rate_bpm=int(ext["hr"]) if "hr" in ext else None,
        cadence_spm=None if cad is None else strides_to_steps_per_min(cad),
        altitude_m=point.elevation,
        latitude_deg=point.latitude,
        longitude_deg=point.longitude,
    )


def _load(data: bytes, source: str) -> gpxpy.gpx.GPX:
    try:
        return gpxpy.parse(data.decode("utf-8-sig"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(f"{source}: not a valid GPX file ({exc})", field="file") from exc


def _sport(gpx: gpxpy.gpx.GPX, source: str) -> str:
    types = {str(t.type).strip().lower() for t in gpx.tracks if t.type}
    if not types:
        return "unspecified"
    running = types & RUNNING_SPORTS
    if not running:
        raise NotARun(", ".join(sorted(types)), source)
    return sorted(running)[0]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def parse_gpx(data: bytes, *, source: str) -> Run:
    """Parse all tracks of a GPX file as one run."""
    gpx = _load(data, source)
    sport = _sport(gpx, source)
    points = [p for track in gpx.tracks for seg in track.segments for p in seg.points]
    if not points:
        raise InvalidInput(f"{source}: GPX file has no track points", field="trkpt")
    records = [r for r in (_record(p) for p in points) if r is not None]
    if not records:
        raise InvalidInput(
            f"{source}: GPX track has no timestamps (start time and duration unknown)",
            field="time",
        )
    bounds = gpx.get_time_bounds()
    start = _aware(bounds.start_time or records[0].time)
    end = _aware(bounds.end_time or records[-1].time)
    moving = gpx.get_moving_data()
    uphill: Any = gpx.get_uphill_downhill()
    hrs = [float(r.heart_rate_bpm) for r in records if r.heart_rate_bpm]
    cadences = [r.cadence_spm for r in records if r.cadence_spm]
    has_elevation = any(p.elevation is not None for p in points)
    return Run(
        start=start,
        moving_duration_s=float(moving.moving_time) if moving else (end - start).total_seconds(),
        elapsed_duration_s=(end - start).total_seconds(),
        distance_m=float(gpx.length_2d()),
        sport=sport,
        source=source,
        source_format=SourceFormat.GPX,
        cadence_spm=_mean(cadences),
        heart_rate_avg_bpm=_mean(hrs),
        heart_rate_max_bpm=max(hrs) if hrs else None,
        elevation_gain_m=float(uphill.uphill) if has_elevation else None,
        device=gpx.creator,
        records=tuple(records),
    )
