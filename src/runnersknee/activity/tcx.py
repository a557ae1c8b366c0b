"""TCX (Garmin Training Center XML) → :class:`Run`, with lxml.

The parser refuses entities and network access (no XXE). Distances come from the laps'
``DistanceMeters`` (fallback: last trackpoint), moving time from the laps' ``TotalTimeSeconds``.
Cadence: ``RunCadence`` (Activity Extension v2) and ``Cadence`` are strides/min of one foot in
Garmin exports, converted once to steps/min.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from lxml import etree

from runnersknee.activity.model import (
    RUNNING_SPORTS,
    NotARun,
    Run,
    RunRecord,
    SourceFormat,
    strides_to_steps_per_min,
)
from runnersknee.clinical.errors import InvalidInput

__all__ = ["parse_tcx"]

_TCD = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
_NS = {"t": _TCD, "x": "http://www.garmin.com/xmlschemas/ActivityExtension/v2"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def _float(node: etree._Element, path: str) -> float | None:
    text = node.findtext(path, namespaces=_NS)
    if text is None or not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _time(text: str | None, source: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{source}: bad TCX time {text!r}", field="Time", got=text) from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"{source}: TCX time {text!r} has no timezone", field="Time", got=text)
    return moment


def _point(node: etree._Element, source: str) -> RunRecord | None:
    moment = _time(node.findtext("t:Time", namespaces=_NS), source)
    if moment is None:
        return None
    cadence = _float(node, "t:Extensions/x:TPX/x:RunCadence")
    if cadence is None:
        cadence = _float(node, "t:Cadence")
    hr = _float(node, "t:HeartRateBpm/t:Value")
    return RunRecord(
        time=moment,
        distance_m=_float(node, "t:DistanceMeters"),
        speed_m_s=_float(node, "t:Extensions/x:TPX/x:Speed"),
        heart_rate_bpm=None if hr is None else int(hr),
        cadence_spm=None if cadence is None else strides_to_steps_per_min(cadence),
        altitude_m=_float(node, "t:AltitudeMeters"),
        latitude_deg=_float(node, "t:Position/t:LatitudeDegrees"),
        longitude_deg=_float(node, "t:Position/t:LongitudeDegrees"),
    )


def _load(data: bytes, source: str) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"{source}: not well-formed XML ({exc})", field="file") from exc
    if etree.QName(root).localname != "TrainingCenterDatabase":
        raise InvalidInput(f"{source}: not a TCX file", field="file", got=root.tag)
    activity = root.find("t:Activities/t:Activity", namespaces=_NS)
    if activity is None:
        raise InvalidInput(f"{source}: TCX file has no activity", field="Activity")
    return activity


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def parse_tcx(data: bytes, *, source: str) -> Run:
    """Parse the first activity of a TCX file."""
    activity = _load(data, source)
    sport = (activity.get("Sport") or "unknown").strip()
    if sport.lower() not in RUNNING_SPORTS:
        raise NotARun(sport.lower(), source)
    laps = activity.findall("t:Lap", namespaces=_NS)
    points = [
        p
        for p in (_point(n, source) for n in activity.iterfind(".//t:Trackpoint", namespaces=_NS))
        if p is not None
    ]
    start = _time(laps[0].get("StartTime") if laps else None, source) or (
        points[0].time if points else _time(activity.findtext("t:Id", namespaces=_NS), source)
    )
    if start is None:
        raise InvalidInput(f"{source}: TCX activity has no start time", field="StartTime")
    lap_time = [v for v in (_float(lap, "t:TotalTimeSeconds") for lap in laps) if v is not None]
    lap_dist = [v for v in (_float(lap, "t:DistanceMeters") for lap in laps) if v is not None]
    span = (points[-1].time - start).total_seconds() if points else 0.0
    distances = [p.distance_m for p in points if p.distance_m is not None]
    heights = [p.altitude_m for p in points if p.altitude_m is not None]
    hrs = [float(p.heart_rate_bpm) for p in points if p.heart_rate_bpm]
    cadences = [p.cadence_spm for p in points if p.cadence_spm]
    creator = activity.findtext("t:Creator/t:Name", namespaces=_NS)
    moving = sum(lap_time) if lap_time else span
    return Run(
        start=start,
        moving_duration_s=moving,
        elapsed_duration_s=max(span, moving),
        distance_m=sum(lap_dist) if lap_dist else (max(distances) if distances else 0.0),
        sport=sport.lower(),
        source=source,
        source_format=SourceFormat.TCX,
        cadence_spm=_mean(cadences),
        heart_rate_avg_bpm=_mean(hrs),
        heart_rate_max_bpm=max(hrs) if hrs else None,
        elevation_gain_m=(
            sum(max(0.0, b - a) for a, b in itertools.pairwise(heights))
            if len(heights) > 1
            else None
        ),
        device=creator.strip() if creator else None,
        records=tuple(points),
    )
