"""HTML forms generated from the core's dataclasses (Case, Assessment), and their parsing.

The field list follows the dataclass definitions, so a field added to the core appears in
the forms without template changes. Parsing keeps what was typed: it returns the nested dict
the core validates, plus per-field messages for values that are not even numbers.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

__all__ = [
    "FormField",
    "FormValues",
    "flatten",
    "form_fields",
    "form_values",
    "leaves",
    "parse_form",
]

FormValues = dict[str, Any]
_SKIP = {"case_id", "questionnaires", "assessed_on", "recorded_on"}
#: Groups of clinician-only findings, left out of the patient's forms.
_CLINICIAN_GROUPS = {"exam"}


@dataclass(frozen=True, slots=True)
class FormField:
    """One input (or a group of inputs) of a generated form."""

    name: str
    label: str
    kind: str
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    children: tuple[FormField, ...] = field(default=())
    optional_group: bool = False


def _label(name: str) -> str:
    text = name.replace("_", " ")
    for suffix, unit in (
        (" deg", " (°)"),
        (" nprs", " (0–10)"),
        (" spm", " (steps/min)"),
        (" km", " (km)"),
        (" cm", " (cm)"),
        (" kg", " (kg)"),
        (" mm", " (mm)"),
        (" m", " (m)"),
        (" s", " (s)"),
        (" months", " (months)"),
        (" minutes", " (min)"),
        (" years", " (years)"),
    ):
        if text.endswith(suffix):
            text = text[: -len(suffix)] + unit
            break
    return text[:1].upper() + text[1:]


def _choices(kind: type[enum.Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.value), _label(str(m.value))) for m in kind)


def _unwrap(hint: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return hint, False


def _is_enum(hint: Any) -> bool:
    return isinstance(hint, type) and issubclass(hint, enum.Enum)


def form_fields(
    cls: type[Any], prefix: str = "", *, patient: bool = False
) -> tuple[FormField, ...]:
    """The inputs of dataclass ``cls``; nested dataclasses become groups.

    ``patient`` leaves out clinician-only findings (the examination group and fields
    declared ``clinician_only``); a field declared with a question is labelled with it.
    """
    hints = typing.get_type_hints(cls)
    result: list[FormField] = []
    for spec in dataclasses.fields(cls):
        if spec.name in _SKIP or spec.name.startswith("_"):
            continue
        if patient and (spec.name in _CLINICIAN_GROUPS or spec.metadata.get("clinician_only")):
            continue
        built = _field(spec, hints[spec.name], prefix, patient)
        if built is not None:
            result.append(built)
    return tuple(result)


def _field(spec: dataclasses.Field[Any], hint: Any, prefix: str, patient: bool) -> FormField | None:
    name = f"{prefix}{spec.name}"
    inner, optional = _unwrap(hint)
    required = spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
    meta = spec.metadata
    label = str(meta.get("question") or _label(spec.name))
    origin = typing.get_origin(inner)
    if inner is bool:
        return FormField(name, label, "tribool" if optional else "bool")
    if _is_enum(inner):
        return FormField(name, label, "enum", required, _choices(inner))
    if origin in (frozenset, set, tuple):
        args = [a for a in typing.get_args(inner) if a is not Ellipsis]
        if args and _is_enum(args[0]):
            return FormField(name, label, "enumset", choices=_choices(args[0]))
        if args and isinstance(args[0], type) and dataclasses.is_dataclass(args[0]):
            return _repeat(name, label, args[0])
        return None
    if inner in (int, float):
        return FormField(
            name,
            label,
            "int" if inner is int else "float",
            required,
            minimum=meta.get("minimum"),
            maximum=meta.get("maximum"),
            unit=meta.get("unit", ""),
        )
    if inner is str:
        return FormField(name, label, "textarea" if spec.name == "notes" else "text", required)
    if inner is date:
        return FormField(name, label, "date", required)
    if dataclasses.is_dataclass(inner) and isinstance(inner, type):
        children = form_fields(inner, f"{name}.", patient=patient)
        return FormField(name, label, "group", children=children, optional_group=optional)
    return None


def _repeat(name: str, label: str, item: type[Any]) -> FormField | None:
    """A tuple of dataclasses keyed by an enum field (e.g. strength by test): one row each."""
    hints = typing.get_type_hints(item)
    key = next((f for f in dataclasses.fields(item) if _is_enum(hints[f.name])), None)
    if key is None:
        return None
    rows = tuple(
        FormField(
            f"{name}.{value}",
            text,
            "group",
            children=form_fields(item, f"{name}.{value}."),
            optional_group=True,
        )
        for value, text in _choices(hints[key.name])
    )
    children = tuple(
        FormField(
            r.name,
            r.label,
            "group",
            children=tuple(c for c in r.children if not c.name.endswith(f".{key.name}")),
            optional_group=True,
        )
        for r in rows
    )
    return FormField(name, label, "repeat", choices=((key.name, key.name),), children=children)


def leaves(fields: tuple[FormField, ...], base: str = "") -> list[tuple[str, FormField]]:
    """(group label path, leaf field) pairs, groups flattened (for side-by-side tables)."""
    out: list[tuple[str, FormField]] = []
    for item in fields:
        if item.kind in ("group", "repeat"):
            out.extend(leaves(item.children, f"{base}{item.label} · "))
        else:
            out.append((base, item))
    return out


def parse_form(fields: tuple[FormField, ...], form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The nested dict for the core, and messages for inputs that are not well-formed."""
    errors: dict[str, str] = {}
    data = _parse_group(fields, form, errors)
    return data, errors


def _parse_group(
    fields: tuple[FormField, ...], form: Any, errors: dict[str, str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in fields:
        key = item.name.rsplit(".", 1)[-1]
        value = _parse_one(item, form, errors)
        if value is not None:
            out[key] = value
    return out


def _parse_one(item: FormField, form: Any, errors: dict[str, str]) -> Any:
    if item.kind == "group":
        nested = _parse_group(item.children, form, errors)
        return None if (item.optional_group and not nested) else nested
    if item.kind == "repeat":
        key_name = item.choices[0][0]
        rows = []
        for row in item.children:
            nested = _parse_group(row.children, form, errors)
            if any(_is_number(v) for v in nested.values()):
                nested[key_name] = row.name.rsplit(".", 1)[-1]
                rows.append(nested)
        return rows
    if item.kind == "bool":
        return form.get(item.name) in ("on", "true", "yes", "1")
    if item.kind == "enumset":
        return [str(v) for v in form.getlist(item.name)]
    raw = form.get(item.name)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return None
    if item.kind == "tribool":
        return {"yes": True, "no": False}.get(text)
    if item.kind in ("int", "float"):
        return _number(item, text, errors)
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(item: FormField, text: str, errors: dict[str, str]) -> float | int | None:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        errors[item.name] = "enter a number"
        return None
    if item.kind == "int":
        if not number.is_integer():
            errors[item.name] = "enter a whole number"
            return None
        return int(number)
    return number


def flatten(data: Mapping[str, Any] | None, fields: tuple[FormField, ...]) -> FormValues:
    """Form values (name → str or list) from stored data, to pre-fill a form."""
    values: FormValues = {}
    if not data:
        return values
    for item in fields:
        key = item.name.rsplit(".", 1)[-1]
        value = data.get(key)
        if value is None:
            continue
        if item.kind == "group" and isinstance(value, Mapping):
            values.update(flatten(value, item.children))
        elif item.kind == "repeat" and isinstance(value, list):
            key_name = item.choices[0][0]
            for row in item.children:
                wanted = row.name.rsplit(".", 1)[-1]
                match = next((v for v in value if str(v.get(key_name)) == wanted), None)
                values.update(flatten(match, row.children))
        elif item.kind == "bool":
            values[item.name] = "on" if value else ""
        elif item.kind == "tribool":
            values[item.name] = "yes" if value else "no"
        elif item.kind == "enumset":
            values[item.name] = [str(v) for v in value]
        else:
            values[item.name] = _text(value)
    return values


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_values(form: Any, fields: tuple[FormField, ...]) -> FormValues:
    """What was typed, to re-render a form that failed validation."""
    values: FormValues = {}
    for _, item in leaves(fields):
        if item.kind == "enumset":
            values[item.name] = [str(v) for v in form.getlist(item.name)]
        else:
            raw = form.get(item.name)
            values[item.name] = raw if isinstance(raw, str) else ""
    return values
