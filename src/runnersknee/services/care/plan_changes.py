"""Changes a suggestion proposes, applied to a copy of the current plan version, and the
clinician's running hold: each becomes a new draft version (the patient sees nothing of it
until the plan is signed; the safety gate reads the hold from the signed plan only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.clinical.suggestions import PlanChange
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import records
from runnersknee.services.care.plan_progression import step_data
from runnersknee.services.care.planning import add_library_item, remove_plan_item
from runnersknee.services.care.records import PlanVersion

__all__ = ["apply_changes", "hold_running", "running_held", "set_running"]

_NOTE_MAX = 500


def running_held(data: dict[str, Any]) -> bool:
    """Whether a stored plan holds running."""
    return (data.get("running_hold") or {}).get("held") is True


def hold_running(data: dict[str, Any], hold: bool, reason: str, today: date) -> None:
    """Hold (with the reason and day) or resume running in a stored plan, in place."""
    if hold:
        data["running_hold"] = {
            "held": True,
            "since": today.isoformat(),
            "reason": reason.strip()[:_NOTE_MAX],
        }
    else:
        data.pop("running_hold", None)


def apply_changes(
    data: dict[str, Any],
    changes: Sequence[PlanChange],
    library: ExerciseLibrary,
    today: date,
    reason: str = "",
) -> None:
    """Apply a suggestion's changes to a stored plan, in place (refused as a whole when one
    cannot be made: the caller's transaction rolls back)."""
    for change in changes:
        if change.kind == "step" and change.item_id and change.direction:
            step_data(data, change.item_id, change.direction, library)
        elif change.kind == "add" and (change.exercise_id or "") in library:
            add_library_item(data, library[change.exercise_id or ""], change.note)
        elif change.kind == "remove" and change.item_id:
            remove_plan_item(data, change.item_id)
        elif change.kind == "running":
            hold_running(data, change.hold, reason, today)
        else:
            raise InvalidInput(f"a change this plan cannot take: {change.kind}", field="change")


def set_running(  # noqa: PLR0917 - use case: tx, actor, record, fields, day
    tx: Session, actor: Actor, patient_id: int, hold: bool, reason: str, today: date
) -> PlanVersion:
    """The clinician holds (a reason is required) or resumes running: a new draft version."""
    episode_id, data = records.editable_plan(tx, actor, patient_id)
    if hold and not reason.strip():
        raise InvalidInput("say why running is held", field="reason")
    if running_held(data) == hold:
        state = "held" if hold else "not held"
        raise InvalidInput(f"running is already {state} in the current version", field="hold")
    hold_running(data, hold, reason, today)
    change = "running held" if hold else "running resumed"
    return records.save_draft(tx, actor, episode_id, data, change)
