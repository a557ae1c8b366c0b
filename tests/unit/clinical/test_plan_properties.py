"""Hypothesis properties of the plan generator over random assessments and cases."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runnersknee.clinical.assessment import (
    Assessment,
    FootPosture,
    Function,
    Movement,
    Running,
    SideFlexibility,
    SideMeasures,
    StepDown,
    Symptoms,
)
from runnersknee.clinical.case import KneeSide
from runnersknee.clinical.errors import Refused
from runnersknee.clinical.exercises import Component
from runnersknee.clinical.plan import generate_plan
from runnersknee.content import load_citations
from runnersknee.content.assessment import load_plan_config

from .plan_fixtures import TestTriage, library, make_case

CONFIG = load_plan_config()
LIBRARY = library()
REGISTRY = load_citations()
PROPS = settings(max_examples=150, derandomize=True, suppress_health_check=[HealthCheck.too_slow])

pain = st.none() | st.integers(0, 10).map(float)
side_measures = st.builds(
    SideMeasures,
    movement=st.builds(
        Movement,
        step_down=st.none() | st.builds(StepDown, score=st.integers(0, 6)),
        fppa_sls_deg=st.none() | st.floats(-20, 40),
    ),
    flexibility=st.builds(
        SideFlexibility,
        hamstring_ake_deg=st.none() | st.floats(0, 60),
        weight_bearing_lunge_cm=st.none() | st.floats(0, 20),
        ober_positive=st.none() | st.booleans(),
    ),
    foot=st.builds(FootPosture, fpi6_total=st.none() | st.integers(-12, 12)),
    side_bridge_s=st.none() | st.floats(0, 200),
)
assessments = st.builds(
    Assessment,
    left=side_measures,
    right=side_measures,
    running=st.builds(
        Running, cadence_spm=st.none() | st.floats(140, 200), overstride=st.booleans()
    ),
    function=st.builds(
        Function,
        usual_pain_nprs=pain,
        worst_pain_nprs=pain,
        step_down_pain_nprs=pain,
        irritable=st.none() | st.booleans(),
    ),
    symptoms=st.builds(
        Symptoms, calf_achilles_symptoms=st.booleans(), pain_with_deep_knee_flexion=st.booleans()
    ),
)
cases = st.builds(
    make_case,
    side=st.sampled_from(list(KneeSide)),
    age=st.integers(10, 80),
    runs=st.booleans(),
    pregnant=st.booleans(),
)


@PROPS
@given(case=cases, assessment=assessments)
def test_no_exercise_outside_its_phase_or_contraindicated(case, assessment):
    plan = generate_plan(
        case, assessment, None, triage_result=TestTriage(), library=LIBRARY, config=CONFIG
    )
    for item in plan.items():
        if item.exercise_id is None:
            continue
        exercise = LIBRARY[item.exercise_id]
        earlier_strength = (
            exercise.component is Component.STRENGTHENING and max(exercise.phases) < plan.phase
        )  # strengthening continues: an earlier-phase exercise when none of this phase fits
        assert plan.phase in exercise.phases or earlier_strength
        assert not set(exercise.contraindications) & set(plan.findings)


@PROPS
@given(case=cases, assessment=assessments)
def test_every_item_has_known_citations_reason_and_dose(case, assessment):
    plan = generate_plan(
        case, assessment, None, triage_result=TestTriage(), library=LIBRARY, config=CONFIG
    )
    assert len(plan.components) == 5
    for component in plan.components:
        assert component.reason
    for item in plan.items():
        assert item.citation_ids
        REGISTRY.require(item.citation_ids, where=item.id)
        assert item.reason
        assert item.dose
        assert item.progression_criteria


@PROPS
@given(case=cases, assessment=assessments, level=st.sampled_from(["emergency", "urgent", "refer"]))
def test_red_flag_cases_never_get_a_plan(case, assessment, level):
    with pytest.raises(Refused) as refused:
        generate_plan(
            case, assessment, None, triage_result=TestTriage(level), library=LIBRARY, config=CONFIG
        )
    assert refused.value.details["level"] == level


@PROPS
@given(case=cases, assessment=assessments)
def test_generation_is_pure(case, assessment):
    first = generate_plan(
        case, assessment, None, triage_result=TestTriage(), library=LIBRARY, config=CONFIG
    )
    second = generate_plan(
        case, assessment, None, triage_result=TestTriage(), library=LIBRARY, config=CONFIG
    )
    assert first == second
