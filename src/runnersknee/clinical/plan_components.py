"""Builders of the five plan components (pain, stretching, strengthening, gait, footwear).

Each builder returns a :class:`PlanComponent` that is either indicated (with items) or not
indicated (with the reason). Exercises come from the library, filtered by phase,
contraindicating findings and available equipment; advice items carry their own sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from runnersknee.clinical.assessment import Assessment, LimbSide
from runnersknee.clinical.case import Case
from runnersknee.clinical.exercises import Component, Exercise, Phase
from runnersknee.clinical.impairments import Impairment, ImpairmentKind
from runnersknee.clinical.plan_exercise_item import cites, exercise_item
from runnersknee.clinical.plan_inputs import PlanInputs
from runnersknee.clinical.plan_model import (
    ComponentStatus,
    PlanComponent,
    PlanConfig,
    PlanItem,
    PlanPreferences,
)

__all__ = [
    "PLYOMETRIC_TAG",
    "PlanContext",
    "Wanted",
    "advice_item",
    "exercise_items",
    "forefoot_change_planned",
    "select_exercises",
    "strengthening_component",
    "stretching_component",
    "uncovered",
]

#: The target tag of plyometric (running-readiness) exercises; they never cover a strength target.
PLYOMETRIC_TAG = "running_readiness"

_K = ImpairmentKind
#: (target tag, reason, answered impairment ids, citation ids)
Wanted = tuple[str, str, tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class PlanContext:
    """Everything a component builder reads."""

    case: Case
    assessment: Assessment
    preferences: PlanPreferences
    library: Mapping[str, Exercise]
    config: PlanConfig
    phase: Phase
    findings: frozenset[str]
    impairments: tuple[Impairment, ...]
    involved: tuple[LimbSide, ...]
    inputs: PlanInputs

    def having(self, *kinds: ImpairmentKind, involved_only: bool = False) -> tuple[Impairment, ...]:
        """Impairments of the given kinds (optionally only on the painful side)."""
        return tuple(
            i
            for i in self.impairments
            if i.kind in kinds and (not involved_only or i.side is None or i.side in self.involved)
        )

    @property
    def threshold(self) -> float:
        """The pain-monitoring threshold (NPRS /10)."""
        return self.config.pain_threshold_nprs.value


def covers(exercise: Exercise, target: str) -> bool:
    """True when ``exercise`` counts for ``target`` (a plyometric counts only as plyometric)."""
    if target not in exercise.targets:
        return False
    return target == PLYOMETRIC_TAG or PLYOMETRIC_TAG not in exercise.targets


def _allowed(
    ctx: PlanContext, component: Component, target: str, phases: set[Phase]
) -> list[Exercise]:
    equipment = ctx.preferences.available_equipment
    return [
        ex
        for ex in ctx.library.values()
        if ex.component is component
        and covers(ex, target)
        and phases.intersection(ex.phases)
        and not ctx.findings.intersection(ex.contraindications)
        and (equipment is None or set(ex.equipment) <= equipment)
    ]


def select_exercises(ctx: PlanContext, component: Component, target: str) -> tuple[Exercise, ...]:
    """Library exercises for ``target`` allowed in this phase, safe and doable, best first.

    Order: the most advanced exercise still allowed in the phase, then by id (deterministic).
    Strengthening continues in every phase: when nothing of this phase fits (e.g. no
    equipment for the loaded phase-4 exercises), the most advanced earlier-phase exercise is
    used instead.
    """
    allowed = _allowed(ctx, component, target, {ctx.phase})
    if not allowed and component is Component.STRENGTHENING and target != PLYOMETRIC_TAG:
        allowed = _allowed(ctx, component, target, {p for p in Phase if p < ctx.phase})
        allowed.sort(key=lambda ex: (-max(ex.phases), ex.id))
    else:
        allowed.sort(key=lambda ex: (-min(ex.phases), ex.id))
    return tuple(allowed[: ctx.preferences.exercises_per_target])


def forefoot_change_planned(ctx: PlanContext) -> bool:
    """A forefoot-strike change is prescribed only with calf/soleus strengthening beside it.

    True when the runner had immediate relief with a forefoot strike, has no calf or Achilles
    symptoms, gait retraining is not deferred, and a calf exercise is available in this phase.
    """
    running = ctx.assessment.running
    return bool(
        running.forefoot_strike_immediate_relief
        and "calf_achilles_symptoms" not in ctx.findings
        and "not_running" not in ctx.findings
        and ctx.phase >= Phase.ISOTONIC
        and select_exercises(ctx, Component.STRENGTHENING, "calf")
    )


def advice_item(  # noqa: PLR0917 - every advice item has these eight parts
    component: Component,
    key: str,
    title: str,
    advice: str,
    dose: str,
    reason: str,
    progression: str,
    cites: tuple[str, ...],
    *,
    verified: bool = True,
    target: str | None = None,
    answers: tuple[str, ...] = (),
) -> PlanItem:
    return PlanItem(
        id=f"{component.value}:{key}",
        component=component,
        title=title,
        advice=advice,
        dose=dose,
        reason=reason,
        progression_criteria=progression,
        citation_ids=cites,
        verified=verified,
        target=target,
        answers=answers,
    )


def _labels(found: Iterable[Impairment]) -> str:
    return "; ".join(i.label for i in found)


def exercise_items(
    ctx: PlanContext,
    component: Component,
    wanted: Sequence[Wanted],
) -> tuple[PlanItem, ...]:
    """Pick exercises for (target, reason, answers, cites); an exercise is used once."""
    items: list[PlanItem] = []
    chosen: set[str] = set()
    for target, reason, answers, sources in wanted:
        if any(covers(ctx.library[i], target) for i in chosen if i in ctx.library):
            continue
        for ex in select_exercises(ctx, component, target):
            if ex.id not in chosen:
                chosen.add(ex.id)
                items.append(
                    exercise_item(
                        ex,
                        target,
                        reason,
                        answers,
                        sources,
                        config=ctx.config,
                        graded_exposure=ctx.inputs.high_kinesiophobia,
                    )
                )
    return tuple(items)


def uncovered(ctx: PlanContext, wanted: Sequence[Wanted], items: Sequence[PlanItem]) -> str:
    """A sentence naming wanted targets that no chosen exercise covers ('' when none)."""
    ids = [i.exercise_id for i in items if i.exercise_id is not None]
    chosen = [ctx.library[ex_id] for ex_id in ids if ex_id in ctx.library]
    missing = [target for target, *_ in wanted if not any(covers(ex, target) for ex in chosen)]
    if not missing:
        return ""
    return (
        f" No library exercise fits phase {int(ctx.phase)} for: {', '.join(missing)} "
        "(clinician to choose)."
    )


_STRETCH_TARGETS: tuple[tuple[str, tuple[ImpairmentKind, ...]], ...] = (
    ("hamstrings_stretch", (_K.HAMSTRING_TIGHTNESS,)),
    ("calf_stretch", (_K.GASTROCNEMIUS_TIGHTNESS, _K.SOLEUS_TIGHTNESS, _K.RESTRICTED_DORSIFLEXION)),
    ("quadriceps_stretch", (_K.QUADRICEPS_TIGHTNESS, _K.RECTUS_FEMORIS_TIGHTNESS)),
    ("hip_flexor_stretch", (_K.HIP_FLEXOR_TIGHTNESS,)),
    ("itb_tfl_stretch", (_K.ITB_TFL_TIGHTNESS,)),
)


def _flexibility_assessed(assessment: Assessment) -> bool:
    empty = type(assessment.left.flexibility)()
    return assessment.left.flexibility != empty or assessment.right.flexibility != empty


def stretching_component(ctx: PlanContext) -> PlanComponent:
    """Stretches only for measured flexibility deficits (KB 5.8)."""
    c = Component.STRETCHING
    items: list[PlanItem] = []
    for target, kinds in _STRETCH_TARGETS:
        found = ctx.having(*kinds)
        if not found:
            continue
        reason = f"Measured deficit: {_labels(found)}."
        answers = tuple(i.id for i in found)
        sources = cites(*(i.citation_ids for i in found), ("PIVA-2005",))
        picked = exercise_items(ctx, c, [(target, reason, answers, sources)])
        items.extend(
            picked
            or (
                advice_item(
                    c,
                    target,
                    target.replace("_", " ").capitalize(),
                    "A gentle, sustained stretch of the tight muscle "
                    "(no library exercise matched).",
                    ctx.config.default_stretch_dose,
                    reason,
                    "Retest at the next visit; stop when the deficit has resolved.",
                    cites(sources, ctx.config.default_stretch_citation_ids),
                    verified=False,
                    target=target,
                    answers=answers,
                ),
            )
        )
    if items:
        return PlanComponent(
            c,
            ComponentStatus.INDICATED,
            "Stretching for measured deficits.",
            tuple(items),
            ("PIVA-2005",),
        )
    why = (
        "No flexibility deficit was measured; stretching is only prescribed for measured deficits."
        if _flexibility_assessed(ctx.assessment)
        else "Flexibility was not assessed; stretching is only prescribed for measured deficits."
    )
    return PlanComponent(
        c, ComponentStatus.NOT_INDICATED, why, (), ("PIVA-2005", "KB-PLAN-DEFAULTS")
    )


_CONTROL = (_K.POOR_SLS_CONTROL, _K.REDUCED_STEP_DOWN_CONTROL, _K.DYNAMIC_KNEE_VALGUS)
_SIDE_BRIDGE_NOTE = (
    "Optional, low weight: the side-bridge cut-off is a population average (McGill 1999), "
    "below which about half of healthy people fall; clinician to decide."
)


def _strength_wanted(ctx: PlanContext, base: tuple[str, ...]) -> list[Wanted]:
    """(target, reason, answers, cites) for every strength target of this patient and phase."""
    default = "Combined hip and knee exercise is recommended for everyone with kneecap pain."
    wanted: list[Wanted] = []

    def want(target: str, kinds: tuple[ImpairmentKind, ...], always: bool, extra: str = "") -> None:
        found = ctx.having(*kinds)
        if found:
            reason = f"Answers: {_labels(found)}."
        elif always or extra:
            reason = extra or default
        else:
            return
        sources = cites(base, *(i.citation_ids for i in found))
        wanted.append((target, reason, tuple(i.id for i in found), sources))

    want("quadriceps", (_K.QUADRICEPS_WEAKNESS,), True)
    want("hip_abductors", (_K.HIP_ABDUCTOR_WEAKNESS, *_CONTROL), True)
    want("hip_external_rotators", (_K.HIP_EXTERNAL_ROTATOR_WEAKNESS,), True)
    want("hip_extensors", (_K.HIP_EXTENSOR_WEAKNESS,), False)
    if ctx.phase >= Phase.ISOTONIC:
        want("neuromuscular_control", _CONTROL, False)
    want("core", (_K.LOW_LATERAL_TRUNK_ENDURANCE,), False)
    runner = "not_running" not in ctx.findings
    if forefoot_change_planned(ctx):
        want(
            "calf",
            (),
            True,
            "Calf and soleus strengthening alongside the forefoot-landing change, which moves "
            "load to the calf and Achilles (Vannatta 2015).",
        )
    elif runner and ctx.phase >= Phase.ISOTONIC:
        want("calf", (), False, "Calf capacity for running (clinic-set default dose).")
    if runner and ctx.phase is Phase.PLYOMETRIC_RUNNING:
        want(PLYOMETRIC_TAG, (), False, "Plyometric running readiness, beside strengthening.")
    return wanted


def _side_bridge_only(item: PlanItem) -> bool:
    return item.target == "core" and all(
        a.startswith(_K.LOW_LATERAL_TRUNK_ENDURANCE.value) for a in item.answers
    )


def strengthening_component(ctx: PlanContext) -> PlanComponent:
    """Combined hip + knee strengthening in every phase (CONS-2018, CPG-2019, Lack 2015)."""
    c = Component.STRENGTHENING
    base = ("CONS-2018", "CPG-2019", "LACK-2015")
    wanted = _strength_wanted(ctx, base)
    items = tuple(
        replace(item, reason=f"{item.reason} {_SIDE_BRIDGE_NOTE}", verified=False)
        if _side_bridge_only(item)
        else item
        for item in exercise_items(ctx, c, wanted)
    )
    gaps = uncovered(ctx, wanted, items)
    if not items:
        return PlanComponent(
            c,
            ComponentStatus.NOT_INDICATED,
            f"No library exercise fits phase {int(ctx.phase)} with the current "
            "findings; a clinician must choose the exercises.",
            (),
            base,
        )
    return PlanComponent(
        c,
        ComponentStatus.INDICATED,
        f"Combined hip and knee strengthening, phase {int(ctx.phase)}.{gaps}",
        items,
        base,
    )
