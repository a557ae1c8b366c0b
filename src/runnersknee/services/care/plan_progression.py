"""One step of a plan item along its exercise library progression (harder) or regression
(easier): the clinician's one-click progress / step back, and an accepted suggestion.

The item is replaced in place by the linked library exercise with its library dose (a new
exercise needs its own dose; the clinician adjusts it after), keeping the note for the patient
and the leg it is done with. The result is a new draft version: nothing changes for the
patient until the plan is signed (KB 5.5: progress or regress one step at a time).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import records
from runnersknee.services.care.planning import library_item
from runnersknee.services.care.records import PlanVersion

__all__ = ["DIRECTIONS", "Direction", "Stepped", "step_data", "step_item", "step_target"]

Direction = Literal["progress", "regress"]
DIRECTIONS: tuple[Direction, ...] = ("progress", "regress")
#: The verb each direction writes into the version's change (plan_history.describe).
_VERBS = {"progress": "progressed", "regress": "regressed"}


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


def _new_item(old: Mapping[str, Any], library: ExerciseLibrary, target_id: str) -> dict[str, Any]:
    exercise = library[target_id]
    item = library_item(exercise, str(old.get("clinician_note") or ""))
    item["id"] = f"{exercise.component.value}:{exercise.id}"
    item["component"] = str(old.get("component") or item["component"])
    item["progression_id"] = exercise.progression_id
    item["regression_id"] = exercise.regression_id
    side = str((old.get("dose_fields") or {}).get("side") or "")
    if side:  # the leg stays; the numbers are the new exercise's library dose
        item["dose_fields"] = {"side": side}
    return item


def step_data(
    data: dict[str, Any], item_id: str, direction: str, library: ExerciseLibrary
) -> tuple[str, str]:
    """Replace ``item_id`` in ``data`` (in place) by its library step; (new item id, change)."""
    way = _check(direction)
    old = records.find_item(data, item_id)
    title = str(old.get("title") or item_id)
    target = step_target(library, old.get("exercise_id"), way)
    if target is None or target not in library:
        word = "harder" if way == "progress" else "easier"
        raise InvalidInput(
            f"\u201c{title}\u201d has no {word} exercise linked in the library: change its load, "
            "volume or range instead, one variable at a time",
            field="direction",
            got=way,
        )
    if any(i.get("exercise_id") == target for i in records.plan_items(data)):
        raise Conflict(
            f"\u201c{library[target].name}\u201d is already in the plan", field="direction"
        )
    new = _new_item(old, library, target)
    verb = "Progressed" if way == "progress" else "Stepped back"
    new["reason"] = f"{verb} from \u201c{title}\u201d along the exercise library's progression"
    for component in data.get("components", []):
        items = component.get("items", [])
        for index, item in enumerate(items):
            if item.get("id") == item_id:
                items[index] = new
    return str(new["id"]), f"{_VERBS[way]} {item_id} {target}"


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
    episode_id, data = records.editable_plan(tx, actor, patient_id)
    new_id, change = step_data(data, item_id, direction, content.exercises)
    return Stepped(records.save_draft(tx, actor, episode_id, data, change), new_id)
