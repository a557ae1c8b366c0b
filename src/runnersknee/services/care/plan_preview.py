"""What the patient will see of a plan version ("patient preview" on the plan page): the same
cards the portal's today page builds (:func:`runnersknee.services.care.patient_text.arrange`),
built from any version, draft or signed, without logs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.services.care import patient_text
from runnersknee.services.care.records import plan_items
from runnersknee.services.care.today_view import TodayItem
from runnersknee.store.mapping import to_json

__all__ = ["preview"]


def _limit(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def preview(data: Mapping[str, Any], library: ExerciseLibrary) -> patient_text.PatientToday:
    """The patient's cards for the plan ``data`` (nothing logged yet)."""
    entries: list[TodayItem] = []
    advice: list[dict[str, Any]] = []
    for item in plan_items(data):
        exercise = library.get(str(item.get("exercise_id") or ""))
        if exercise is None:
            advice.append(item)
            continue
        details: dict[str, Any] = to_json(exercise)
        entries.append(TodayItem(item, details, 0))
    return patient_text.arrange(entries, advice, _limit(data.get("pain_threshold_nprs")))
