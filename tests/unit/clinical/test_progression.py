"""next_step: the pain-monitoring decision applied along the progression/regression links."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.pain_monitoring import PainDecision, PainMonitoringConfig, SessionPain
from runnersknee.clinical.plan import generate_plan
from runnersknee.clinical.progression import next_step
from runnersknee.content.assessment import load_plan_config

from .plan_fixtures import TestTriage, assessed, library, make_case

CONFIG = PainMonitoringConfig()
PLAN = generate_plan(
    make_case(),
    assessed(usual_pain=5),
    None,  # phase 1: isometric exercises with links
    triage_result=TestTriage(),
    library=library(),
    config=load_plan_config(),
)
DAY = date(2024, 3, 1)


def session(day: int, during: float, morning: float = 1.0, baseline: float = 1.0) -> SessionPain:
    return SessionPain(
        day=DAY + timedelta(days=day),
        during_nprs=during,
        after_nprs=min(during, 5.0),
        next_morning_nprs=morning,
        baseline_morning_nprs=baseline,
    )


def test_progress_moves_each_linked_exercise_up_one_step():
    step = next_step(PLAN, [session(0, 2), session(2, 1)], CONFIG)
    assert step.decision is PainDecision.PROGRESS
    moved = {c.from_exercise_id: c.to_exercise_id for c in step.changes}
    assert moved["quad_isometric"] == "wall_squat"
    assert moved["hip_abd_iso"] == "side_lying_abd"
    assert moved["clamshell"] is None  # top of its chain: add load or volume
    assert "one variable at a time" in next(
        c.note for c in step.changes if c.from_exercise_id == "clamshell"
    )


def test_pain_above_threshold_regresses_one_step():
    plan3 = generate_plan(
        make_case(),
        assessed(),
        None,
        triage_result=TestTriage(),
        library=library(),
        config=load_plan_config(),
    )
    step = next_step(plan3, [session(0, 2), session(2, 5)], CONFIG)
    assert step.decision is PainDecision.REGRESS
    moved = {c.from_exercise_id: c.to_exercise_id for c in step.changes}
    assert moved["lunge"] == "wall_squat"


def test_repeated_regressions_need_clinician_review_and_change_nothing():
    step = next_step(PLAN, [session(0, 6), session(2, 6)], CONFIG)
    assert step.decision is PainDecision.CLINICIAN_REVIEW
    assert step.changes == ()


def test_too_few_sessions_hold():
    step = next_step(PLAN, [session(0, 1)], CONFIG)
    assert step.decision is PainDecision.HOLD
    assert step.changes == ()


def test_threshold_is_configurable():
    history = [session(0, 4), session(2, 4)]
    assert next_step(PLAN, history, CONFIG).decision is not PainDecision.PROGRESS
    lenient = PainMonitoringConfig(during_max_nprs=5.0)
    assert next_step(PLAN, history, lenient).decision is PainDecision.PROGRESS


sessions = st.lists(
    st.builds(
        session,
        day=st.integers(0, 60),
        during=st.integers(0, 10).map(float),
        morning=st.integers(0, 10).map(float),
        baseline=st.integers(0, 10).map(float),
    ),
    max_size=8,
)


@settings(max_examples=200, derandomize=True)
@given(history=sessions)
def test_changes_follow_the_links_of_the_decision(history):
    step = next_step(PLAN, history, CONFIG)
    assert step == next_step(PLAN, history, CONFIG)
    items = {i.id: i for i in PLAN.items()}
    if step.decision in (PainDecision.HOLD, PainDecision.CLINICIAN_REVIEW):
        assert step.changes == ()
    for change in step.changes:
        item = items[change.item_id]
        expected = (
            item.progression_id if step.decision is PainDecision.PROGRESS else item.regression_id
        )
        assert change.to_exercise_id == expected


@settings(max_examples=200, derandomize=True)
@given(history=sessions)
def test_never_progress_when_the_last_session_hurt_too_much(history):
    if not history:
        return
    last = max(history, key=lambda s: s.day)
    hurt = last.during_nprs is not None and last.during_nprs > CONFIG.during_max_nprs
    if hurt and sum(1 for s in history if s.day == last.day) == 1:
        assert next_step(PLAN, history, CONFIG).decision is not PainDecision.PROGRESS
