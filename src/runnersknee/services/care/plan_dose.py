"""Structured doses a clinician sets on a plan item: sets, reps, hold, times a week, load or
intensity, and the side (a left-knee patient's exercise says which leg).

The numbers are checked with the library's own :class:`~runnersknee.clinical.exercises.Dose`
bounds; the item's dose text is written from them, so the patient's card and the handout
read the same words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.exercises import Dose
from runnersknee.store.mapping import JSONObject

__all__ = ["SIDES", "DoseFields", "dose_text", "parse_dose_fields", "side_text"]

#: Which leg an exercise is for ("" = not said, e.g. a two-leg exercise).
SIDES = ("left", "right", "both")
_TEXT_MAX = 300


@dataclass(frozen=True, slots=True)
class DoseFields:
    """A dose as the clinician sets it (None or "" = not part of the dose)."""

    sets: int | None = None
    reps: int | None = None
    hold_s: float | None = None
    per_week: int | None = None
    intensity: str = ""
    side: str = ""

    def as_json(self) -> JSONObject:
        """The stored form (``item["dose_fields"]``)."""
        return asdict(self)


def _number(raw: str, field: str, whole: bool) -> float | None:
    text = raw.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = int(text) if whole else float(text)
    except ValueError as exc:
        kind = "a whole number" if whole else "a number"
        raise InvalidInput(
            f"{field.replace('_', ' ')} must be {kind}", field=field, got=text
        ) from exc
    return value


def parse_dose_fields(values: Mapping[str, str]) -> DoseFields | None:
    """The fields of a form, checked against the library's dose bounds; None when all empty."""
    if not any(str(values.get(k) or "").strip() for k in ("sets", "reps", "hold_s", "per_week")):
        return None
    sets = _number(str(values.get("sets") or ""), "sets", True)
    reps = _number(str(values.get("reps") or ""), "reps", True)
    hold = _number(str(values.get("hold_s") or ""), "hold_s", False)
    per_week = _number(str(values.get("per_week") or ""), "per_week", True)
    Dose(  # the library's bounds: 1-30 sets, 1-500 reps, 1-600 s, 1-14 per week
        sets=None if sets is None else int(sets),
        reps=None if reps is None else int(reps),
        hold_s=hold,
        per_week=None if per_week is None else int(per_week),
    )
    if sets is None or (reps is None and hold is None):
        raise InvalidInput("a dose needs sets and reps or a hold time", field="sets")
    side = str(values.get("side") or "").strip()
    if side and side not in SIDES:
        raise InvalidInput(
            "choose left, right or both", field="side", allowed=list(SIDES), got=side
        )
    return DoseFields(
        int(sets),
        None if reps is None else int(reps),
        hold,
        None if per_week is None else int(per_week),
        str(values.get("intensity") or "").strip()[:_TEXT_MAX],
        side,
    )


def side_text(side: str) -> str:
    """Which leg, in words ("" when not said)."""
    return {"left": "left leg", "right": "right leg", "both": "each leg"}.get(side, "")


def dose_text(fields: DoseFields) -> str:
    """The dose in the plan's words, e.g. ``3 × 10, 3×/week, left leg; intensity: 5 kg``."""
    parts = [
        Dose(
            sets=fields.sets, reps=fields.reps, hold_s=fields.hold_s, per_week=fields.per_week
        ).describe()
    ]
    if fields.side:
        parts.append(side_text(fields.side))
    text = ", ".join(p for p in parts if p)
    return f"{text}; intensity: {fields.intensity}" if fields.intensity else text
