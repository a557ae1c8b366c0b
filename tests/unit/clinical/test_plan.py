"""Plan generator: refusal, phase rule, the five components, preferences, determinism."""

from __future__ import annotations

import dataclasses

import pytest

from runnersknee.clinical.assessment import (
    Assessment,
    FootPosture,
    Function,
    SideMeasures,
    Symptoms,
)
from runnersknee.clinical.errors import Refused
from runnersknee.clinical.exercises import Component, Phase
from runnersknee.clinical.plan import generate_plan
from runnersknee.clinical.plan_model import ComponentStatus, PlanPreferences
from runnersknee.content import load_citations
from runnersknee.content.assessment import load_plan_config

from .plan_fixtures import TestTriage, assessed, library, make_case

CONFIG = load_plan_config()


def plan_for(assessment=None, case=None, prefs=None, triage="plan", lib=None):
    return generate_plan(
        case or make_case(),
        assessment or assessed(),
        prefs,
        triage_result=TestTriage(triage),
        library=library() if lib is None else lib,
        config=CONFIG,
    )


@pytest.mark.parametrize("level", ["emergency", "urgent", "refer"])
def test_refuses_unless_triage_says_plan(level):
    triage = TestTriage(level)
    with pytest.raises(Refused) as err:
        generate_plan(
            make_case(), assessed(), None, triage_result=triage, library=library(), config=CONFIG
        )
    assert err.value.details["triage"] is triage
    assert err.value.details["level"] == level


@pytest.mark.parametrize(
    ("function", "step_down", "phase"),
    [
        (Function(irritable=True, usual_pain_nprs=0, worst_pain_nprs=0), 0, Phase.ISOMETRIC),
        (Function(), 0, Phase.ISOMETRIC),  # pain not recorded: start gently
        (Function(usual_pain_nprs=4), 0, Phase.ISOMETRIC),
        (Function(usual_pain_nprs=1, step_down_pain_nprs=5), 0, Phase.ISOMETRIC),
        (Function(usual_pain_nprs=3), 0, Phase.ISOTONIC),
        (Function(usual_pain_nprs=2), 4, Phase.ISOTONIC),
        (Function(usual_pain_nprs=2), None, Phase.ISOTONIC),
        (Function(usual_pain_nprs=2, worst_pain_nprs=5), 3, Phase.FUNCTIONAL),
        (Function(usual_pain_nprs=2, worst_pain_nprs=5), 1, Phase.FUNCTIONAL),
        (Function(usual_pain_nprs=1, worst_pain_nprs=3), 1, Phase.PLYOMETRIC_RUNNING),
    ],
)
def test_phase_rule(function, step_down, phase):
    assessment = dataclasses.replace(assessed(step_down=step_down), function=function)
    plan = plan_for(assessment)
    assert plan.phase is phase
    assert plan.phase_reason[0].isupper()  # a sentence; the phase number is shown beside it
    assert not plan.phase_reason.startswith("Phase")


def test_akps_gate_only_when_configured():
    assessment = dataclasses.replace(
        assessed(step_down=2),
        function=Function(usual_pain_nprs=1, worst_pain_nprs=5, akps_total=60),
    )
    assert plan_for(assessment).phase is Phase.FUNCTIONAL
    gated = load_plan_config({"functional_akps_at_least": 70})
    plan = generate_plan(
        make_case(), assessment, None, triage_result=TestTriage(), library=library(), config=gated
    )
    assert plan.phase is Phase.ISOTONIC
    assert "AKPS 60 < 70" in plan.phase_reason


def test_all_five_components_in_order_with_reasons():
    plan = plan_for()
    assert [c.kind for c in plan.components] == list(Component)
    for component in plan.components:
        assert component.reason
        assert (component.status is ComponentStatus.INDICATED) == bool(component.items)


def test_pain_management_has_medicine_line_and_no_drug():
    items = plan_for().component(Component.PAIN_MANAGEMENT).items
    medicine = next(i for i in items if i.id == "pain_management:medicines")
    assert "doctor or pharmacist" in (medicine.advice or "")
    text = " ".join(f"{i.advice} {i.dose}" for i in items).lower()
    for drug in ("ibuprofen", "paracetamol", "naproxen", " mg"):
        assert drug not in text


def test_strengthening_is_combined_hip_and_knee():
    items = plan_for().component(Component.STRENGTHENING).items
    targets = {t for i in items for t in library()[i.exercise_id or ""].targets}
    assert "quadriceps" in targets
    assert "hip_abductors" in targets
    abductor = next(i for i in items if i.target == "hip_abductors")
    assert "hip_abductor_weakness:left" in abductor.answers
    assert "LSI 74 %" in abductor.reason


def test_stretching_only_for_measured_deficits():
    none = plan_for(assessed(ake=20.0)).component(Component.STRETCHING)
    assert none.status is ComponentStatus.NOT_INDICATED
    assert "No flexibility deficit" in none.reason
    tight = plan_for(assessed(ake=30.0)).component(Component.STRETCHING)
    assert [i.exercise_id for i in tight.items] == ["hamstring_stretch"]
    assert tight.items[0].answers == ("hamstring_tightness:left",)


def test_gait_cadence_target_is_baseline_times_5_to_10_percent():
    gait = plan_for(assessed(fppa_sls=5.0, cadence=160.0)).component(Component.GAIT_RETRAINING)
    cadence = gait.items[0]
    assert cadence.target == "cadence"
    assert "168-176 steps/min" in cadence.reason
    assert "8 sessions over 2 weeks" in cadence.dose
    assert "then faded" in cadence.dose


def test_hip_drop_cue_first_when_pelvic_drop_seen_while_running():
    gait = plan_for(assessed(fppa_sls=5.0, pelvic_drop_seen=True)).component(
        Component.GAIT_RETRAINING
    )
    assert [i.target for i in gait.items] == ["hip_drop_cue", "cadence"]
    assert "while running" in gait.items[0].reason
    assert "one change at a time" in gait.items[1].dose


def test_squat_fppa_alone_gives_strength_and_control_not_a_running_cue():
    plan = plan_for(assessed(fppa_sls=18.0))
    gait = plan.component(Component.GAIT_RETRAINING)
    assert [i.target for i in gait.items] == ["cadence"]
    strength = plan.component(Component.STRENGTHENING)
    valgus = [i for i in strength.items if any("dynamic_knee_valgus" in a for a in i.answers)]
    assert valgus  # strengthening / movement retraining answers the squat FPPA


def test_gait_not_for_non_runners_or_irritable_knees():
    non_runner = plan_for(case=make_case(runs=False)).component(Component.GAIT_RETRAINING)
    assert non_runner.status is ComponentStatus.NOT_INDICATED
    assert "Not a runner" in non_runner.reason
    irritable = plan_for(assessed(usual_pain=6)).component(Component.GAIT_RETRAINING)
    assert irritable.status is ComponentStatus.NOT_INDICATED
    assert "Deferred" in irritable.reason


def test_orthoses_when_fpi_at_least_6_or_immediate_relief():
    assert (
        plan_for(assessed(fpi6=5)).component(Component.FOOTWEAR_ORTHOSES).status
        is ComponentStatus.NOT_INDICATED
    )
    orthoses = plan_for(assessed(fpi6=6)).component(Component.FOOTWEAR_ORTHOSES)
    assert orthoses.status is ComponentStatus.INDICATED
    assert orthoses.items[0].dose.startswith("Up to 6 weeks")
    base = assessed(fpi6=2)
    relief = dataclasses.replace(
        base, footwear=dataclasses.replace(base.footwear, orthosis_trial_immediate_sls_relief=True)
    )
    assert (
        plan_for(relief).component(Component.FOOTWEAR_ORTHOSES).status is ComponentStatus.INDICATED
    )
    declined = plan_for(assessed(fpi6=8), prefs=PlanPreferences(orthoses_ok=False))
    assert "prefers not" in declined.component(Component.FOOTWEAR_ORTHOSES).reason


def test_preferences_taping_and_equipment():
    plan = plan_for(prefs=PlanPreferences(taping_ok=False, available_equipment=frozenset()))
    ids = {i.exercise_id for i in plan.items()}
    assert "patellar_taping" not in ids
    assert "band_walk" not in ids


def test_contraindicated_exercises_are_skipped():
    base = assessed(step_down=2)
    calf = dataclasses.replace(base, symptoms=Symptoms(calf_achilles_symptoms=True))
    assert "calf_raise" in {i.exercise_id for i in plan_for(base).items()}
    plan = plan_for(calf)
    assert "calf_achilles_symptoms" in plan.findings
    assert "calf_raise" not in {i.exercise_id for i in plan.items()}


def test_missing_library_target_is_reported():
    lib = {k: v for k, v in library().items() if "hip_external_rotators" not in v.targets}
    reason = plan_for(lib=lib).component(Component.STRENGTHENING).reason
    assert "hip_external_rotators" in reason


def test_every_item_is_cited_with_known_sources_and_ids_are_unique():
    registry = load_citations()
    plan = plan_for(assessed(ake=30.0, fpi6=8))
    ids = [i.id for i in plan.items()]
    assert len(ids) == len(set(ids))
    for item in plan.items():
        registry.require(item.citation_ids, where=item.id)
    for topic in plan.education:
        registry.require(topic.citation_ids, where=topic.id)


def test_education_topics_and_threshold_wording():
    plan = plan_for()
    ids = [t.id for t in plan.education]
    assert {
        "what_is_runners_knee",
        "why_early_treatment",
        "what_to_expect",
        "pain_monitoring",
    } <= set(ids)
    assert "young_people" not in ids
    monitor = next(t for t in plan.education if t.id == "pain_monitoring")
    assert "at or below 3 out of 10" in monitor.body
    assert "6 to 12 weeks" in next(t for t in plan.education if t.id == "what_to_expect").body
    teen = plan_for(case=make_case(age=14))
    assert "young_people" in [t.id for t in teen.education]


def test_generation_is_deterministic():
    assert plan_for() == plan_for()


def test_empty_assessment_still_gives_a_safe_phase_1_plan():
    plan = plan_for(Assessment(left=SideMeasures(foot=FootPosture())))
    assert plan.phase is Phase.ISOMETRIC
    assert plan.component(Component.STRENGTHENING).status is ComponentStatus.INDICATED
