"""One step of a plan item along its exercise library progression (harder) or regression
(easier): the clinician's one-click progress / step back, and an accepted suggestion.

The item is replaced (in its place) by the linked library exercise with its library dose (a new
exercise needs its own dose; the clinician adjusts it after), keeping the note for the patient
and the leg it is done with. The result is a new draft version: nothing changes for the
patient until the plan is signed (KB 5.5: progress or regress one step at a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import records
from runnersknee.services.care.plan_document import PlanDocument, PlanItemDoc
from runnersknee.services.care.planning import library_item
from runnersknee.services.care.records import PlanVersion

__all__ = [
    "DIRECTIONS",
    "Direction",
    "Step",
    "Stepped",
    "step_item",
    "step_plan",
    "step_target",
]

Direction = Literal["progress", "regress"]
DIRECTIONS: tuple[Direction, ...] = ("progress", "regress")
#: The verb each direction writes into the version's change (plan_history.describe).
_VERBS = {"progress": "progressed", "regress": "regressed"}


@dataclass(frozen=True, slots=True)
class Step:
    """A plan with one item stepped, the new item's id and the version's change words."""

    plan: PlanDocument
    item_id: str
    change: str


@dataclass(frozen=True, slots=True)
class Stepped:
    """The new draft version and the id of the item that replaced the old one."""

    version: PlanVersion
    item_id: str


def step_target(library: ExerciseLibrary, exercise_id: str | None, direction: str) -> str | None:
    """The library exercise one step harder (``progress``) or easier (``regress``)."""
    exercise = library.get(exercise_id or "")
    if exercise is None:
        return None
    return exercise.progression_id if direction == "progress" else exercise.regression_id


def _check(direction: str) -> Direction:
    if direction not in DIRECTIONS:
        raise InvalidInput(
            "choose progress or regress", field="direction", allowed=list(DIRECTIONS)
        )
    return "progress" if direction == "progress" else "regress"


def _new_item(old: PlanItemDoc, library: ExerciseLibrary, target_id: str) -> PlanItemDoc:
    exercise = library[target_id]
    item = library_item(exercise, old.clinician_note)
    item = item.replaced(
        id=f"{exercise.component.value}:{exercise.id}",
        component=old.component or item.component,
        progression_id=exercise.progression_id,
        regression_id=exercise.regression_id,
    )
    if old.side:  # the leg stays; the numbers are the new exercise's library dose
        item = item.replaced(dose_fields={"side": old.side})
    return item


def step_plan(plan: PlanDocument, item_id: str, direction: str, library: ExerciseLibrary) -> Step:
    """``plan`` with ``item_id`` replaced by its library step (in its place)."""
    way = _check(direction)
    old = plan.find(item_id)
    title = old.title or item_id
    target = step_target(library, old.exercise_id, way)
    if target is None or target not in library:
        word = "harder" if way == "progress" else "easier"
        raise InvalidInput(
            f"\u201c{title}\u201d has no {word} exercise linked in the library: change its load, "
            "volume or range instead, one variable at a time",
            field="direction",
            got=way,
        )
    if plan.has_exercise(target):
        raise Conflict(
            f"\u201c{library[target].name}\u201d is already in the plan", field="direction"
        )
    verb = "Progressed" if way == "progress" else "Stepped back"
    reason = f"{verb} from \u201c{title}\u201d along the exercise library's progression"
    new = _new_item(old, library, target).replaced(reason=reason)
    new_id = str(new.id)
    return Step(
        plan.with_item(item_id, new, every=True), new_id, f"{_VERBS[way]} {item_id} {target}"
    )


def step_item(
    tx: Session,
    actor: Actor,
    patient_id: int,
    item_id: str,
    direction: str,
    *,
    content: ClinicalContent,
) -> Stepped:
    """Progress or step back one item (a new draft version); refused without a linked step."""
    episode_id, plan = records.editable_plan(tx, actor, patient_id)
    step = step_plan(plan, item_id, direction, content.exercises)
    return Stepped(records.save_draft(tx, actor, episode_id, step.plan, step.change), step.item_id)
