"""A tiny declarative condition language, compiled once into fast closures.

A condition is data (as read from TOML):

* a string ``"path"`` — a boolean field is true (``None`` counts as false);
* a string ``"path op value"`` with ``op`` one of ``== != < <= > >=`` (numbers, enums, booleans,
  text), ``in`` (scalar is one of a comma list), ``has`` (set contains one value), ``any`` (set
  contains at least one of a comma list), ``all`` (set contains every listed value);
* a string ``"path is known"`` / ``"path is unknown"`` (``None`` test) or ``"path is empty"`` /
  ``"path is not empty"`` (sets);
* a table ``{ all = [...] }``, ``{ any = [...] }``, ``{ not = cond }`` or
  ``{ at_least = 2, of = [...] }``.

``path`` is a dotted attribute path into the root dataclass (e.g. ``mechanical.locking``) or a
computed name of its :class:`~runnersknee.clinical.condition_schema.Schema` (e.g. ``age_years``,
see :mod:`runnersknee.clinical.case_conditions`). A value written ``$name`` is a named
parameter supplied at compile time. Every comparison with a ``None`` value is false (``!=`` too).
Unknown paths, operators, enum values and parameters raise :class:`ContentError` at compile time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from runnersknee.clinical.case_conditions import CASE_SCHEMA
from runnersknee.clinical.condition_schema import Getter, PathKind, Schema
from runnersknee.clinical.errors import ContentError

__all__ = ["Condition", "compile_condition"]

Test = Callable[[Any], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERED = frozenset({"<", "<=", ">", ">="})
_SET_OPS = frozenset({"has", "any", "all"})
_UNARY = frozenset({"known", "unknown", "empty", "not empty"})
_RENDER_OP = {"<=": "≤", ">=": "≥", "!=": "≠"}


@dataclass(frozen=True, slots=True)
class Condition:
    """A compiled condition: ``test(root) -> bool``, its rendering and the paths it reads."""

    test: Test
    text: str
    paths: frozenset[str]

    def __call__(self, root: Any) -> bool:
        return self.test(root)


def compile_condition(
    spec: object,
    *,
    schema: Schema = CASE_SCHEMA,
    params: Mapping[str, float] | None = None,
    where: str = "condition",
    require_all_params: bool = True,
) -> Condition:
    """Compile condition data into a :class:`Condition`; raise :class:`ContentError` if bad.

    ``params`` are the values of ``$name`` references; with ``require_all_params`` a declared
    parameter the condition never uses is an error too (it is almost always a typo).
    """
    compiler = _Compiler(schema, dict(params or {}), where)
    condition = compiler.compile(spec)
    unused = sorted(set(compiler.params) - compiler.used)
    if require_all_params and unused:
        raise compiler.fail(f"declared parameter(s) never used: {', '.join(unused)}")
    return condition


class _Compiler:
    __slots__ = ("params", "schema", "used", "where")

    def __init__(self, schema: Schema, params: dict[str, float], where: str) -> None:
        self.schema = schema
        self.params = params
        self.where = where
        self.used: set[str] = set()

    def fail(self, message: str) -> ContentError:
        return ContentError(f"{self.where}: {message}", where=self.where)

    def compile(self, spec: object) -> Condition:
        if isinstance(spec, str):
            return self.atom(spec)
        if isinstance(spec, Mapping):
            return self.group(spec)
        raise self.fail(f"a condition must be a string or a table, got {spec!r}")

    def group(self, spec: Mapping[str, Any]) -> Condition:
        keys = set(spec)
        if keys == {"not"}:
            inner = self.compile(spec["not"])
            test = inner.test
            text = inner.text if " " not in inner.text else f"({inner.text})"
            return Condition(lambda root: not test(root), f"NOT {text}", inner.paths)
        if keys in ({"all"}, {"any"}):
            (key,) = keys
            parts = self.parts(spec[key], key)
            tests = tuple(part.test for part in parts)
            joiner = " AND " if key == "all" else " OR "
            text = joiner.join(_wrap(part) for part in parts)
            return Condition(_all(tests) if key == "all" else _any(tests), text, _paths(parts))
        if keys == {"at_least", "of"}:
            need = spec["at_least"]
            parts = self.parts(spec["of"], "of")
            if isinstance(need, bool) or not isinstance(need, int) or not 1 <= need <= len(parts):
                raise self.fail(f"at_least must be an integer from 1 to {len(parts)}, got {need!r}")
            text = f"at least {need} of ({'; '.join(part.text for part in parts)})"
            return Condition(_at_least(need, tuple(p.test for p in parts)), text, _paths(parts))
        raise self.fail(
            f"unknown condition table keys {sorted(keys)}; allowed: all, any, not, at_least+of"
        )

    def parts(self, raw: object, key: str) -> tuple[Condition, ...]:
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            raise self.fail(f"{key!r} needs a non-empty list of conditions")
        return tuple(self.compile(item) for item in raw)

    def atom(self, text: str) -> Condition:
        tokens = text.split()
        if not tokens:
            raise self.fail("empty condition string")
        path = tokens[0]
        try:
            getter, kind = self.schema.resolve(path)
        except ContentError as exc:
            raise self.fail(exc.message) from None
        paths = frozenset({path})
        if len(tokens) == 1:
            if kind.name != "bool":
                raise self.fail(f"{path!r} is not a yes/no answer; compare it with a value")
            return Condition(_is_true(getter), path, paths)
        op = tokens[1]
        if op == "is":
            return Condition(self.unary(getter, kind, " ".join(tokens[2:]), path), text, paths)
        value_text = " ".join(tokens[2:])
        if not value_text:
            raise self.fail(f"{text!r} has no value after {op!r}")
        test, rendered = self.binary(getter, kind, path, op, value_text)
        return Condition(test, rendered, paths)

    def unary(self, getter: Getter, kind: PathKind, word: str, path: str) -> Test:
        if word not in _UNARY:
            raise self.fail(f"unknown operator 'is {word}'; allowed: is {', is '.join(_UNARY)}")
        if word in ("known", "unknown"):
            if not kind.optional:
                raise self.fail(f"{path!r} is never unknown; 'is {word}' does not apply")
            if word == "known":
                return lambda root: getter(root) is not None
            return lambda root: getter(root) is None
        if kind.name != "enumset":
            raise self.fail(f"{path!r} is not a set; 'is {word}' does not apply")
        if word == "empty":
            return lambda root: not getter(root)
        return lambda root: bool(getter(root))

    def binary(
        self, getter: Getter, kind: PathKind, path: str, op: str, raw: str
    ) -> tuple[Test, str]:
        if kind.name == "enumset":
            if op not in _SET_OPS:
                raise self.fail(f"operator {op!r} does not apply to set {path!r}; use has/any/all")
            values = frozenset(self.enum_values(kind, raw, path, many=op != "has"))
            return _set_test(getter, op, values), f"{path} {op} {_list_text(values)}"
        if op == "in":
            values = frozenset(self.scalar(kind, item.strip(), path) for item in raw.split(","))
            return _in_test(getter, values), f"{path} in {_list_text(values)}"
        if op not in _COMPARE:
            allowed = ", ".join([*_COMPARE, "in"])
            raise self.fail(f"unknown operator {op!r} in {path} {op} {raw}; allowed: {allowed}")
        if op in _ORDERED and kind.name != "number":
            raise self.fail(f"operator {op!r} needs a number but {path!r} is {kind.name}")
        value = self.scalar(kind, raw, path)
        shown = f"{path} {_RENDER_OP.get(op, op)} {_value_text(value)}"
        if raw.startswith("$"):
            shown += f" [{raw[1:]}]"
        return _compare_test(getter, _COMPARE[op], value, kind.optional), shown

    def enum_values(self, kind: PathKind, raw: str, path: str, *, many: bool) -> list[StrEnum]:
        items = [item.strip() for item in raw.split(",")]
        if not many and len(items) != 1:
            raise self.fail(f"'has' takes one value; use 'any' or 'all' for {raw!r}")
        return [self.member(kind, item, path) for item in items]

    def member(self, kind: PathKind, item: str, path: str) -> StrEnum:
        enum = kind.enum
        if enum is None:  # pragma: no cover - enum kinds always carry their type
            raise self.fail(f"{path!r} has no enumeration")
        allowed = [member.value for member in enum]
        if item not in allowed:
            raise self.fail(f"{item!r} is not a value of {path!r}; allowed: {', '.join(allowed)}")
        return enum(item)

    def scalar(self, kind: PathKind, raw: str, path: str) -> Any:
        if raw.startswith("$"):
            return self.param(raw[1:], kind, path)
        if kind.name == "number":
            try:
                return int(raw) if raw.lstrip("-").isdigit() else float(raw)
            except ValueError:
                raise self.fail(f"{path!r} needs a number, got {raw!r}") from None
        if kind.name == "bool":
            if raw not in ("true", "false"):
                raise self.fail(f"{path!r} needs true or false, got {raw!r}")
            return raw == "true"
        if kind.name == "enum":
            return self.member(kind, raw, path)
        if kind.name == "text":
            return raw
        raise self.fail(f"{path!r} cannot be compared in a condition")

    def param(self, name: str, kind: PathKind, path: str) -> float:
        if name not in self.params:
            known = ", ".join(sorted(self.params)) or "none"
            raise self.fail(f"unknown parameter ${name}; declared: {known}")
        if kind.name != "number":
            raise self.fail(f"parameter ${name} is a number but {path!r} is {kind.name}")
        self.used.add(name)
        return self.params[name]


def _wrap(condition: Condition) -> str:
    text = condition.text
    return f"({text})" if (" AND " in text or " OR " in text) else text


def _paths(parts: Sequence[Condition]) -> frozenset[str]:
    return frozenset().union(*(part.paths for part in parts))


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _list_text(values: frozenset[Any]) -> str:
    return ",".join(sorted(_value_text(value) for value in values))


def _is_true(getter: Getter) -> Test:
    return lambda root: getter(root) is True


def _compare_test(
    getter: Getter, compare: Callable[[Any, Any], bool], value: Any, optional: bool
) -> Test:
    if not optional:
        return lambda root: compare(getter(root), value)

    def test(root: Any) -> bool:
        got = getter(root)
        return got is not None and compare(got, value)

    return test


def _in_test(getter: Getter, values: frozenset[Any]) -> Test:
    return lambda root: getter(root) in values


def _set_test(getter: Getter, op: str, values: frozenset[Any]) -> Test:
    if op == "has":
        (value,) = values
        return lambda root: value in getter(root)
    if op == "any":
        return lambda root: not values.isdisjoint(getter(root))
    return lambda root: values <= getter(root)


def _all(tests: tuple[Test, ...]) -> Test:
    def test(root: Any) -> bool:
        return all(part(root) for part in tests)

    return test


def _any(tests: tuple[Test, ...]) -> Test:
    def test(root: Any) -> bool:
        return any(part(root) for part in tests)

    return test


def _at_least(need: int, tests: tuple[Test, ...]) -> Test:
    def test(root: Any) -> bool:
        count = 0
        for part in tests:
            if part(root):
                count += 1
                if count >= need:
                    return True
        return False

    return test
