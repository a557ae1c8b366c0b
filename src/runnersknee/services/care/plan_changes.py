"""Changes a suggestion proposes, applied to the current plan version, and the clinician's
running hold: each becomes a new draft version (the patient sees nothing of it until the plan
is signed; the safety gate reads the hold from the signed plan only).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.clinical.suggestions import PlanChange
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import records
from runnersknee.services.care.plan_document import PlanDocument, RunningHold
from runnersknee.services.care.plan_progression import step_plan
from runnersknee.services.care.planning import add_library_item, remove_plan_item
from runnersknee.services.care.records import PlanVersion

__all__ = ["apply_changes", "hold_running", "set_running"]

_NOTE_MAX = 500


def hold_running(plan: PlanDocument, hold: bool, reason: str, today: date) -> PlanDocument:
    """``plan`` holding running (with the reason and day) or resuming it."""
    if hold:
        return plan.with_running_hold(RunningHold(today, reason.strip()[:_NOTE_MAX]))
    return plan.with_running_hold(None)


def apply_changes(
    plan: PlanDocument,
    changes: Sequence[PlanChange],
    library: ExerciseLibrary,
    today: date,
    reason: str = "",
) -> PlanDocument:
    """``plan`` with a suggestion's changes made (refused as a whole when one cannot be
    made: nothing is stored)."""
    for change in changes:
        if change.kind == "step" and change.item_id and change.direction:
            plan = step_plan(plan, change.item_id, change.direction, library).plan
        elif change.kind == "add" and (change.exercise_id or "") in library:
            plan = add_library_item(plan, library[change.exercise_id or ""], change.note)
        elif change.kind == "remove" and change.item_id:
            plan = remove_plan_item(plan, change.item_id)
        elif change.kind == "running":
            plan = hold_running(plan, change.hold, reason, today)
        else:
            raise InvalidInput(f"a change this plan cannot take: {change.kind}", field="change")
    return plan


def set_running(  # noqa: PLR0917 - use case: tx, actor, record, fields, day
    tx: Session, actor: Actor, patient_id: int, hold: bool, reason: str, today: date
) -> PlanVersion:
    """The clinician holds (a reason is required) or resumes running: a new draft version."""
    episode_id, plan = records.editable_plan(tx, actor, patient_id)
    if hold and not reason.strip():
        raise InvalidInput("say why running is held", field="reason")
    if plan.running_held == hold:
        state = "held" if hold else "not held"
        raise InvalidInput(f"running is already {state} in the current version", field="hold")
    plan = hold_running(plan, hold, reason, today)
    change = "running held" if hold else "running resumed"
    return records.save_draft(tx, actor, episode_id, plan, change)
