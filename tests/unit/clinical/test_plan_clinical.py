"""Clinical properties of plans built with the REAL exercise library (issue 12).

Every phase keeps hip and knee strengthening; a forefoot change never comes without calf work;
gait retraining never adds running above what the patient runs now; questionnaires count for
the phase; adolescents, fear of movement and irritable runners get their own advice.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runnersknee.clinical.assessment import Assessment, Function, Running, SideMeasures, StepDown
from runnersknee.clinical.case import QuestionnaireAnswers
from runnersknee.clinical.exercises import Component, Phase
from runnersknee.clinical.plan import generate_plan
from runnersknee.clinical.plan_components import PLYOMETRIC_TAG
from runnersknee.clinical.plan_model import ComponentStatus, Plan, PlanPreferences
from runnersknee.content.assessment import load_plan_config
from runnersknee.content.exercises import load_exercise_library

from .plan_fixtures import TestTriage, assessed, make_case

CONFIG = load_plan_config()
LIBRARY = load_exercise_library()
PROPS = settings(max_examples=120, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
KNEE = {"quadriceps"}
#: Home equipment without weights or machines: phase 4 then falls back to earlier exercises.
NO_WEIGHTS = PlanPreferences(
    available_equipment=frozenset(
        e
        for ex in LIBRARY.values()
        for e in ex.equipment
        if not any(w in e for w in ("dumbbell", "kettlebell", "weight", "machine", "press"))
    )
)
HIP = {"hip_abductors", "hip_external_rotators", "hip_extensors"}


def plan(case=None, assessment=None, preferences=None) -> Plan:
    return generate_plan(
        case or make_case(),
        assessment or assessed(),
        preferences,
        triage_result=TestTriage(),
        library=LIBRARY,
        config=CONFIG,
    )


def phase_assessment(phase: Phase) -> Assessment:
    """An assessment that lands in ``phase`` under the default phase rule."""
    usual, worst, step = {
        Phase.ISOMETRIC: (6.0, 7.0, 3),
        Phase.ISOTONIC: (3.0, 4.0, 3),
        Phase.FUNCTIONAL: (2.0, 4.0, 2),
        Phase.PLYOMETRIC_RUNNING: (1.0, 2.0, 0),
    }[phase]
    return assessed(usual_pain=usual, worst_pain=worst, step_down=step, fppa_sls=5.0)


def strength_targets(result: Plan) -> set[str]:
    items = result.component(Component.STRENGTHENING).items
    return {
        tag
        for item in items
        if item.exercise_id is not None
        for tag in LIBRARY[item.exercise_id].targets
        if PLYOMETRIC_TAG not in LIBRARY[item.exercise_id].targets
    }


@PROPS
@given(
    phase=st.sampled_from(list(Phase)),
    weekly_km=st.sampled_from([0.0, 10.0, 90.0]),
    age=st.integers(10, 70),
    bodyweight_only=st.booleans(),
)
def test_every_phase_has_hip_and_knee_strength_for_a_runner(
    phase: Phase, weekly_km: float, age: int, bodyweight_only: bool
) -> None:
    prefs = NO_WEIGHTS if bodyweight_only else None
    result = plan(make_case(age=age, weekly_km=weekly_km), phase_assessment(phase), prefs)
    assert result.phase is phase
    targets = strength_targets(result)
    assert targets & KNEE, (phase, targets)
    assert targets & HIP, (phase, targets)
    for item in result.component(Component.STRENGTHENING).items:
        assert item.intensity, item.id  # every strength item says how hard
        dose = LIBRARY[item.exercise_id or ""].dose
        weekly_sets = (dose.sets or 0) * (dose.per_week or 0)
        assert 4 <= weekly_sets <= 28, (item.id, weekly_sets)  # 2-4 sets, 2-7 days a week
    for target, (sets, exercises) in weekly_sets_by_target(result).items():
        if target in KNEE | HIP:  # per muscle group: at least 2 sets on 2 days (ACSM 2009),
            assert 4 <= sets <= 28 * exercises, (target, sets)  # at most daily 4 sets each


def weekly_sets_by_target(result: Plan) -> dict[str, tuple[int, int]]:
    """Strength target → (sets per week over the plan's items, number of items covering it)."""
    totals: dict[str, tuple[int, int]] = {}
    for item in result.component(Component.STRENGTHENING).items:
        exercise = LIBRARY[item.exercise_id or ""]
        if PLYOMETRIC_TAG in exercise.targets:
            continue
        weekly = (exercise.dose.sets or 0) * (exercise.dose.per_week or 0)
        for target in exercise.targets:
            sets, count = totals.get(target, (0, 0))
            totals[target] = (sets + weekly, count + 1)
    return totals


def test_phase_4_runner_keeps_loaded_strengthening_not_just_hops() -> None:
    result = plan(make_case(weekly_km=90), phase_assessment(Phase.PLYOMETRIC_RUNNING))
    strength = result.component(Component.STRENGTHENING)
    assert "No library exercise fits" not in strength.reason
    assert {"quadriceps", "hip_abductors", "hip_external_rotators"} <= strength_targets(result)
    ids = {i.exercise_id for i in strength.items}
    assert "split-squat-loaded" in ids
    assert any(
        LIBRARY[i].targets[0] == PLYOMETRIC_TAG for i in ids if i
    )  # hops beside, not instead


@PROPS
@given(
    phase=st.sampled_from(list(Phase)),
    calf_symptoms=st.booleans(),
    relief=st.none() | st.booleans(),
    bodyweight_only=st.booleans(),
)
def test_no_forefoot_change_without_calf_work(
    phase: Phase, calf_symptoms: bool, relief: bool | None, bodyweight_only: bool
) -> None:
    base = phase_assessment(phase)
    assessment = Assessment(
        left=base.left,
        right=base.right,
        running=Running(cadence_spm=160, forefoot_strike_immediate_relief=relief),
        function=base.function,
        symptoms=type(base.symptoms)(calf_achilles_symptoms=calf_symptoms),
    )
    prefs = NO_WEIGHTS if bodyweight_only else None
    result = plan(make_case(), assessment, prefs)
    gait = [i.target for i in result.component(Component.GAIT_RETRAINING).items]
    if "foot_strike" in gait:
        assert "calf" in strength_targets(result)
        assert not calf_symptoms


@PROPS
@given(phase=st.sampled_from(list(Phase)), weekly_km=st.sampled_from([0.0, 5.0, 90.0]))
def test_no_running_prescribed_above_the_current_stage(phase: Phase, weekly_km: float) -> None:
    result = plan(make_case(weekly_km=weekly_km), phase_assessment(phase))
    for item in result.component(Component.GAIT_RETRAINING).items:
        if weekly_km == 0:
            assert item.running_context == "walk_run_intervals"
            assert "walk-run table" in item.dose
        else:
            assert item.running_context == "usual_runs"
            assert "adding no running" in item.dose


def test_non_running_patient_starts_with_the_walk_run_table() -> None:
    result = plan(make_case(weekly_km=0), phase_assessment(Phase.ISOTONIC))
    gait = result.component(Component.GAIT_RETRAINING)
    assert gait.items
    assert all("8 sessions over 2 weeks" not in i.dose for i in gait.items)
    assert all("walk-run table" in i.dose for i in gait.items)


def test_questionnaires_count_for_the_phase() -> None:
    case = make_case()
    questionnaires = (
        QuestionnaireAnswers("nprs", {"worst_week": 2, "usual_week": 1}),
        QuestionnaireAnswers("akps", {}),
    )
    case = type(case)(**{**_fields(case), "questionnaires": questionnaires[:1]})
    blank = Assessment(
        left=SideMeasures(movement=type(SideMeasures().movement)(step_down=StepDown(score=0))),
        right=SideMeasures(),
        function=Function(),
    )
    without = plan(make_case(), blank)
    assert without.phase is Phase.ISOMETRIC
    assert "not recorded" in without.phase_reason
    with_nprs = plan(case, blank)
    assert with_nprs.phase is Phase.PLYOMETRIC_RUNNING
    assert "NPRS questionnaire" in with_nprs.phase_reason
    assert with_nprs.function_sources


def _fields(case):
    return {name: getattr(case, name) for name in case.__dataclass_fields__}


def test_high_tsk11_adds_graded_exposure_and_changes_the_progression_text() -> None:
    tsk = QuestionnaireAnswers("tsk11", {f"tsk{i}": 4 for i in range(1, 12)})
    case = type(make_case())(**{**_fields(make_case()), "questionnaires": (tsk,)})
    result = plan(case)
    ids = [i.id for i in result.component(Component.PAIN_MANAGEMENT).items]
    assert "pain_management:graded_exposure" in ids
    assert any("TSK-11 44" in p for p in result.clinician_prompts)
    assert any(t.id == "moving_with_confidence" for t in result.education)
    strength = result.component(Component.STRENGTHENING).items
    assert all("graded exposure" in i.progression_criteria for i in strength)
    low = plan()
    assert "pain_management:graded_exposure" not in [i.id for i in low.items()]


def test_adolescent_pathway() -> None:
    result = plan(make_case(age=13), phase_assessment(Phase.ISOTONIC))
    load = next(i for i in result.items() if i.id == "pain_management:load_management")
    assert "growing" in (load.advice or "")
    assert "Rathleff" in load.reason
    assert any("Examine the hip" in p for p in result.clinician_prompts)
    assert any(t.audience == "parent" for t in result.education)
    gait = result.component(Component.GAIT_RETRAINING)
    assert gait.status is ComponentStatus.NOT_INDICATED  # no cadence retraining yet
    later = plan(make_case(age=13), phase_assessment(Phase.FUNCTIONAL))
    assert later.component(Component.GAIT_RETRAINING).status is ComponentStatus.INDICATED
    adult = plan(make_case(age=30), phase_assessment(Phase.ISOTONIC))
    assert not adult.clinician_prompts


def test_irritable_runner_gets_running_volume_advice() -> None:
    result = plan(make_case(weekly_km=60), phase_assessment(Phase.ISOMETRIC))
    item = next(i for i in result.items() if i.id == "pain_management:running_volume")
    assert "do not stop" in (item.advice or "").lower()
    assert "60 km" in (item.advice or "")
    assert f"{CONFIG.pain_threshold_nprs.value:g}/10" in item.dose
    stopped = plan(make_case(weekly_km=0), phase_assessment(Phase.ISOMETRIC))
    assert "pain_management:running_volume" not in [i.id for i in stopped.items()]


def test_side_bridge_alone_gives_an_optional_low_weight_core_item() -> None:
    base = phase_assessment(Phase.FUNCTIONAL)
    left = SideMeasures(movement=base.left.movement, side_bridge_s=20.0)
    result = plan(make_case(), Assessment(left=left, right=base.right, function=base.function))
    core = [i for i in result.component(Component.STRENGTHENING).items if i.target == "core"]
    assert core
    assert core[0].verified is False
    assert "population average" in core[0].reason
