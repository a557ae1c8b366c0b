"""FIT (Garmin and others) → :class:`Run`, with fitdecode.

Session values are preferred (what the watch shows); records fill the gaps. Running cadence
in FIT is strides/min of one foot plus ``fractional_cadence``: converted once to steps/min.
The start time keeps the watch's local UTC offset when the ``activity`` message carries
``local_timestamp``; otherwise it is UTC.
"""

from __future__ import annotations

import array
import itertools
import struct
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
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

__all__ = ["DECODE_ERRORS", "fit_crc16", "parse_fit"]

#: What fitdecode's own consistency checks raise on damaged data (each becomes InvalidInput).
DECODE_ERRORS = (
    fitdecode.FitError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    AssertionError,
    struct.error,
)

_SEMICIRCLE_DEG = 180.0 / 2**31
_MESSAGES = frozenset({"file_id", "sport", "session", "record", "activity"})
#: FIT time zero (1989-12-31 UTC); ``date_time`` values below 0x10000000 are seconds since the
#: device was switched on, not a date (the FIT profile; fitdecode's default processor agrees).
_FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_FIT_DATETIME_MIN = 0x10000000
_NUMBERS = (int, float)
_BYTE_TYPE_ID = fitdecode.types.BASE_TYPE_BYTE.identifier
#: The batched reader is used with the fitdecode versions it was checked against; any other
#: version falls back to fitdecode's plain reader (same results, slower).
_FAST_READER = fitdecode.__version__.startswith(("0.10.", "0.11.")) and all(
    hasattr(fitdecode.FitReader, name)
    for name in ("_read_bytes", "_read_data_message", "_read_data_message_raw_values")
)


@cache
def _crc_tables() -> tuple[list[int], list[int]]:
    """CRC-16 tables (FIT: polynomial 0x8005 reflected, start 0) for one and two bytes."""
    one = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        one.append(crc)
    # two bytes at a time: the 16-bit register XOR the next little-endian word indexes it
    two = [(one[x & 0xFF] >> 8) ^ one[((x >> 8) ^ one[x & 0xFF]) & 0xFF] for x in range(65536)]
    return one, two


def fit_crc16(data: bytes | memoryview, crc: int = 0) -> int:
    """The FIT CRC-16 of ``data`` (two bytes per step; same value as the FIT SDK's)."""
    one, two = _crc_tables()
    even = len(data) & ~1
    words = array.array("H")
    words.frombytes(data[:even])
    if sys.byteorder == "big":
        words.byteswap()
    for word in words:
        crc = two[crc ^ word]
    if even != len(data):
        crc = (crc >> 8) ^ one[(crc ^ data[-1]) & 0xFF]
    return crc


class _MessageAtOnceReader(fitdecode.FitReader):  # type: ignore[misc]
    """fitdecode's reader reading each data message's bytes in one go.

    fitdecode reads and unpacks a data message field by field, building a ``struct.Struct``
    for every field of every message (about 1 in 3 of its time on a run file). This subclass
    replaces only that innermost step: one cached ``Struct`` per definition message, one read
    and one unpack per message, then each field's value split and scrubbed exactly as
    fitdecode does (``base_type.parse``: invalid values become None). Definitions, components,
    sub-fields, scale/offset, enums and accumulation stay fitdecode's. Used only with the
    fitdecode versions it was written against (:data:`_FAST_READER`); the results are the
    same as the plain reader's (tests/unit/activity/test_fit_speed.py).
    """

    def __init__(self, data: bytes, **options: Any) -> None:
        super().__init__(data, **options)
        self._plans: dict[Any, tuple[struct.Struct, list[tuple[int, Any, bool]]] | None] = {}

    def _read_bytes(self, size: int) -> bytes:
        if size <= 0:
            raise ValueError("size")
        chunk: bytes = self._fd.read(size)
        got = len(chunk)
        if got != size:
            raise fitdecode.FitEOFError(size, got, self._read_offset)
        if self.check_crc is not fitdecode.CrcCheck.DISABLED:
            self._crc = fitdecode.utils.compute_crc(chunk, crc=self._crc)  # type: ignore[has-type]
        self._chunk_size += got
        self._read_offset += got
        self._read_size += got
        return chunk

    def _plan(self, def_mesg: Any) -> tuple[struct.Struct, list[tuple[int, Any, bool]]] | None:
        if def_mesg in self._plans:
            return self._plans[def_mesg]
        fmt, parts = def_mesg.endian, []
        plan: tuple[struct.Struct, list[tuple[int, Any, bool]]] | None = None
        for field_def in def_mesg.all_field_defs:
            base = field_def.base_type
            count = int(field_def.size / base.size)
            if count <= 0:  # fitdecode raises on such a field: let it
                break
            fmt += f"{count}{base.fmt}"
            values = 1 if base.fmt == "s" else count
            parts.append((values, base, base.identifier == _BYTE_TYPE_ID))
        else:
            plan = struct.Struct(fmt), parts
        self._plans[def_mesg] = plan
        return plan

    def _read_data_message_raw_values(self, def_mesg: Any) -> tuple[list[bytes], list[Any]]:
        plan = self._plan(def_mesg)
        if plan is None:
            return super()._read_data_message_raw_values(def_mesg)  # type: ignore[no-any-return]
        unpacker, parts = plan
        chunk = self._read_bytes(unpacker.size) if unpacker.size else b""
        flat = unpacker.unpack(chunk)
        raw_values: list[Any] = []
        i = 0
        for count, base, is_byte in parts:
            if is_byte:
                raw_values.append(base.parse(flat[i : i + count]))
            elif count > 1:
                raw_values.append(tuple(base.parse(v) for v in flat[i : i + count]))
            else:
                raw_values.append(base.parse(flat[i]))
            i += count
        return [chunk], raw_values


def _small_message(frame: fitdecode.FitDataMessage) -> dict[str, Any]:
    """All fields of a (rare) message; FIT dates as aware datetimes, as fitdecode's default
    processor gives them (``local_date_time`` is wall-clock time, labelled UTC like there)."""
    out: dict[str, Any] = {}
    for field in frame.fields:
        value, kind = field.value, field.type.name
        if type(value) is int and (
            kind == "local_date_time" or (kind == "date_time" and value >= _FIT_DATETIME_MIN)
        ):
            value = _FIT_EPOCH + timedelta(seconds=value)
        out[field.name] = value
    return out


def _footer_crc_error(data: bytes, start: int, header: Any, read_crc: int) -> str | None:
    end = start + header.header_size + header.body_size
    computed = fit_crc16(memoryview(data)[start:end])
    if computed == read_crc:
        return None
    return (
        f"mismatching CRC in FIT footer (footer offset: {end}; read crc: {read_crc}; "
        f"expected crc: {computed})"
    )


def _decode(
    data: bytes, *, fast: bool = _FAST_READER
) -> tuple[dict[str, list[dict[str, Any]]], list[RunRecord]]:
    """Decode with fitdecode; only the messages the importer uses are kept.

    fitdecode runs without its data processor and CRC (both cost per field / per byte in
    Python): dates are converted here for the fields read, and each FIT file's CRCs (header
    and footer, chained files too) are checked here with a table-driven CRC-16, raising at the
    same point and with the same message as fitdecode's ``CrcCheck.RAISE``.
    """
    messages: dict[str, list[dict[str, Any]]] = {name: [] for name in _MESSAGES}
    records: list[RunRecord] = []
    start, header = 0, None
    reader_class = _MessageAtOnceReader if fast else fitdecode.FitReader
    with reader_class(
        data,
        processor=None,
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.RAISE,
    ) as reader:
        for frame in reader:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA:
                name = frame.name
                if name == "record":
                    raw = {f.name: f.value for f in frame.fields}
                    if not messages["record"] and raw.get("activity_type") is not None:
                        messages["record"].append(raw)  # the sport fallback reads it
                    record = _record(raw)
                    if record is not None:
                        records.append(record)
                elif name in _MESSAGES:
                    messages[name].append(_small_message(frame))
            elif frame.frame_type == fitdecode.FIT_FRAME_HEADER:
                if frame.crc_matched is False:
                    raise fitdecode.FitCRCError(
                        f"mismatching CRC in FIT header (header offset: {start})"
                    )
                header = frame
            elif frame.frame_type == fitdecode.FIT_FRAME_CRC and header is not None:
                problem = _footer_crc_error(data, start, header, frame.crc)
                if problem:
                    raise fitdecode.FitCRCError(problem)
                start += header.header_size + header.body_size + 2
    return messages, records


def _read(data: bytes, source: str) -> tuple[dict[str, list[dict[str, Any]]], list[RunRecord]]:
    try:
        return _decode(data)
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
    except DECODE_ERRORS as exc:
        raise InvalidInput(
            f"{source}: FIT file cannot be decoded ({exc})", field="file", got=source
        ) from exc


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _record(raw: dict[str, Any]) -> RunRecord | None:
    """One ``record`` message (raw fitdecode values) → RunRecord; None without a real date.

    Inlined for speed (about 900 per run): numbers are ``int``/``float`` or ``None`` here
    (no data processor); anything else (arrays, unknown enums) counts as missing.
    """
    stamp = raw.get("timestamp")
    if type(stamp) is not int or stamp < _FIT_DATETIME_MIN:
        return None
    get: Callable[..., Any] = raw.get
    distance, speed, hr = get("distance"), get("enhanced_speed", get("speed")), get("heart_rate")
    cadence, altitude = get("cadence"), get("enhanced_altitude", get("altitude"))
    lat, lon = get("position_lat"), get("position_long")
    if type(cadence) in _NUMBERS:
        fraction = get("fractional_cadence")
        # strides/min of one foot -> steps/min, as strides_to_steps_per_min does
        cadence = 2.0 * (float(cadence) + (float(fraction) if type(fraction) in _NUMBERS else 0.0))
    else:
        cadence = None
    return RunRecord(
        time=_FIT_EPOCH + timedelta(seconds=stamp),
        distance_m=float(distance) if type(distance) in _NUMBERS else None,
        speed_m_s=float(speed) if type(speed) in _NUMBERS else None,
        heart_rate_bpm=int(hr) if type(hr) in _NUMBERS else None,
        cadence_spm=cadence,
        altitude_m=float(altitude) if type(altitude) in _NUMBERS else None,
        latitude_deg=lat * _SEMICIRCLE_DEG if type(lat) in _NUMBERS else None,
        longitude_deg=lon * _SEMICIRCLE_DEG if type(lon) in _NUMBERS else None,
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
    messages, records = _read(data, source)
    sport, sub_sport = _sport(messages)
    if sport.lower() not in RUNNING_SPORTS:
        raise NotARun(sport, source)
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
