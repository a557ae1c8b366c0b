"""What the patient will see of a plan version ("patient preview" on the plan page): the same
cards the portal's today page builds (:func:`runnersknee.services.care.patient_text.arrange`),
built from any version, draft or signed, without logs."""

from __future__ import annotations

from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.services.care import patient_text
from runnersknee.services.care.plan_document import PlanDocument
from runnersknee.services.care.today_view import TodayItem
from runnersknee.store.mapping import JSONObject, to_json

__all__ = ["preview"]


def preview(plan: PlanDocument, library: ExerciseLibrary) -> patient_text.PatientToday:
    """The patient's cards for ``plan`` (nothing logged yet).

    The cards are built from the items' stored JSON, as the today page builds them
    (:class:`TodayItem` holds JSON).
    """
    entries: list[TodayItem] = []
    advice: list[JSONObject] = []
    for item in plan.items():
        exercise = library.get(item.exercise_id or "")
        if exercise is None:
            advice.append(item.to_json())
            continue
        details: JSONObject = to_json(exercise)
        entries.append(TodayItem(item.to_json(), details, 0))
    return patient_text.arrange(entries, advice, plan.pain_threshold_nprs)
