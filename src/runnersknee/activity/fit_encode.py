"""A minimal FIT *encoder* for synthetic activities (tests, demo data, benchmarks).

Follows the FIT protocol: a 14-byte header (size, protocol 2.0, profile version, data size,
".FIT", header CRC), definition and data messages (little endian), and a trailing CRC-16 over
the whole file. Only the fields the importer reads are written. Running cadence is stored as
FIT does: strides/min (one foot) plus ``fractional_cadence`` in 1/128 units.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["FIT_EPOCH", "SPORTS", "SyntheticRecord", "encode_activity", "fit_crc"]

FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
#: FIT ``sport`` enum values used here (FIT profile).
SPORTS = {"generic": 0, "running": 1, "cycling": 2, "swimming": 5, "walking": 11, "hiking": 17}

_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip

# Base types: (code, struct format)
_ENUM, _UINT8, _UINT16, _UINT32, _SINT32 = (
    (0x00, "B"),
    (0x02, "B"),
    (0x84, "H"),
    (0x86, "I"),
    (
        0x85,
        "i",
    ),
)
_INVALID = {"B": 0xFF, "H": 0xFFFF, "I": 0xFFFFFFFF, "i": 0x7FFFFFFF}


def fit_crc(data: bytes, crc: int = 0) -> int:
    """The FIT CRC-16 of ``data``."""
    for byte in data:
        for nibble in (byte & 0xF, byte >> 4):
            tmp = _CRC_TABLE[crc & 0xF]
            crc = (crc >> 4) & 0x0FFF
            crc = crc ^ tmp ^ _CRC_TABLE[nibble]
    return crc


@dataclass(frozen=True, slots=True)
class SyntheticRecord:
    """One record to write; cadence in strides/min as FIT stores it."""

    offset_s: float
    distance_m: float
    speed_m_s: float
    heart_rate_bpm: int | None = None
    cadence_strides: float | None = None
    altitude_m: float | None = None


def _ts(moment: datetime) -> int:
    return int((moment - FIT_EPOCH).total_seconds())


class _Writer:
    def __init__(self) -> None:
        self.body = bytearray()
        self.layouts: dict[int, list[tuple[int, tuple[int, str]]]] = {}

    def define(
        self, local: int, global_num: int, fields: list[tuple[int, tuple[int, str]]]
    ) -> None:
        self.layouts[local] = fields
        self.body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_num, len(fields))
        for number, (code, fmt) in fields:
            self.body += struct.pack("<BBB", number, struct.calcsize(fmt), code)

    def data(self, local: int, values: Sequence[int | None]) -> None:
        self.body.append(local)
        for (_, (_, fmt)), value in zip(self.layouts[local], values, strict=True):
            self.body += struct.pack("<" + fmt, _INVALID[fmt] if value is None else value)

    def finish(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", fit_crc(header))
        payload = header + bytes(self.body)
        return payload + struct.pack("<H", fit_crc(payload))


def _scaled(value: float | None, scale: float, offset: float = 0.0) -> int | None:
    return None if value is None else round((value + offset) * scale)


def encode_activity(
    start: datetime,
    records: Sequence[SyntheticRecord],
    *,
    sport: str = "running",
    utc_offset: timedelta = timedelta(0),
    session: bool = True,
    avg_cadence_strides: float | None = None,
    total_ascent_m: int | None = None,
) -> bytes:
    """A complete FIT activity file (file_id, sport, records, session, activity)."""
    w = _Writer()
    w.define(0, 0, [(0, _ENUM), (1, _UINT16), (2, _UINT16), (4, _UINT32)])
    w.data(0, [4, 1, 2697, _ts(start)])  # activity, garmin, fenix5
    w.define(1, 12, [(0, _ENUM), (1, _ENUM)])
    w.data(1, [SPORTS[sport], 0])
    w.define(2, 20, [(253, _UINT32), (5, _UINT32), (6, _UINT16), (3, _UINT8), (4, _UINT8),
                     (53, _UINT8), (2, _UINT16)])  # fmt: skip
    for rec in records:
        cad = rec.cadence_strides
        whole = None if cad is None else int(cad)
        frac = None if cad is None else round((cad - int(cad)) * 128)
        w.data(2, [
            _ts(start + timedelta(seconds=rec.offset_s)), _scaled(rec.distance_m, 100),
            _scaled(rec.speed_m_s, 1000), rec.heart_rate_bpm, whole, frac,
            _scaled(rec.altitude_m, 5, 500),
        ])  # fmt: skip
    last = records[-1] if records else SyntheticRecord(0, 0, 0)
    end = start + timedelta(seconds=last.offset_s)
    if session:
        cad = avg_cadence_strides
        hrs = [r.heart_rate_bpm for r in records if r.heart_rate_bpm is not None]
        w.define(3, 18, [(253, _UINT32), (2, _UINT32), (7, _UINT32), (8, _UINT32),
                         (9, _UINT32), (5, _ENUM), (6, _ENUM), (16, _UINT8), (18, _UINT8),
                         (92, _UINT8), (22, _UINT16)])  # fmt: skip
        w.data(3, [
            _ts(end), _ts(start), _scaled(last.offset_s, 1000), _scaled(last.offset_s, 1000),
            _scaled(last.distance_m, 100), SPORTS[sport], 0,
            round(sum(hrs) / len(hrs)) if hrs else None,
            None if cad is None else int(cad),
            None if cad is None else round((cad - int(cad)) * 128), total_ascent_m,
        ])  # fmt: skip
        w.define(4, 34, [(253, _UINT32), (0, _UINT32), (1, _UINT16), (5, _UINT32)])
        w.data(4, [_ts(end), _scaled(last.offset_s, 1000), 1, _ts(end + utc_offset)])
    return w.finish()
