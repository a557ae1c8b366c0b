"""Builders of small, valid activity files for the tests (FIT via the project's encoder,
GPX via gpxpy's writer, TCX by hand following the TrainingCenterDatabase v2 schema)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import gpxpy.gpx

from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity

__all__ = ["fit_run", "gpx_run", "tcx_activity", "utc"]

TCX_NS = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
TPX_NS = "http://www.garmin.com/xmlschemas/ActivityExtension/v2"


def fit_run(
    start: datetime,
    distance_m: float,
    *,
    seconds: int = 600,
    step_s: int = 5,
    cadence_strides: float | None = 85.5,
    sport: str = "running",
    utc_offset: timedelta = timedelta(0),
    session: bool = True,
) -> bytes:
    """A constant-pace activity of ``distance_m`` over ``seconds``."""
    speed = distance_m / seconds
    records = [
        SyntheticRecord(t, speed * t, speed, 120 + t % 30, cadence_strides, 50 + (t % 60) / 10)
        for t in range(0, seconds + 1, step_s)
    ]
    return encode_activity(
        start, records, sport=sport, utc_offset=utc_offset, session=session,
        avg_cadence_strides=cadence_strides,
    )  # fmt: skip


def tcx_activity(
    start: datetime, distance_m: float, *, sport: str = "Running", seconds: int = 600
) -> bytes:
    """A one-lap TCX with trackpoints every 60 s (RunCadence in strides/min)."""
    points = []
    for t in range(0, seconds + 1, 60):
        moment = (start + timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(
            f"<Trackpoint><Time>{moment}</Time>"
            f"<AltitudeMeters>{100 + t / 60:.1f}</AltitudeMeters>"
            f"<DistanceMeters>{distance_m * t / seconds:.1f}</DistanceMeters>"
            f"<HeartRateBpm><Value>{130 + t // 60}</Value></HeartRateBpm>"
            f'<Extensions><TPX xmlns="{TPX_NS}"><RunCadence>84</RunCadence></TPX></Extensions>'
            "</Trackpoint>"
        )
    stamp = start.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<TrainingCenterDatabase xmlns="{TCX_NS}"><Activities><Activity Sport="{sport}">'
        f'<Id>{stamp}</Id><Lap StartTime="{stamp}"><TotalTimeSeconds>{seconds}'
        f"</TotalTimeSeconds><DistanceMeters>{distance_m}</DistanceMeters>"
        f"<Track>{''.join(points)}</Track></Lap>"
        f"<Creator><Name>Forerunner 255</Name></Creator></Activity></Activities>"
        f"</TrainingCenterDatabase>"
    ).encode()


def gpx_run(
    start: datetime | None,
    *,
    points: int = 11,
    step_deg: float = 0.001,
    activity_type: str | None = "running",
    extensions: bool = True,
) -> bytes:
    """A straight GPX track north along a meridian, one point per minute (gpxpy writer)."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "test-device"
    gpx.nsmap["gpxtpx"] = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    track = gpxpy.gpx.GPXTrack()
    track.type = activity_type
    segment = gpxpy.gpx.GPXTrackSegment()
    for i in range(points):
        point = gpxpy.gpx.GPXTrackPoint(
            latitude=45.0 + i * step_deg,
            longitude=7.0,
            elevation=200.0 + (5.0 if i % 2 else 0.0),
            time=None if start is None else start + timedelta(minutes=i),
        )
        if extensions:
            from xml.etree import ElementTree as ET

            ext = ET.Element(
                "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}TrackPointExtension"
            )
            ET.SubElement(
                ext, "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}hr"
            ).text = "140"
            ET.SubElement(
                ext, "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}cad"
            ).text = "86"
            point.extensions.append(ext)
        segment.points.append(point)
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml().encode()


def utc(year: int, month: int, day: int, hour: int = 7) -> datetime:
    """A UTC moment."""
    return datetime(year, month, day, hour, tzinfo=UTC)
