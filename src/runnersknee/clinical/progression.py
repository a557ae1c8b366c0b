"""Progression of a plan by the pain-monitoring model (knowledge base 5.5).

:func:`next_step` asks :func:`~runnersknee.clinical.pain_monitoring.decide_progression` what
to do with the pain history since the last change, then turns the decision into proposed item
changes along the library's progression/regression links:

* ``progress`` → each exercise item moves to its ``progression_id`` (or, at the top of its
  chain, "add load or volume, one variable at a time");
* ``regress`` → each exercise item moves one step back to its ``regression_id`` (or, at the
  bottom, "reduce load, range or volume");
* ``hold`` and ``clinician_review`` → no change (review: a clinician decides).

Pure and deterministic; the plan itself is not changed (the clinician accepts the proposal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from runnersknee.clinical.pain_monitoring import (
    PainDecision,
    PainMonitoringConfig,
    SessionPain,
    decide_progression,
)
from runnersknee.clinical.plan_model import Plan, PlanItem

__all__ = ["ItemChange", "ProgressionStep", "next_step"]


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A proposed change of one plan item."""

    item_id: str
    from_exercise_id: str
    to_exercise_id: str | None
    note: str


@dataclass(frozen=True, slots=True)
class ProgressionStep:
    """The decision, why, and the proposed item changes."""

    decision: PainDecision
    reasons: tuple[str, ...]
    changes: tuple[ItemChange, ...]
    citation_ids: tuple[str, ...]


def _change(item: PlanItem, decision: PainDecision) -> ItemChange | None:
    exercise_id = item.exercise_id
    if exercise_id is None:
        return None
    if decision is PainDecision.PROGRESS:
        target = item.progression_id
        note = (
            f"progress to {target}"
            if target
            else "no harder exercise linked: add load or volume, one variable at a time"
        )
    elif decision is PainDecision.REGRESS:
        target = item.regression_id
        note = (
            f"step back to {target}"
            if target
            else "no easier exercise linked: reduce load, range or volume"
        )
    else:
        return None
    return ItemChange(item.id, exercise_id, target, note)


def next_step(
    plan: Plan,
    history: Sequence[SessionPain],
    config: PainMonitoringConfig,
    *,
    completions_required: int = 2,
    weekly_morning_pain: Sequence[float] = (),
    prior_regressions: int = 0,
) -> ProgressionStep:
    """Progress / hold / regress one step / clinician review for ``plan`` given ``history``."""
    verdict = decide_progression(
        history,
        config,
        completions_required=completions_required,
        weekly_morning_pain=weekly_morning_pain,
        prior_regressions=prior_regressions,
    )
    changes = tuple(
        change for item in plan.items() if (change := _change(item, verdict.decision)) is not None
    )
    return ProgressionStep(
        decision=verdict.decision,
        reasons=verdict.reasons,
        changes=changes,
        citation_ids=verdict.citation_ids,
    )
