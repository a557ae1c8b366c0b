"""What a condition may read: the paths and computed names of one root dataclass.

A path is a dotted attribute path into the root (``mechanical.locking``); its type hint gives
its :class:`PathKind`. A :class:`ComputedName` adds a name computed from the root (an alias or
a derived value such as ``age_years``).
"""

from __future__ import annotations

import dataclasses
import operator
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from runnersknee.clinical.errors import ContentError

__all__ = ["ComputedName", "Getter", "PathKind", "Schema"]

Getter = Callable[[Any], Any]

_KINDS = frozenset({"bool", "number", "enum", "enumset", "text"})


@dataclass(frozen=True, slots=True)
class PathKind:
    """What a path yields: ``bool``, ``number``, ``enum``, ``enumset``, ``text`` or ``other``."""

    name: str
    optional: bool = False
    enum: type[StrEnum] | None = None


@dataclass(frozen=True, slots=True)
class ComputedName:
    """A name usable in conditions that is computed from the root value (or an alias)."""

    getter: Getter
    kind: str
    optional: bool = False
    enum: type[StrEnum] | None = None
    doc: str = ""


def _kind_of(hint: Any) -> PathKind:
    """Classify a resolved type hint."""
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0] if len(args) == 1 else object
        origin = typing.get_origin(hint)
    if origin is frozenset:
        (inner,) = typing.get_args(hint)
        if isinstance(inner, type) and issubclass(inner, StrEnum):
            return PathKind("enumset", optional, inner)
        return PathKind("other", optional)
    if hint is bool:
        return PathKind("bool", optional)
    if hint in (int, float):
        return PathKind("number", optional)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return PathKind("enum", optional, hint)
    if hint is str:
        return PathKind("text", optional)
    return PathKind("other", optional)


class Schema:
    """The names a condition may read from one root dataclass type."""

    __slots__ = ("_computed", "_root")

    def __init__(self, root: type, computed: Mapping[str, ComputedName] | None = None) -> None:
        if not dataclasses.is_dataclass(root):
            raise ContentError(f"condition root {root!r} is not a dataclass")
        for name, spec in (computed or {}).items():
            needs_enum = spec.kind in ("enum", "enumset")
            if spec.kind not in _KINDS or needs_enum != (spec.enum is not None):
                raise ContentError(f"computed name {name!r}: bad kind {spec.kind!r} / enum")
        self._root = root
        self._computed = dict(computed or {})

    @property
    def computed(self) -> Mapping[str, ComputedName]:
        """The computed names and aliases."""
        return self._computed

    def resolve(self, path: str) -> tuple[Getter, PathKind]:
        """A getter and kind for ``path``, or :class:`ContentError`."""
        if path in self._computed:
            spec = self._computed[path]
            return spec.getter, PathKind(spec.kind, spec.optional, spec.enum)
        current: Any = self._root
        kind = PathKind("other")
        for depth, part in enumerate(path.split(".")):
            if not (isinstance(current, type) and dataclasses.is_dataclass(current)):
                raise ContentError(f"condition path {path!r}: {part!r} is not inside a record")
            hints = typing.get_type_hints(current)
            names = [f.name for f in dataclasses.fields(current)]
            if part not in names:
                allowed = names if depth else sorted([*names, *self._computed])
                raise ContentError(
                    f"unknown condition path {path!r}: {part!r} is not one of {', '.join(allowed)}",
                    path=path,
                )
            current = hints[part]
            kind = _kind_of(current)
            if kind.optional and depth < path.count("."):
                raise ContentError(f"condition path {path!r} passes through an optional value")
        return operator.attrgetter(path), kind
