"""Read one activity file (FIT, TCX, GPX, optionally gzip-compressed) with a size limit.

The size is checked before anything is read (a 200 MB upload is refused from its ``stat``),
and decompression stops at the same limit (no gzip bombs).
"""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

from runnersknee.activity.fit import parse_fit
from runnersknee.activity.gpx import parse_gpx
from runnersknee.activity.model import Run
from runnersknee.activity.tcx import parse_tcx
from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "ACTIVITY_SUFFIXES",
    "DEFAULT_MAX_BYTES",
    "is_activity_name",
    "parse_activity",
    "read_activity",
]

#: Default per-file limit (the web/CLI pass ``Settings.max_activity_file_bytes``).
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
ACTIVITY_SUFFIXES = (".fit", ".tcx", ".gpx")


def is_activity_name(name: str) -> bool:
    """True for ``*.fit|tcx|gpx`` and their ``.gz`` versions (Strava exports), any case."""
    lower = name.lower().removesuffix(".gz")
    return lower.endswith(ACTIVITY_SUFFIXES)


def _too_large(source: str, size: int, max_bytes: int) -> InvalidInput:
    return InvalidInput(
        f"{source}: file is {size / 1e6:.1f} MB, above the limit of {max_bytes / 1e6:.1f} MB",
        field="file",
        allowed=f"<= {max_bytes} bytes",
        got=size,
    )


def _gunzip(data: bytes, source: str, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            out = stream.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{source}: not a valid gzip file ({exc})", field="file") from exc
    if len(out) > max_bytes:
        raise _too_large(source, len(out), max_bytes)
    return out


def _kind(name: str, data: bytes) -> str:
    lower = name.lower().removesuffix(".gz")
    for suffix in ACTIVITY_SUFFIXES:
        if lower.endswith(suffix):
            return suffix[1:]
    if data[8:12] == b".FIT":
        return "fit"
    head = data[:2048].lower()
    if b"trainingcenterdatabase" in head:
        return "tcx"
    if b"<gpx" in head:
        return "gpx"
    raise InvalidInput(
        f"{name}: unknown activity format", field="file", allowed=["fit", "tcx", "gpx"], got=name
    )


def parse_activity(data: bytes, *, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Run:
    """Parse bytes already in memory; ``source`` names the file in every message."""
    if len(data) > max_bytes:
        raise _too_large(source, len(data), max_bytes)
    if source.lower().endswith(".gz"):
        data = _gunzip(data, source, max_bytes)
    if not data.strip():
        raise InvalidInput(f"{source}: file is empty", field="file", got=0)
    kind = _kind(source, data)
    if kind == "fit":
        return parse_fit(data, source=source)
    if kind == "tcx":
        return parse_tcx(data, source=source)
    return parse_gpx(data, source=source)


def read_activity(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Run:
    """Read and parse one file, refusing it by size before reading it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"{path.name}: cannot read ({exc.strerror})", field="path") from exc
    if size > max_bytes:
        raise _too_large(path.name, size, max_bytes)
    return parse_activity(path.read_bytes(), source=path.name, max_bytes=max_bytes)
