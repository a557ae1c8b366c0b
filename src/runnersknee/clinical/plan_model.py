"""Plan types: the generator's proposal, its configuration and the patient's preferences.

A :class:`Plan` is a plain frozen value with stable item ids, so a clinician can edit any item
later (the generator's output is the proposal, not the final word).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from runnersknee.clinical._fields import bounded, check_bounds
from runnersknee.clinical.exercises import Component, Phase
from runnersknee.clinical.impairments import AssessmentThresholds, Impairment, Threshold
from runnersknee.clinical.instruments import Instrument

__all__ = [
    "COMPONENT_ORDER",
    "ComponentStatus",
    "EducationTopic",
    "GaitDose",
    "PhaseRule",
    "Plan",
    "PlanComponent",
    "PlanConfig",
    "PlanItem",
    "PlanPreferences",
    "TriageOutcome",
]

_STRICT: dict[str, Any] = {"extra": "forbid"}

#: TSK-11 "high" band start (Chimenti 2021); content (plan.toml) normally supplies it.
_TSK11_HIGH = Threshold(36, ("CHIMENTI-2021",), verified=False)

#: The five seed components, always in this order.
COMPONENT_ORDER: tuple[Component, ...] = (
    Component.PAIN_MANAGEMENT,
    Component.STRETCHING,
    Component.STRENGTHENING,
    Component.GAIT_RETRAINING,
    Component.FOOTWEAR_ORTHOSES,
)


class TriageOutcome(Protocol):
    """What the generator needs of a triage result (``clinical.triage.TriageResult``)."""

    @property
    def level(self) -> Any:
        """``emergency`` / ``urgent`` / ``refer`` / ``plan`` (a StrEnum)."""

    @property
    def plan_allowed(self) -> bool:
        """True only when an exercise plan may be proposed."""


class ComponentStatus(StrEnum):
    """Whether a component is part of the plan."""

    INDICATED = "indicated"
    NOT_INDICATED = "not_indicated"


@dataclass(frozen=True, slots=True)
class EducationTopic:
    """A plain-language education text (content/data/education/*.toml)."""

    id: str
    title: str
    body: str
    citation_ids: tuple[str, ...]
    audience: str = "all"
    verified: bool = True


@dataclass(frozen=True, slots=True)
class PlanItem:
    """One exercise or piece of advice, with why, how much, when to change, and sources."""

    id: str
    component: Component
    title: str
    dose: str
    reason: str
    progression_criteria: str
    citation_ids: tuple[str, ...]
    exercise_id: str | None = None
    advice: str | None = None
    target: str | None = None
    answers: tuple[str, ...] = ()
    verified: bool = True
    progression_id: str | None = None
    regression_id: str | None = None
    #: How hard (strength items): RPE, %RM or "load so the last 2 reps are hard".
    intensity: str | None = None
    #: Gait items: where the change is practised, ``walk_run_intervals`` (not running now:
    #: only inside the walk-run table's run intervals) or ``usual_runs`` (never added running).
    running_context: str | None = None


@dataclass(frozen=True, slots=True)
class PlanComponent:
    """One of the five components, indicated (with items) or not (with the reason)."""

    kind: Component
    status: ComponentStatus
    reason: str
    items: tuple[PlanItem, ...]
    citation_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """The generator's proposal for one case."""

    case_id: str | None
    triage_level: str
    phase: Phase
    phase_reason: str
    phase_citation_ids: tuple[str, ...]
    components: tuple[PlanComponent, ...]
    education: tuple[EducationTopic, ...]
    impairments: tuple[Impairment, ...]
    findings: tuple[str, ...]
    pain_threshold_nprs: float
    #: For the clinician only (e.g. "examine the hip" for a 10-16-year-old).
    clinician_prompts: tuple[str, ...] = ()
    #: Where pain/function values came from when entered as questionnaires.
    function_sources: tuple[str, ...] = ()

    def items(self) -> Iterator[PlanItem]:
        """Every item of every component, in plan order."""
        for component in self.components:
            yield from component.items

    def component(self, kind: Component) -> PlanComponent:
        """The component of ``kind`` (always present)."""
        return next(c for c in self.components if c.kind is kind)


@dataclass(frozen=True, slots=True)
class PhaseRule:
    """Thresholds of the phase rule (see docs/assessment-and-plan.md)."""

    irritable_usual_pain_above: Threshold
    irritable_task_pain_above: Threshold
    functional_usual_pain_at_most: Threshold
    functional_step_down_at_most: Threshold
    plyometric_step_down_at_most: Threshold
    plyometric_worst_pain_at_most: Threshold
    functional_akps_at_least: Threshold | None = None


@dataclass(frozen=True, slots=True)
class GaitDose:
    """Retraining dose of the classic PFP protocols (Davis 2020, KB 6.2)."""

    sessions: int
    weeks: int
    start_min: float
    end_min: float
    full_feedback_sessions: int
    citation_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanConfig:
    """Everything configurable about plan generation and progression."""

    thresholds: AssessmentThresholds
    phase_rule: PhaseRule
    pain_threshold_nprs: Threshold
    cadence_increase_min_pct: Threshold
    cadence_increase_max_pct: Threshold
    gait_dose: GaitDose
    orthoses_fpi6_min: Threshold
    orthoses_max_weeks: Threshold
    completions_required: int = 2
    education: tuple[EducationTopic, ...] = ()
    default_stretch_dose: str = "3 × 30 s hold, daily"
    default_stretch_citation_ids: tuple[str, ...] = ("KB-PLAN-DEFAULTS",)
    #: TSK-11 total at or above which fear of movement is "high" (Chimenti 2021 band).
    tsk11_high_at_least: Threshold = _TSK11_HIGH
    #: The adolescent pathway (activity modification first, parent education, hip exam).
    adolescent_min_age: int = 10
    adolescent_max_age: int = 16
    #: Scored questionnaires the plan reads (NPRS, AKPS, TSK-11); id -> instrument.
    instruments: Mapping[str, Instrument] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlanPreferences:
    """What the patient prefers or has; never overrides a safety rule."""

    __pydantic_config__ = _STRICT

    available_equipment: frozenset[str] | None = None
    taping_ok: bool = True
    orthoses_ok: bool = True
    exercises_per_target: int = bounded(1, 3, "exercises", default=1)

    def __post_init__(self) -> None:
        check_bounds(self)
