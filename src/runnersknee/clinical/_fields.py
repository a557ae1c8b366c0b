"""Range-checked dataclass fields: the bounds live beside the field and are checked once."""

from __future__ import annotations

import dataclasses
from typing import Any

from runnersknee.clinical.errors import InvalidInput

__all__ = ["bounded", "check_bounds"]


def bounded(minimum: float, maximum: float, unit: str = "", *, default: Any = None) -> Any:
    """A dataclass field whose value (when not None) must lie in ``[minimum, maximum]``."""
    return dataclasses.field(
        default=default, metadata={"minimum": minimum, "maximum": maximum, "unit": unit}
    )


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
