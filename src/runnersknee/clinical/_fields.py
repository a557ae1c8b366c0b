"""Range-checked dataclass fields: the bounds live beside the field and are checked once."""

from __future__ import annotations

import dataclasses
from typing import Any

from runnersknee.clinical.errors import InvalidInput

__all__ = ["asked", "bounded", "check_bounds", "question_of"]


def bounded(minimum: float, maximum: float, unit: str = "", *, default: Any = None) -> Any:
    """A dataclass field whose value (when not None) must lie in ``[minimum, maximum]``."""
    return dataclasses.field(
        default=default, metadata={"minimum": minimum, "maximum": maximum, "unit": unit}
    )


def asked(question: str, *, clinician_only: bool = False, default: Any = False) -> Any:
    """A yes/no field with the plain-words question that asks for it.

    ``clinician_only`` marks an examination finding: the patient is never asked it.
    """
    return dataclasses.field(
        default=default, metadata={"question": question, "clinician_only": clinician_only}
    )


def question_of(spec: dataclasses.Field[Any]) -> str | None:
    """The plain-words question of a field declared with :func:`asked` (None otherwise)."""
    question = spec.metadata.get("question")
    return None if question is None else str(question)


def check_bounds(obj: Any) -> None:
    """Raise :class:`InvalidInput` for the first bounded field of ``obj`` out of range."""
    for spec in dataclasses.fields(obj):
        meta = spec.metadata
        if "minimum" not in meta:
            continue
        value = getattr(obj, spec.name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(
                f"{spec.name} must be a number", field=spec.name, allowed="number", got=value
            )
        low, high, unit = meta["minimum"], meta["maximum"], meta["unit"]
        if not low <= value <= high:
            suffix = f" {unit}" if unit else ""
            raise InvalidInput(
                f"{spec.name} must be between {low} and {high}{suffix} (got {value})",
                field=spec.name,
                allowed=f"{low}..{high}{suffix}",
                got=value,
            )
