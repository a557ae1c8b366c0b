"""The pain-management component: education, load management, taping, comfort, medicines.

Adds, where they apply: running-volume advice for an irritable knee that still runs (reduce,
do not stop), the adolescent pathway (activity modification first, then progressive load;
Rathleff 2019) and graded exposure for a high fear of movement (TSK-11). See
docs/clinical-basis.md ("Pain management and load").
"""

from __future__ import annotations

from runnersknee.clinical.exercises import Component, Phase
from runnersknee.clinical.plan_components import PlanContext, advice_item, exercise_items
from runnersknee.clinical.plan_inputs import RunningNow
from runnersknee.clinical.plan_model import ComponentStatus, PlanComponent, PlanItem

__all__ = ["pain_component"]

_C = Component.PAIN_MANAGEMENT


def _education() -> PlanItem:
    return advice_item(
        _C,
        "education",
        "Understand your knee pain",
        "Kneecap pain is common and usually not a sign of damage; it improves with the "
        "right exercise and by adjusting how much load the knee takes.",
        "Read the education topics once; revisit each visit.",
        "Education on symptom management and training modification (all patients).",
        "Revisit when symptoms change.",
        ("ESCULIER-2018", "ESCULIER-2020"),
    )


def _load_management(ctx: PlanContext) -> PlanItem:
    t = ctx.threshold
    monitor = f"Keep pain at or below {t:g}/10 during activity and settled by the next morning."
    if ctx.inputs.adolescent:
        return advice_item(
            _C,
            "load_management",
            "Activity changes first, then building up",
            "Knee pain like this is common in young people who are growing and active. For "
            "the first weeks, cut back the sports and activities that hurt (step down an "
            "activity ladder rather than stopping everything), then build strength and sport "
            "back up step by step with the exercises.",
            f"{monitor} Move up the activity ladder only when the current step is pain-free "
            "or within the limit.",
            "Adolescents (10-16 years): activity modification and load management first, then "
            "progressive loading (Rathleff 2019).",
            f"Add activity back one step at a time while pain stays at or below {t:g}/10.",
            ("RATHLEFF-2019", "CONS-2018", "SILBERNAGEL-2007"),
            verified=False,
        )
    return advice_item(
        _C,
        "load_management",
        "Adjust aggravating activities",
        "Reduce (do not stop) the activities that bring on kneecap pain, such as long "
        "runs, hills, stairs or deep squats, and build them back gradually.",
        monitor,
        "Load management and activity modification (all patients).",
        f"Add activity back one step at a time while pain stays at or below {t:g}/10.",
        ("RATHLEFF-2019", "ESCULIER-2020", "SILBERNAGEL-2007"),
        verified=False,
    )


def _running_volume(ctx: PlanContext) -> PlanItem:
    t = ctx.threshold
    weekly = ctx.case.running.weekly_km
    now = f" (now about {weekly:g} km a week)" if weekly else ""
    return advice_item(
        _C,
        "running_volume",
        "Keep running, but less",
        f"Reduce your running{now}: shorter, easier runs on level ground, fewer per week. "
        "Do not stop completely unless pain cannot be kept within the limit.",
        f"Each run: pain during the run at or below {t:g}/10 and back to your usual level by "
        "the next morning; if not, shorten the next run.",
        "The knee is irritable (phase 1) and the patient still runs: reduce running volume "
        "under the pain-monitoring rule rather than stopping.",
        f"Lengthen runs again one step at a time while pain stays at or below {t:g}/10 and "
        "settles by the next morning.",
        ("ESCULIER-2020", "ESCULIER-2018", "SILBERNAGEL-2007"),
        verified=False,
    )


def _graded_exposure(ctx: PlanContext) -> PlanItem:
    score = ctx.inputs.tsk11_total
    return advice_item(
        _C,
        "graded_exposure",
        "Getting back to feared activities step by step",
        "With your clinician, list the activities you avoid because of your knee, from "
        "easiest to hardest, and bring them back one small step at a time, starting with "
        "the easiest. Some discomfort within the limit is expected and safe.",
        f"One planned step at a time; pain at or below {ctx.threshold:g}/10 and settled by the "
        "next morning.",
        f"High fear of movement (TSK-11 {score}): pain education and graded exposure to "
        "movement, exercise and running.",
        "Take the next step on the list when the current one is within the pain limit.",
        ("ESCULIER-2020", "CHIMENTI-2021", "WOBY-2005"),
        verified=False,
    )


def _taping(ctx: PlanContext) -> tuple[PlanItem, ...]:
    cites = ("CPG-2019", "BARTON-2014-TAPING")
    found = exercise_items(
        ctx,
        _C,
        [
            (
                "taping",
                "Tailored patellar taping with exercise for short-term pain relief.",
                (),
                cites,
            )
        ],
    )
    return found or (
        advice_item(
            _C,
            "taping",
            "Tailored patellar taping with exercise",
            "Your clinician may tape the kneecap, tailored to what reduces your pain, "
            "to use while you exercise.",
            "During exercise sessions, short term (about 4 weeks).",
            "Tailored taping with exercise for immediate, short-term pain relief.",
            "Stop when exercise is comfortable without tape.",
            (*cites, "CONS-2018"),
        ),
    )


def pain_component(ctx: PlanContext) -> PlanComponent:
    """Education, load management, taping with exercise, ice for comfort, medicines."""
    items = [_education(), _load_management(ctx)]
    if ctx.phase is Phase.ISOMETRIC and ctx.inputs.running_now is RunningNow.RUNNING:
        items.append(_running_volume(ctx))
    if ctx.inputs.high_kinesiophobia:
        items.append(_graded_exposure(ctx))
    items.extend(
        exercise_items(
            ctx,
            _C,
            [("pain_self_management", "Self-management of pain (adjunct).", (), ("CONS-2018",))],
        )
    )
    if not any(i.target == "pain_self_management" for i in items):
        items.append(
            advice_item(
                _C,
                "ice_comfort",
                "Ice for comfort only",
                "You may use ice for comfort if it helps; it is not a treatment.",
                "As needed, self-managed.",
                "Comfort only (adjunct).",
                "Not progressed.",
                ("CONS-2018", "KB-PLAN-DEFAULTS"),
                verified=False,
            )
        )
    if ctx.preferences.taping_ok:
        items.extend(_taping(ctx))
    items.append(
        advice_item(
            _C,
            "medicines",
            "Pain medicines",
            "Ask a doctor or pharmacist before taking pain or anti-inflammatory medicines.",
            "No drug or dose is given by this program.",
            "Medicine questions belong with a doctor or pharmacist.",
            "Not applicable.",
            ("HEINTJES-2004",),
        )
    )
    return PlanComponent(
        _C,
        ComponentStatus.INDICATED,
        "Education and load management for everyone with kneecap pain.",
        tuple(items),
        ("ESCULIER-2018", "CONS-2018", "CPG-2019"),
    )
