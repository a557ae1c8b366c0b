"""Gait retraining (runners, KB 6) and footwear/orthoses (KB 5.7) plan components."""

from __future__ import annotations

from dataclasses import replace

from runnersknee.clinical.exercises import Component, Phase
from runnersknee.clinical.impairments import Impairment, ImpairmentKind
from runnersknee.clinical.plan_components import (
    PlanContext,
    Wanted,
    advice_item,
    exercise_items,
    forefoot_change_planned,
)
from runnersknee.clinical.plan_exercise_item import cites
from runnersknee.clinical.plan_inputs import RunningNow
from runnersknee.clinical.plan_model import ComponentStatus, PlanComponent, PlanItem

__all__ = [
    "baseline_cadence_spm",
    "cadence_target_spm",
    "footwear_component",
    "gait_component",
    "running_context",
    "running_hip_findings",
]

_K = ImpairmentKind
_GAIT_BASE = ("DAVIS-2020", "CONS-2018", "ESCULIER-2018")
_CADENCE_CITES = ("HEIDERSCHEIT-2011", "LENHART-2014", "WILLY-2016", "BRAMAH-2019", "DAVIS-2020")
_HIP_CUE_CITES = ("WILLY-2012", "NOEHREN-2011", "BRAMAH-2018", "DAVIS-2020")


def baseline_cadence_spm(ctx: PlanContext) -> float | None:
    """Measured cadence: the assessment's value, else the intake's running history."""
    return ctx.assessment.running.cadence_spm or ctx.case.running.cadence_spm


def cadence_target_spm(baseline_spm: float, ctx: PlanContext) -> tuple[int, int]:
    """``baseline × (1 + min%)`` … ``baseline × (1 + max%)``, rounded to whole steps/min."""
    low = ctx.config.cadence_increase_min_pct.value
    high = ctx.config.cadence_increase_max_pct.value
    return round(baseline_spm * (1 + low / 100)), round(baseline_spm * (1 + high / 100))


def running_context(ctx: PlanContext) -> str:
    """Where the change is practised: the walk-run table's run intervals, or the usual runs."""
    if ctx.inputs.running_now is RunningNow.STOPPED:
        return "walk_run_intervals"
    return "usual_runs"


def _session_dose(ctx: PlanContext, primary: bool) -> str:
    g = ctx.config.gait_dose
    feedback = f"feedback every session for sessions 1-{g.full_feedback_sessions}, then faded"
    if running_context(ctx) == "walk_run_intervals":
        dose = (
            "Not running at the moment: start with the walk-run table and practise the change "
            "only in its run intervals, adding no running for it; the course of "
            f"{g.sessions} sessions ({g.start_min:g} → {g.end_min:g} min with the cue) starts "
            f"once continuous runs are that long; {feedback}"
        )
    else:
        dose = (
            f"{g.sessions} sessions over {g.weeks} weeks inside your usual runs: use the cue "
            f"for {g.start_min:g} → {g.end_min:g} min of a run (the whole run if it is "
            f"shorter), adding no running for it; {feedback}"
        )
    if not primary:
        dose += "; start only once the first change feels natural (one change at a time)"
    return dose


def _retest_text(ctx: PlanContext) -> str:
    return (
        f"Retest at 2-4 weeks: keep the change if running pain stays at or below "
        f"{ctx.threshold:g}/10 and the measure moved; drop it if there is no immediate pain "
        "benefit after 2-3 sessions (unverified rule)."
    )


def _with_dose(items: tuple[PlanItem, ...], dose: str, where: str) -> tuple[PlanItem, ...]:
    """The patient's own retraining dose replaces the library's generic session dose."""
    return tuple(replace(item, dose=f"{dose}.", running_context=where) for item in items)


def _gait_item(  # noqa: PLR0917
    ctx: PlanContext,
    target: str,
    title: str,
    advice: str,
    reason: str,
    answers: tuple[str, ...],
    sources: tuple[str, ...],
    primary: bool,
) -> tuple[PlanItem, ...]:
    dose = _session_dose(ctx, primary)
    if target == "cadence" and baseline_cadence_spm(ctx) is not None:
        low, high = cadence_target_spm(baseline_cadence_spm(ctx) or 0.0, ctx)
        dose = f"Target {low}-{high} steps/min; {dose}"
    found = exercise_items(ctx, Component.GAIT_RETRAINING, [(target, reason, answers, sources)])
    where = running_context(ctx)
    if found:
        return tuple(
            replace_progression(item, _retest_text(ctx)) for item in _with_dose(found, dose, where)
        )
    item = replace(
        advice_item(
            Component.GAIT_RETRAINING,
            target,
            title,
            advice,
            dose,
            reason,
            _retest_text(ctx),
            cites(sources, ctx.config.gait_dose.citation_ids),
            verified=False,
            target=target,
            answers=answers,
        ),
        running_context=where,
    )
    return (item,)


def replace_progression(item: PlanItem, text: str) -> PlanItem:
    """``item`` with its progression criteria replaced."""
    return replace(item, progression_criteria=text)


def _cadence(ctx: PlanContext, primary: bool, answers: tuple[str, ...]) -> tuple[PlanItem, ...]:
    baseline = baseline_cadence_spm(ctx)
    if baseline is None:
        advice = (
            "Measure your usual cadence (steps per minute) on at least 2 easy runs; the "
            "target is then 5-10 % above it. Do not aim for a fixed number such as 180."
        )
        reason = "First-line running change; baseline cadence not yet measured."
    else:
        low, high = cadence_target_spm(baseline, ctx)
        advice = (
            f"Take slightly shorter, quicker steps: from {baseline:g} to {low}-{high} "
            "steps per minute, using a metronome or watch."
        )
        reason = (
            f"First-line running change: baseline {baseline:g} steps/min → target "
            f"{low}-{high} steps/min (+5-10 %)."
        )
    return _gait_item(
        ctx, "cadence", "Increase cadence 5-10 %", advice, reason, answers, _CADENCE_CITES, primary
    )


def _deferred(ctx: PlanContext) -> str | None:
    """Why gait retraining is not started yet, or None."""
    if "not_running" in ctx.findings:
        return "Not a runner: gait retraining is for runners."
    if ctx.phase is Phase.ISOMETRIC:
        return (
            "Deferred: the knee is irritable (phase 1). Start running retraining when pain "
            f"with daily activity stays at or below {ctx.threshold:g}/10."
        )
    if ctx.inputs.adolescent and ctx.phase < Phase.FUNCTIONAL:
        return (
            "Deferred: for a young person (10-16 years) the activity changes and the loading "
            "plan come first; no cadence or running retraining until they are tolerated "
            "(functional phase)."
        )
    return None


def running_hip_findings(ctx: PlanContext) -> tuple[Impairment, ...]:
    """Pelvic drop or knee valgus seen while running (video or clinician), painful side.

    A squat or step-down FPPA alone triggers strengthening and movement retraining, not a
    running cue.
    """
    found = ctx.having(_K.EXCESSIVE_PELVIC_DROP, _K.DYNAMIC_KNEE_VALGUS, involved_only=True)
    return tuple(i for i in found if i.task == "running")


def gait_component(ctx: PlanContext) -> PlanComponent:
    """Running retraining: cadence first line; hip cue when running measures show drop/valgus."""
    c = Component.GAIT_RETRAINING
    why = _deferred(ctx)
    if why is not None:
        base = (
            _GAIT_BASE
            if "not_running" in ctx.findings
            else cites(_GAIT_BASE, ("KB-PLAN-DEFAULTS",))
        )
        if ctx.inputs.adolescent and "not_running" not in ctx.findings:
            base = cites(base, ("RATHLEFF-2019",))
        return PlanComponent(c, ComponentStatus.NOT_INDICATED, why, (), base)
    hip = running_hip_findings(ctx)
    low_cadence = tuple(i.id for i in ctx.having(_K.LOW_CADENCE))
    items = [
        *_hip_cue(ctx, hip),
        *_cadence(ctx, not hip, low_cadence),
        *_step_length(ctx),
        *_landing(ctx),
    ]
    return PlanComponent(
        c,
        ComponentStatus.INDICATED,
        "Running retraining, one change at a time with faded feedback.",
        tuple(items),
        _GAIT_BASE,
    )


def _hip_cue(ctx: PlanContext, hip: tuple[Impairment, ...]) -> tuple[PlanItem, ...]:
    """The first-line hip and knee alignment cue when running shows drop or valgus."""
    if not hip:
        return ()
    labels = "; ".join(i.label for i in hip)
    return _gait_item(
        ctx,
        "hip_drop_cue",
        "Hip and knee alignment cue",
        "Run with your knees apart and kneecaps in line with your toes; keep your pelvis "
        "level (mirror or video feedback).",
        f"Pelvic drop or knee valgus while running is high: {labels}.",
        tuple(i.id for i in hip),
        cites(_HIP_CUE_CITES, *(i.citation_ids for i in hip)),
        True,
    )


def _step_length(ctx: PlanContext) -> tuple[PlanItem, ...]:
    """Shorter steps when overstriding was seen (a later, optional change)."""
    found = ctx.having(_K.OVERSTRIDING)
    if not found:
        return ()
    return _gait_item(
        ctx,
        "step_length",
        "Shorter steps",
        "Land with your foot closer to under your body.",
        f"Answers: {'; '.join(i.label for i in found)}.",
        tuple(i.id for i in found),
        ("WILLSON-2014",),
        False,
    )


def _landing(ctx: PlanContext) -> tuple[PlanItem, ...]:
    """Forefoot-strike and soft-landing changes, when they apply (later, optional changes)."""
    items: list[PlanItem] = []
    if forefoot_change_planned(ctx):
        items.extend(
            _gait_item(
                ctx,
                "foot_strike",
                "Land further forward on the foot",
                "Land on the front of the foot; add calf strengthening and build volume slowly.",
                "Immediate pain relief with a forefoot strike in the trial; no calf or Achilles "
                "symptoms; calf and soleus strengthening is in the plan beside it.",
                (),
                ("ESCULIER-2023", "VANNATTA-2015", "ROPER-2016"),
                False,
            )
        )
    if ctx.assessment.running.hard_landing:
        items.extend(
            _gait_item(
                ctx,
                "soft_landing",
                "Run more softly",
                "Land quietly and softly.",
                "Hard, loud landing observed.",
                (),
                ("CROWELL-DAVIS-2011",),
                False,
            )
        )
    return tuple(items)


def footwear_component(ctx: PlanContext) -> PlanComponent:
    """Prefabricated orthoses ≤ 6 weeks when FPI-6 ≥ +6 or an orthosis trial relieves SLS pain."""
    c = Component.FOOTWEAR_ORTHOSES
    sources = ("CPG-2019", "CONS-2018", "BARTON-2011-ORTHOSES")
    minimum = ctx.config.orthoses_fpi6_min.value
    pronated = tuple(
        i
        for i in ctx.having(_K.PRONATED_FOOT, involved_only=True)
        if i.value is not None and i.value >= minimum
    )
    relief = bool(ctx.assessment.footwear.orthosis_trial_immediate_sls_relief)
    reasons = [i.label for i in pronated]
    if relief:
        reasons.append("immediate single-leg-squat pain relief with an orthosis trial")
    if not reasons:
        fpi = [m.foot.fpi6_total for m in (ctx.assessment.left, ctx.assessment.right)]
        why = (
            "Foot posture not assessed and no orthosis trial recorded."
            if all(v is None for v in fpi)
            else f"FPI-6 below +{minimum:g} on the painful side and no immediate relief with an "
            "orthosis trial."
        )
        return PlanComponent(c, ComponentStatus.NOT_INDICATED, why, (), sources)
    if not ctx.preferences.orthoses_ok:
        return PlanComponent(
            c,
            ComponentStatus.NOT_INDICATED,
            f"Would be offered ({'; '.join(reasons)}) but the patient prefers not to use orthoses.",
            (),
            sources,
        )
    weeks = ctx.config.orthoses_max_weeks.value
    reason = f"Answers: {'; '.join(reasons)}."
    answers = tuple(i.id for i in pronated)
    items = _footwear_items(ctx, reason, answers, sources)
    return PlanComponent(
        c,
        ComponentStatus.INDICATED,
        f"Prefabricated orthoses as a short-term (up to {weeks:g} weeks) adjunct.",
        items,
        sources,
    )


def _footwear_items(
    ctx: PlanContext, reason: str, answers: tuple[str, ...], sources: tuple[str, ...]
) -> tuple[PlanItem, ...]:
    """Library orthoses and footwear items; advice on prefabricated orthoses if none fits."""
    c = Component.FOOTWEAR_ORTHOSES
    weeks = ctx.config.orthoses_max_weeks.value
    wanted: list[Wanted] = [
        ("orthoses", reason, answers, sources),
        ("footwear", reason, answers, sources),
    ]
    items = [
        replace(item, dose=f"Up to {weeks:g} weeks, then review. {item.dose}")
        if item.target == "orthoses"
        else item
        for item in exercise_items(ctx, c, wanted)
    ]
    if not any(i.target == "orthoses" for i in items):
        in_use = (
            " Review the orthoses already in use."
            if ctx.assessment.footwear.orthoses_in_use
            else ""
        )
        items.insert(
            0,
            advice_item(
                c,
                "orthoses",
                "Prefabricated foot orthoses",
                "Off-the-shelf arch-support insoles as a short-term pain-relief aid alongside "
                f"exercise.{in_use}",
                f"Up to {weeks:g} weeks, then review.",
                reason,
                "Stop or review at 6 weeks; continue only if they clearly help.",
                cites(sources, ctx.config.orthoses_max_weeks.citation_ids),
                answers=answers,
                target="orthoses",
            ),
        )
    return tuple(items)
