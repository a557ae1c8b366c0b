"""What the patient will see of a plan version ("patient preview" on the plan page): the same
cards the portal's today page builds (:func:`runnersknee.services.care.patient_text.arrange`),
built from any version, draft or signed, without logs."""

from __future__ import annotations

from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.services.care import patient_text
from runnersknee.services.care.plan_document import PlanDocument, PlanItemDoc
from runnersknee.services.care.today_view import TodayItem

__all__ = ["preview"]


def preview(plan: PlanDocument, library: ExerciseLibrary) -> patient_text.PatientToday:
    """The patient's cards for ``plan`` (nothing logged yet).

    The cards are built from the typed items, as the today page builds them.
    """
    entries: list[TodayItem] = []
    advice: list[PlanItemDoc] = []
    for item in plan.items():
        exercise = library.get(item.exercise_id or "")
        if exercise is None:
            advice.append(item)
            continue
        entries.append(TodayItem(item, exercise, 0))
    return patient_text.arrange(entries, advice, plan.pain_threshold_nprs)
