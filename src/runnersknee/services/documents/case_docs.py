"""Render docs/case-schema.md from the case dataclasses, so the docs cannot drift."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any

from runnersknee.clinical import case as case_module
from runnersknee.clinical.case import Case

__all__ = ["render_case_schema_markdown"]

_HEADER = """# Case document schema

A case is one knee problem of one person, as reported at intake (JSON or YAML). The same
structure is exported as JSON Schema by `runnersknee schema case`. Unknown keys are refused;
numbers outside their range are refused with the field name and the allowed range.
A document may also carry `assessment:` and `preferences:` sections (used by
`runnersknee plan`, see [assessment-and-plan.md](assessment-and-plan.md)).

This page is generated from `src/runnersknee/clinical/case.py`
(`runnersknee.services.documents.case_docs.render_case_schema_markdown`); a test keeps them equal.
"""


def render_case_schema_markdown() -> str:
    """The Markdown reference of every case section, field, type, range and default."""
    lines = [_HEADER]
    for kind in _dataclasses_in_order(Case):
        lines += [f"## `{_section_name(kind)}` — {kind.__name__}", "", _first_line(kind), ""]
        lines += ["| Field | Type | Range / unit | Default |", "|---|---|---|---|"]
        hints = typing.get_type_hints(kind)
        for spec in dataclasses.fields(kind):
            lines.append(
                f"| `{spec.name}` | {_type_text(hints[spec.name])} | {_range_text(spec)} "
                f"| {_default_text(spec)} |"
            )
        lines.append("")
    lines += ["## Allowed values", ""]
    for enum_kind in _enums():
        values = ", ".join(f"`{member.value}`" for member in enum_kind)
        lines.append(f"- **{enum_kind.__name__}**: {values}")
    return "\n".join(lines) + "\n"


def _dataclasses_in_order(root: type[Any]) -> list[type[Any]]:
    seen: list[type[Any]] = [root]
    hints = typing.get_type_hints(root)
    for spec in dataclasses.fields(root):
        for candidate in _flatten(hints[spec.name]):
            if (
                isinstance(candidate, type)
                and dataclasses.is_dataclass(candidate)
                and candidate not in seen
            ):
                seen.append(candidate)
    return seen


def _flatten(hint: Any) -> list[Any]:
    args = typing.get_args(hint)
    return [hint] if not args else [item for arg in args for item in _flatten(arg)]


def _section_name(kind: type[Any]) -> str:
    if kind is Case:
        return "(top level)"
    for spec in dataclasses.fields(Case):
        if kind in _flatten(typing.get_type_hints(Case)[spec.name]):
            return spec.name
    return kind.__name__


def _first_line(kind: type[Any]) -> str:
    return (kind.__doc__ or "").strip().splitlines()[0]


def _type_text(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [_type_text(arg) for arg in args if arg is not type(None)]
        return " or ".join(inner) + (" or null" if type(None) in args else "")
    if origin in (frozenset, tuple):
        return f"list of {_type_text(args[0])}"
    if origin is dict:
        return f"mapping of {_type_text(args[0])} to {_type_text(args[1])}"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint.__name__
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return f"{hint.__name__} object"
    return getattr(hint, "__name__", str(hint))


def _range_text(spec: dataclasses.Field[Any]) -> str:
    meta = spec.metadata
    if "minimum" not in meta:
        return ""
    return f"{meta['minimum']}–{meta['maximum']} {meta['unit']}".strip()


def _default_text(spec: dataclasses.Field[Any]) -> str:
    if spec.default is not dataclasses.MISSING:
        value = spec.default
        if isinstance(value, enum.Enum):
            return f"`{value.value}`"
        if value in (frozenset(), ()):
            return "empty"
        return f"`{value}`"
    if spec.default_factory is not dataclasses.MISSING:
        return "all defaults" if dataclasses.is_dataclass(spec.default_factory) else "empty"
    return "**required**"


def _enums() -> list[type[enum.Enum]]:
    return [
        value
        for value in vars(case_module).values()
        if isinstance(value, type)
        and issubclass(value, enum.Enum)
        and value.__module__ == case_module.__name__
    ]
