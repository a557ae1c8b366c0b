"""Read a pain log (CSV or JSON) into :class:`SessionPain` values.

Columns / keys (NPRS 0-10, empty = not recorded): ``day`` (YYYY-MM-DD; ``date`` also accepted),
``during_nprs``, ``after_nprs``, ``next_morning_nprs``, ``baseline_morning_nprs``,
``completed`` (true/false/yes/no/1/0; default true). JSON: a list of objects, or
``{"sessions": [...]}``. Errors name the row and the field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.pain_monitoring import SessionPain

__all__ = ["PAIN_LOG_FIELDS", "parse_pain_log", "read_pain_log"]

PAIN_LOG_FIELDS = (
    "day",
    "during_nprs",
    "after_nprs",
    "next_morning_nprs",
    "baseline_morning_nprs",
    "completed",
)
_MAX_BYTES = 5 * 1024 * 1024
_TRUE = {"true", "yes", "1", "y"}
_FALSE = {"false", "no", "0", "n"}


def _nprs(value: Any, name: str, where: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(
            f"{where}: {name} must be a number 0-10", field=name, allowed="0..10", got=value
        ) from exc


def _completed(value: Any, where: str) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise InvalidInput(
        f"{where}: completed must be true or false", field="completed",
        allowed=["true", "false"], got=value,
    )  # fmt: skip


def _session(row: Mapping[str, Any], where: str) -> SessionPain:
    unknown = set(row) - set(PAIN_LOG_FIELDS) - {"date"}
    if unknown:
        raise InvalidInput(
            f"{where}: unknown column(s) {', '.join(sorted(unknown))}",
            field="pain_log", allowed=list(PAIN_LOG_FIELDS), got=sorted(unknown),
        )  # fmt: skip
    raw_day = row.get("day", row.get("date"))
    try:
        day = date.fromisoformat(str(raw_day).strip())
    except ValueError as exc:
        raise InvalidInput(
            f"{where}: day must be YYYY-MM-DD", field="day", allowed="YYYY-MM-DD", got=raw_day
        ) from exc
    try:
        return SessionPain(
            day=day,
            during_nprs=_nprs(row.get("during_nprs"), "during_nprs", where),
            after_nprs=_nprs(row.get("after_nprs"), "after_nprs", where),
            next_morning_nprs=_nprs(row.get("next_morning_nprs"), "next_morning_nprs", where),
            baseline_morning_nprs=_nprs(
                row.get("baseline_morning_nprs"), "baseline_morning_nprs", where
            ),
            completed=_completed(row.get("completed"), where),
        )
    except InvalidInput as exc:
        raise InvalidInput(
            f"{where}: {exc.message}", field=exc.field, allowed=exc.allowed, got=exc.got
        ) from exc


def parse_pain_log(text: str, *, source: str, json_format: bool) -> list[SessionPain]:
    """Parse pain-log text (CSV with a header row, or JSON)."""
    if json_format:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{source}: not valid JSON ({exc})", field="pain_log") from exc
        rows = data.get("sessions") if isinstance(data, dict) else data
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise InvalidInput(f"{source}: expected a list of session objects", field="pain_log")
        return [_session(r, f"{source} item {i}") for i, r in enumerate(rows, start=1)]
    reader = csv.DictReader(io.StringIO(text))
    return [_session(r, f"{source} row {i}") for i, r in enumerate(reader, start=2)]


def read_pain_log(path: Path) -> list[SessionPain]:
    """Read a ``.csv`` or ``.json`` pain log from disk."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read the pain log", field="pain_log") from exc
    if size > _MAX_BYTES:
        raise InvalidInput(f"{path.name}: pain log is too large", field="pain_log", got=size)
    text = path.read_text(encoding="utf-8-sig")
    return parse_pain_log(text, source=path.name, json_format=path.suffix.lower() == ".json")
