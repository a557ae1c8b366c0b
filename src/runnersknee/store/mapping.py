"""Explicit mapping of core dataclasses to JSON-ready dicts (the JSON columns' content).

The reverse direction (dict → dataclass) validates with pydantic in services/care/case_io.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

from runnersknee.store.json_document import JsonDocument

__all__ = ["JSONObject", "JSONValue", "to_json"]

#: A JSON value as a JSON column holds it (what ``json.loads`` returns).
JSONValue: TypeAlias = "str | int | float | bool | list[JSONValue] | dict[str, JSONValue] | None"
#: A JSON object: the content of a JSON column such as ``plan_version.data``.
JSONObject: TypeAlias = "dict[str, JSONValue]"


def to_json(value: Any) -> Any:
    """Plain JSON values for a core value: dataclasses → dicts, enums → values, sets → sorted,
    a stored JSON document → its JSON."""
    if isinstance(value, JsonDocument):
        return value.to_json()
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(to_json(v) for v in value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
