"""Reading case documents (JSON or YAML) and turning them into validated core values.

The core types are plain dataclasses; pydantic validates them here, at the edge, and every
failure becomes one :class:`InvalidInput` that names the field and the allowed values.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from runnersknee.clinical import case as case_module
from runnersknee.clinical.case import Case
from runnersknee.clinical.errors import InvalidInput
from runnersknee.store.json_document import json_list, json_object
from runnersknee.store.mapping import JSONObject

__all__ = [
    "CASE_SECTIONS",
    "SUFFIXES",
    "case_json_schema",
    "invalid_input_from",
    "load_case_document",
    "parse_case",
    "validate_as",
]

#: File suffixes a case document may have.
SUFFIXES = (".json", ".yaml", ".yml")
#: Top-level keys of a case document that are not part of the Case itself.
CASE_SECTIONS = ("assessment", "preferences")

T = TypeVar("T")


def load_case_document(path: Path) -> JSONObject:
    """Read a JSON or YAML case file into a mapping, or raise :class:`InvalidInput`."""
    if path.suffix.lower() not in SUFFIXES:
        raise InvalidInput(
            f"{path.name}: unsupported file type {path.suffix or '(none)'!r}",
            field="CASE_FILE",
            allowed=list(SUFFIXES),
            got=path.suffix,
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(
            f"{path}: no such file", field="CASE_FILE", allowed="an existing file"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc})", field="CASE_FILE") from None
    data = _parse_text(text, path)
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{path.name}: a case document must be a mapping of fields, not {type(data).__name__}",
            field="CASE_FILE",
            allowed="an object/mapping at the top level",
        )
    return data


def _parse_text(text: str, path: Path) -> Any:
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            msg = f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            raise InvalidInput(msg, field="CASE_FILE") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InvalidInput(f"{path.name}: not valid YAML{where}", field="CASE_FILE") from None


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}


def _adapter(kind: type[Any]) -> TypeAdapter[Any]:
    """One TypeAdapter per type, built on first use (building one costs milliseconds)."""
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


def validate_as(kind: type[T], data: Any, *, prefix: str = "") -> T:
    """Validate ``data`` into the dataclass ``kind``; one clear :class:`InvalidInput` on failure."""
    try:
        value: T = _adapter(kind).validate_python(data)
    except ValidationError as exc:
        raise invalid_input_from(exc, prefix=prefix) from None
    return value


def parse_case(data: Mapping[str, Any], *, recorded_on: date | None = None) -> Case:
    """Validate the Case part of a case document (other sections are ignored here).

    ``recorded_on`` is the day the answers count from when the document does not say
    (the injury's age is counted to it); pass the day of triage.
    """
    case_part = {key: value for key, value in data.items() if key not in CASE_SECTIONS}
    if recorded_on is not None and case_part.get("recorded_on") is None:
        case_part["recorded_on"] = recorded_on
    return validate_as(Case, case_part)


def invalid_input_from(error: ValidationError, *, prefix: str = "") -> InvalidInput:
    """Turn pydantic's first error into one InvalidInput naming the field and allowed values."""
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"] if part not in ("", None))
    field = ".".join(part for part in (prefix, location) if part) or "(document)"
    ctx = first.get("ctx") or {}
    kind = first["type"]
    got = first.get("input")
    allowed: list[str] | str | None = _quoted(ctx["expected"]) if "expected" in ctx else None
    if kind == "missing":
        message = f"{field}: this field is required"
    elif kind in ("extra_forbidden", "unexpected_keyword_argument"):
        message = f"{field}: unknown field"
        allowed = "the fields documented in docs/case-schema.md"
    elif kind == "value_error" and isinstance(ctx.get("error"), InvalidInput):
        cause: InvalidInput = ctx["error"]
        if cause.field:
            field = f"{field}.{cause.field}" if field != "(document)" else cause.field
        message, allowed, got = cause.message, cause.allowed, cause.got
    else:
        message = f"{field}: {first['msg']}"
    extra = len(error.errors()) - 1
    if extra:
        message += f" (and {extra} more problem{'s' if extra > 1 else ''})"
    if not message.startswith(field):
        message = f"{field}: {message}"
    return InvalidInput(message, field=field, allowed=allowed, got=got)


def _quoted(expected: str) -> list[str]:
    """``"'a', 'b' or 'c'"`` → ``["a", "b", "c"]`` (pydantic's enum wording)."""
    values = re.findall(r"'([^']*)'", expected)
    return values or [expected]


def case_json_schema() -> JSONObject:
    """JSON Schema of a case document, with each numeric field's range and unit."""
    schema = dict(_adapter(Case).json_schema())
    _add_bounds(schema)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "runnersknee case"
    return schema


def _add_bounds(schema: JSONObject) -> None:
    """Copy the ranges and units declared with ``bounded`` into the schema."""
    for name, definition in json_object(schema.get("$defs")).items():
        kind = getattr(case_module, name, None)
        if kind is None or not dataclasses.is_dataclass(kind):
            continue
        properties = json_object(json_object(definition).get("properties"))
        for spec in dataclasses.fields(kind):
            meta = spec.metadata
            prop = properties.get(spec.name)
            if not isinstance(prop, dict) or "minimum" not in meta:
                continue
            target = _numeric_branch(prop)
            target["minimum"] = meta["minimum"]
            target["maximum"] = meta["maximum"]
            if meta["unit"]:
                prop["description"] = f"unit: {meta['unit']}"


def _numeric_branch(prop: JSONObject) -> JSONObject:
    for branch in json_list(prop.get("anyOf")):
        if branch.get("type") in ("integer", "number"):
            return branch
    return prop
