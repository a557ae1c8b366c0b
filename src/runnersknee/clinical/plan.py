"""Plan generator: case + assessment + preferences → a proposed, cited treatment plan.

:func:`generate_plan` is pure and deterministic. The caller passes the triage result in (the
generator never re-runs triage); it refuses unless triage says ``plan``. See
docs/assessment-and-plan.md for the phase rule and each component's rules.
"""

from __future__ import annotations

from collections.abc import Mapping

from runnersknee.clinical.assessment import Assessment, Function, LimbSide
from runnersknee.clinical.case import Case
from runnersknee.clinical.errors import Refused
from runnersknee.clinical.exercises import Exercise, Phase
from runnersknee.clinical.impairments import interpret, involved_sides
from runnersknee.clinical.plan_components import (
    PlanContext,
    strengthening_component,
    stretching_component,
)
from runnersknee.clinical.plan_gait import footwear_component, gait_component
from runnersknee.clinical.plan_inputs import PlanInputs, plan_inputs
from runnersknee.clinical.plan_model import (
    EducationTopic,
    PhaseRule,
    Plan,
    PlanConfig,
    PlanPreferences,
    TriageOutcome,
)
from runnersknee.clinical.plan_pain import pain_component

__all__ = [
    "FINDING_IDS",
    "active_findings",
    "choose_phase",
    "clinician_prompts",
    "generate_plan",
    "select_education",
]

#: Finding ids that exercise contraindications may name.
FINDING_IDS = (
    "irritable_knee",
    "calf_achilles_symptoms",
    "poor_step_down_control",
    "pain_with_deep_knee_flexion",
    "pregnancy_or_recent_surgery",
    "not_running",
)
_PHASE_CITES = ("KB-PLAN-DEFAULTS", "SILBERNAGEL-2007", "PIVA-2006")


def _step_down_scores(assessment: Assessment, involved: tuple[LimbSide, ...]) -> list[int]:
    tests = (assessment.side(side).movement.step_down for side in involved)
    return [test.total for test in tests if test is not None]


def choose_phase(
    assessment: Assessment,
    rule: PhaseRule,
    involved: tuple[LimbSide, ...],
    *,
    function: Function | None = None,
) -> tuple[Phase, str]:
    """Phase from irritability and function; returns the phase and the reason in words.

    1 (isometric) if irritable: clinician says so, pain not recorded, usual pain (worst if
    usual missing) above the limit, or step-down task pain above the limit. 3 (functional)
    if usual pain and the worst involved step-down score are within their limits (and AKPS,
    when a limit is configured). 4 (plyometric/running) if also step-down "good" and worst
    pain within its limit. Otherwise 2 (isotonic). ``function`` replaces the assessment's
    values (e.g. with NPRS and AKPS entered as questionnaires filled in).
    """
    fn = function or assessment.function
    pain = fn.usual_pain_nprs if fn.usual_pain_nprs is not None else fn.worst_pain_nprs
    limit = rule.irritable_usual_pain_above.value
    if fn.irritable:
        return Phase.ISOMETRIC, "The clinician judged the knee irritable."
    if pain is None:
        return Phase.ISOMETRIC, "Pain levels were not recorded, so the plan starts gently."
    if pain > limit:
        return Phase.ISOMETRIC, f"Pain {pain:g}/10 is above {limit:g}/10 (irritable knee)."
    task_limit = rule.irritable_task_pain_above.value
    if fn.step_down_pain_nprs is not None and fn.step_down_pain_nprs > task_limit:
        return (
            Phase.ISOMETRIC,
            f"Step-down pain {fn.step_down_pain_nprs:g}/10 is above {task_limit:g}/10.",
        )
    scores = _step_down_scores(assessment, involved)
    if not scores:
        return Phase.ISOTONIC, "Not irritable; step-down test not recorded."
    worst = max(scores)
    blockers = []
    if pain > rule.functional_usual_pain_at_most.value:
        blockers.append(f"pain {pain:g}/10 > {rule.functional_usual_pain_at_most.value:g}/10")
    if worst > rule.functional_step_down_at_most.value:
        blockers.append(f"step-down {worst}/6 > {rule.functional_step_down_at_most.value:g}")
    akps = rule.functional_akps_at_least
    if akps is not None and fn.akps_total is not None and fn.akps_total < akps.value:
        blockers.append(f"AKPS {fn.akps_total} < {akps.value:g}")
    if blockers:
        return Phase.ISOTONIC, f"Not irritable, but {'; '.join(blockers)}."
    worst_pain = fn.worst_pain_nprs
    plyo_pain = rule.plyometric_worst_pain_at_most.value
    if (
        worst <= rule.plyometric_step_down_at_most.value
        and worst_pain is not None
        and worst_pain <= plyo_pain
    ):
        return (
            Phase.PLYOMETRIC_RUNNING,
            f"Pain {pain:g}/10, worst {worst_pain:g}/10, step-down {worst}/6 (good).",
        )
    return Phase.FUNCTIONAL, f"Pain {pain:g}/10 and step-down {worst}/6 within limits."


def active_findings(
    case: Case, assessment: Assessment, phase: Phase, involved: tuple[LimbSide, ...]
) -> frozenset[str]:
    """Finding ids (see :data:`FINDING_IDS`) that rule out contraindicated exercises."""
    found: set[str] = set()
    if phase is Phase.ISOMETRIC:
        found.add("irritable_knee")
    if assessment.symptoms.calf_achilles_symptoms:
        found.add("calf_achilles_symptoms")
    if assessment.symptoms.pain_with_deep_knee_flexion:
        found.add("pain_with_deep_knee_flexion")
    if any(score >= 4 for score in _step_down_scores(assessment, involved)):
        found.add("poor_step_down_control")
    if case.pregnant_or_recent_surgery:
        found.add("pregnancy_or_recent_surgery")
    if not case.running.runs:
        found.add("not_running")
    return frozenset(found)


def select_education(
    case: Case, config: PlanConfig, inputs: PlanInputs | None = None
) -> tuple[EducationTopic, ...]:
    """Education topics for this patient, with the pain threshold filled in."""
    threshold = f"{config.pain_threshold_nprs.value:g}"
    wanted = {"all"}
    if case.running.runs:
        wanted.add("runner")
    if case.demographics.age_years < 18:
        wanted.add("adolescent")
    if inputs is not None and inputs.adolescent:
        wanted.add("parent")
    if inputs is not None and inputs.high_kinesiophobia:
        wanted.add("kinesiophobia")
    return tuple(
        EducationTopic(
            id=topic.id,
            title=topic.title,
            body=topic.body.replace("{pain_threshold}", threshold),
            citation_ids=topic.citation_ids,
            audience=topic.audience,
            verified=topic.verified,
        )
        for topic in config.education
        if topic.audience in wanted
    )


def generate_plan(
    case: Case,
    assessment: Assessment,
    preferences: PlanPreferences | None = None,
    *,
    triage_result: TriageOutcome,
    library: Mapping[str, Exercise],
    config: PlanConfig,
) -> Plan:
    """Propose a plan; raise :class:`Refused` (triage result in details) unless triage is "plan"."""
    level = str(getattr(triage_result.level, "value", triage_result.level))
    if level != "plan" or not triage_result.plan_allowed:
        raise Refused(
            f"no exercise plan: triage level is {level}",
            triage=triage_result,
            level=level,
        )
    involved = involved_sides(case)
    inputs = plan_inputs(case, assessment, config)
    phase, phase_reason = choose_phase(
        assessment, config.phase_rule, involved, function=inputs.function
    )
    if inputs.sources:
        phase_reason += f" (From questionnaires: {'; '.join(inputs.sources)}.)"
    ctx = PlanContext(
        case=case,
        assessment=assessment,
        preferences=preferences or PlanPreferences(),
        library=library,
        config=config,
        phase=phase,
        findings=active_findings(case, assessment, phase, involved),
        impairments=interpret(case, assessment, config.thresholds),
        involved=involved,
        inputs=inputs,
    )
    builders = (
        pain_component,
        stretching_component,
        strengthening_component,
        gait_component,
        footwear_component,
    )
    return Plan(
        case_id=case.case_id,
        triage_level=level,
        phase=phase,
        phase_reason=phase_reason,
        phase_citation_ids=_PHASE_CITES,
        components=tuple(build(ctx) for build in builders),
        education=select_education(case, config, inputs),
        impairments=ctx.impairments,
        findings=tuple(sorted(ctx.findings)),
        pain_threshold_nprs=config.pain_threshold_nprs.value,
        clinician_prompts=clinician_prompts(inputs),
        function_sources=inputs.sources,
    )


def clinician_prompts(inputs: PlanInputs) -> tuple[str, ...]:
    """Reminders for the clinician (never shown to the patient)."""
    prompts: list[str] = []
    if inputs.adolescent:
        prompts.append(
            "Examine the hip (range of movement, pain) in every 10-16-year-old with knee pain: "
            "slipped capital femoral epiphysis and other hip problems can present as knee pain "
            "(Peck 2017; MSD Manual, SCFE). Involve a parent or guardian."
        )
    if inputs.high_kinesiophobia:
        prompts.append(
            f"TSK-11 {inputs.tsk11_total} (high fear of movement): emphasise pain education, "
            "plan graded exposure with the patient, and explain each progression as a planned "
            "step (Esculier 2020)."
        )
    return tuple(prompts)
