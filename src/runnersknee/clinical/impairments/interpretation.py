"""Interpretation: every impairment of an assessment, in a stable order."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from runnersknee.clinical.assessment import Assessment, LimbSide, SideMeasures
from runnersknee.clinical.case import Case, Sex
from runnersknee.clinical.impairments.model import (
    AssessmentThresholds,
    Impairment,
    ImpairmentKind,
    make_impairment,
)
from runnersknee.clinical.impairments.side_findings import (
    flexibility_findings,
    foot_and_knee_findings,
    movement_findings,
    trunk_and_running_findings,
)
from runnersknee.clinical.impairments.strength import strength_findings

__all__ = ["interpret"]


def _running(
    case: Case, assessment: Assessment, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    """Whole-body running findings: low cadence, pelvic drop and overstriding (judged)."""
    running = assessment.running
    cadence = running.cadence_spm
    low = limits.cadence_low_at_or_below_spm
    if case.running.runs and cadence is not None and cadence <= low.value:
        yield make_impairment(
            ImpairmentKind.LOW_CADENCE, f"{cadence:g} steps/min", None, cadence, "steps/min", low
        )
    if running.pelvic_drop_excessive:
        yield make_impairment(
            ImpairmentKind.EXCESSIVE_PELVIC_DROP,
            "visible in running (clinician judgement)",
            None,
            None,
            "",
            None,
            citations=("BRAMAH-2018", "NEAL-2016-GAIT"),
            verified=False,
            note=(
                "No validated cut-off; each 1 deg more drop raised the odds of injury "
                "(Bramah 2018)."
            ),
            task="running",
        )
    if running.overstride:
        yield make_impairment(
            ImpairmentKind.OVERSTRIDING,
            "foot lands well ahead of the body (clinician judgement)",
            None,
            running.overstride_cm,
            "cm" if running.overstride_cm is not None else "",
            None,
            citations=("WILLSON-2014",),
            verified=False,
        )


_SideRule = Callable[[LimbSide, SideMeasures, Sex, AssessmentThresholds], Iterator[Impairment]]


def interpret(
    case: Case, assessment: Assessment, thresholds: AssessmentThresholds
) -> tuple[Impairment, ...]:
    """All impairments of ``assessment``, in a stable order (strength, then per side, then gait)."""
    sex = case.demographics.sex
    found: list[Impairment] = list(strength_findings(case, assessment, thresholds))
    rules: tuple[_SideRule, ...] = (
        lambda s, m, _x, t: movement_findings(s, m, t),
        flexibility_findings,
        lambda s, m, _x, t: foot_and_knee_findings(s, m, t),
        trunk_and_running_findings,
    )
    for side in (LimbSide.LEFT, LimbSide.RIGHT):
        measures = assessment.side(side)
        for rule in rules:
            found.extend(rule(side, measures, sex, thresholds))
    found.extend(_running(case, assessment, thresholds))
    return tuple(found)
