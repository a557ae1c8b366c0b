"""FIT (Garmin and others) → :class:`Run`, with fitdecode.

Session values are preferred (what the watch shows); records fill the gaps. Running cadence
in FIT is strides/min of one foot plus ``fractional_cadence``: converted once to steps/min.
The start time keeps the watch's local UTC offset when the ``activity`` message carries
``local_timestamp``; otherwise it is UTC.
"""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import fitdecode

from runnersknee.activity.model import (
    RUNNING_SPORTS,
    NotARun,
    Run,
    RunRecord,
    SourceFormat,
    strides_to_steps_per_min,
)
from runnersknee.clinical.errors import InvalidInput

__all__ = ["parse_fit"]

_SEMICIRCLE_DEG = 180.0 / 2**31
_MESSAGES = frozenset({"file_id", "sport", "session", "record", "activity"})


def _read_messages(data: bytes, source: str) -> dict[str, list[dict[str, Any]]]:
    messages: dict[str, list[dict[str, Any]]] = {name: [] for name in _MESSAGES}
    try:
        with fitdecode.FitReader(
            io.BytesIO(data),
            check_crc=fitdecode.CrcCheck.RAISE,
            error_handling=fitdecode.ErrorHandling.RAISE,
        ) as reader:
            for frame in reader:
                if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name in _MESSAGES:
                    messages[frame.name].append({f.name: f.value for f in frame.fields})
    except fitdecode.FitEOFError as exc:
        raise InvalidInput(
            f"{source}: FIT file is truncated (ends early: {exc})", field="file", got=source
        ) from exc
    except fitdecode.FitHeaderError as exc:
        raise InvalidInput(
            f"{source}: not a valid FIT file (bad header: {exc})", field="file", got=source
        ) from exc
    except fitdecode.FitCRCError as exc:
        raise InvalidInput(
            f"{source}: FIT file is corrupt (CRC mismatch: {exc})", field="file", got=source
        ) from exc
    except (fitdecode.FitError, ValueError, KeyError) as exc:
        raise InvalidInput(
            f"{source}: FIT file cannot be decoded ({exc})", field="file", got=source
        ) from exc
    return messages


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _record(raw: dict[str, Any]) -> RunRecord | None:
    moment = raw.get("timestamp")
    if not isinstance(moment, datetime):
        return None
    cadence = _num(raw.get("cadence"))
    lat, lon = _num(raw.get("position_lat")), _num(raw.get("position_long"))
    hr = _num(raw.get("heart_rate"))
    return RunRecord(
        time=moment,
        distance_m=_num(raw.get("distance")),
        speed_m_s=_num(raw.get("enhanced_speed", raw.get("speed"))),
        heart_rate_bpm=None if hr is None else int(hr),
        cadence_spm=(
            None
            if cadence is None
            else strides_to_steps_per_min(cadence, _num(raw.get("fractional_cadence")))
        ),
        altitude_m=_num(raw.get("enhanced_altitude", raw.get("altitude"))),
        latitude_deg=None if lat is None else lat * _SEMICIRCLE_DEG,
        longitude_deg=None if lon is None else lon * _SEMICIRCLE_DEG,
    )


def _local_zone(messages: dict[str, list[dict[str, Any]]]) -> timezone:
    for activity in messages["activity"]:
        stamp, local = activity.get("timestamp"), activity.get("local_timestamp")
        if isinstance(stamp, datetime) and isinstance(local, datetime):
            offset = local.replace(tzinfo=None) - stamp.replace(tzinfo=None)
            minutes = round(offset.total_seconds() / 900) * 15  # zones are whole quarter hours
            if abs(minutes) <= 14 * 60:
                return timezone(timedelta(minutes=minutes))
    return UTC


def _sport(messages: dict[str, list[dict[str, Any]]]) -> tuple[str, str | None]:
    for name in ("session", "sport"):
        for msg in messages[name]:
            sport = msg.get("sport")
            if sport is not None:
                sub = msg.get("sub_sport")
                return str(sport), None if sub is None else str(sub)
    for rec in messages["record"]:
        if rec.get("activity_type") is not None:
            return str(rec["activity_type"]), None
    return "unknown", None


def _device(messages: dict[str, list[dict[str, Any]]]) -> str | None:
    for msg in messages["file_id"]:
        maker = msg.get("manufacturer")
        product = msg.get("garmin_product", msg.get("product"))
        parts = [str(p) for p in (maker, product) if p is not None]
        if parts:
            return " ".join(parts)
    return None


def _session_cadence(session: dict[str, Any]) -> float | None:
    whole = _num(session.get("avg_running_cadence", session.get("avg_cadence")))
    if whole is None:
        return None
    return strides_to_steps_per_min(whole, _num(session.get("avg_fractional_cadence")))


def _gain(records: list[RunRecord]) -> float | None:
    heights = [r.altitude_m for r in records if r.altitude_m is not None]
    if len(heights) < 2:
        return None
    return sum(max(0.0, b - a) for a, b in itertools.pairwise(heights))


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def parse_fit(data: bytes, *, source: str) -> Run:
    """Decode one FIT activity; raise :class:`NotARun` for other sports, InvalidInput if bad."""
    messages = _read_messages(data, source)
    sport, sub_sport = _sport(messages)
    if sport.lower() not in RUNNING_SPORTS:
        raise NotARun(sport, source)
    records = [r for r in (_record(raw) for raw in messages["record"]) if r is not None]
    session = messages["session"][0] if messages["session"] else {}
    start = session.get("start_time") or (records[0].time if records else None)
    if not isinstance(start, datetime):
        raise InvalidInput(f"{source}: FIT file has no start time", field="start", got=source)
    span = (records[-1].time - records[0].time).total_seconds() if records else 0.0
    elapsed = _num(session.get("total_elapsed_time")) or span
    moving = _num(session.get("total_moving_time")) or _num(session.get("total_timer_time"))
    distances = [r.distance_m for r in records if r.distance_m is not None]
    distance = _num(session.get("total_distance"))
    cadences = [r.cadence_spm for r in records if r.cadence_spm]
    hrs = [float(r.heart_rate_bpm) for r in records if r.heart_rate_bpm]
    ascent = _num(session.get("total_ascent"))
    return Run(
        start=start.astimezone(_local_zone(messages)),
        moving_duration_s=moving if moving is not None else elapsed,
        elapsed_duration_s=elapsed,
        distance_m=distance if distance is not None else (max(distances) if distances else 0.0),
        sport=sport,
        sub_sport=sub_sport,
        source=source,
        source_format=SourceFormat.FIT,
        cadence_spm=_session_cadence(session) or _mean(cadences),
        heart_rate_avg_bpm=_num(session.get("avg_heart_rate")) or _mean(hrs),
        heart_rate_max_bpm=_num(session.get("max_heart_rate")) or (max(hrs) if hrs else None),
        elevation_gain_m=ascent if ascent is not None else _gain(records),
        device=_device(messages),
        records=tuple(records),
    )
