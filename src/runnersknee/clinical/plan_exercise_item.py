"""How one library exercise reads as a plan item: dose line, progression criteria, sources."""

from __future__ import annotations

from collections.abc import Iterable

from runnersknee.clinical.exercises import Component, Exercise
from runnersknee.clinical.plan_model import PlanConfig, PlanItem

__all__ = ["cites", "exercise_item"]


def cites(*groups: Iterable[str]) -> tuple[str, ...]:
    """The citation ids of all groups in first-seen order, each once."""
    return tuple(dict.fromkeys(cid for group in groups for cid in group))


_NOT_LOADED = {
    Component.PAIN_MANAGEMENT: "Not progressed: use while it helps alongside exercise; stop when "
    "no longer needed.",
    Component.STRETCHING: "Retest at the next visit; stop when the measured deficit has resolved.",
    Component.FOOTWEAR_ORTHOSES: "Review at the next visit; stop if there is no clear benefit.",
}


def _progression_text(ex: Exercise, config: PlanConfig, graded_exposure: bool) -> str:
    if ex.component in _NOT_LOADED:
        return _NOT_LOADED[ex.component]
    nxt = f"next: {ex.progression_id}" if ex.progression_id else "next: add load or volume"
    back = f"easier: {ex.regression_id}" if ex.regression_id else "easier: reduce load or range"
    limit = config.pain_threshold_nprs.value
    text = (
        f"Progress one variable at a time (load, volume or range) when pain during the exercise "
        f"stays at or below {limit:g}/10 and next-morning pain is no worse than usual "
        f"for {config.completions_required} sessions in a row ({nxt}). Step back if pain "
        f"goes above {limit:g}/10 or is worse the next morning ({back})."
    )
    if graded_exposure:
        text += (
            " Each step is planned ahead with your clinician (graded exposure): some "
            "discomfort within the limit is expected and safe, and is not a reason to stop."
        )
    return text


def exercise_item(
    ex: Exercise,
    target: str,
    reason: str,
    answers: tuple[str, ...],
    extra_cites: tuple[str, ...],
    *,
    config: PlanConfig,
    graded_exposure: bool,
) -> PlanItem:
    """``ex`` as a plan item for ``target``: its dose line, progression criteria and sources.

    ``graded_exposure`` (a high fear of movement) adds that each step is planned ahead.
    """
    dose = ex.dose.describe() or "as instructed"
    if ex.dose.intensity:
        dose = f"{dose}; intensity: {ex.dose.intensity.rstrip('.')}"
    if ex.dose.load_guidance:
        dose = f"{dose}; {ex.dose.load_guidance.rstrip('.')}"
    if ex.pfj_range:
        dose = f"{dose}; range {ex.pfj_range}"
    return PlanItem(
        id=f"{ex.component.value}:{ex.id}",
        component=ex.component,
        title=ex.name,
        exercise_id=ex.id,
        dose=dose,
        reason=reason,
        progression_criteria=_progression_text(ex, config, graded_exposure),
        citation_ids=cites(
            ex.citation_ids, ex.dose.citation_ids, extra_cites, ("SILBERNAGEL-2007",)
        ),
        target=target,
        answers=answers,
        verified=ex.dose.verified,
        progression_id=ex.progression_id,
        regression_id=ex.regression_id,
        intensity=ex.dose.intensity or None,
    )
