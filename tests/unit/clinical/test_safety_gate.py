"""The safety gate: each state allows exactly what it should (pure core)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.safety_gate import GateConfig, GateFacts, GateState, decide
from runnersknee.clinical.triage import TriageLevel

CONFIG = GateConfig(running_min_phase=3)
OPEN = GateFacts(
    has_intake=True, triage_level=TriageLevel.PLAN, referral_decision=None, plan_phase=3
)


def facts(**changes: object) -> GateFacts:
    values = {
        "has_intake": OPEN.has_intake,
        "triage_level": OPEN.triage_level,
        "referral_decision": OPEN.referral_decision,
        "plan_phase": OPEN.plan_phase,
        "pain_decision": OPEN.pain_decision,
        "open_review": OPEN.open_review,
    }
    return GateFacts(**(values | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "state", "exercises", "runs"),
    [
        (facts(), GateState.OPEN, True, True),
        (facts(plan_phase=4), GateState.OPEN, True, True),
        (facts(plan_phase=2), GateState.OPEN, True, False),
        (facts(has_intake=False, triage_level=None), GateState.NO_INTAKE, False, False),
        (facts(triage_level=TriageLevel.EMERGENCY), GateState.RED_FLAG, False, False),
        (facts(triage_level=TriageLevel.URGENT), GateState.RED_FLAG, False, False),
        (facts(triage_level=TriageLevel.REFER), GateState.RED_FLAG, False, False),
        (facts(triage_level=None), GateState.RED_FLAG, False, False),
        (
            facts(triage_level=TriageLevel.URGENT, referral_decision="referred"),
            GateState.REFERRED,
            False,
            False,
        ),
        (
            facts(triage_level=TriageLevel.REFER, referral_decision="cleared"),
            GateState.OPEN,
            True,
            True,
        ),
        (facts(plan_phase=None), GateState.NO_PLAN, False, False),
        (
            facts(triage_level=TriageLevel.EMERGENCY, plan_phase=None),
            GateState.RED_FLAG,
            False,
            False,
        ),
        (facts(pain_decision="clinician_review"), GateState.CLINICIAN_REVIEW, True, False),
        (facts(open_review=True), GateState.CLINICIAN_REVIEW, True, False),
        (facts(pain_decision="regress"), GateState.OPEN, True, True),
    ],
)
def test_each_state_allows_what_it_should(
    given: GateFacts, state: GateState, exercises: bool, runs: bool
) -> None:
    allowance = decide(given, CONFIG)
    assert allowance.state is state
    assert allowance.exercises is exercises
    assert allowance.video_self_tests is exercises
    assert allowance.runs is runs


def test_run_state_says_why_no_run() -> None:
    assert decide(facts(plan_phase=2), CONFIG).run_state == "phase_too_early"
    assert decide(facts(plan_phase=None), CONFIG).run_state == "no_plan"
    assert decide(facts(), CONFIG).run_state == "allowed"
    assert decide(facts(plan_phase=1), GateConfig(running_min_phase=1)).runs


def test_a_running_hold_in_the_signed_plan_stops_runs_only() -> None:
    held = decide(facts(running_held=True), CONFIG)
    assert held.run_state == "running_held"
    assert not held.runs
    assert held.exercises
    assert held.state is GateState.OPEN
    # a red flag or an early phase still says the more basic reason
    assert decide(facts(running_held=True, plan_phase=2), CONFIG).run_state == "phase_too_early"
    flagged = facts(running_held=True, triage_level=TriageLevel.URGENT)
    assert decide(flagged, CONFIG).run_state == "red_flag"


gate_facts = st.builds(
    GateFacts,
    has_intake=st.booleans(),
    triage_level=st.none() | st.sampled_from(list(TriageLevel)),
    referral_decision=st.sampled_from([None, "referred", "cleared"]),
    plan_phase=st.none() | st.integers(1, 4),
    pain_decision=st.sampled_from([None, "progress", "hold", "regress", "clinician_review"]),
    open_review=st.booleans(),
    running_held=st.booleans(),
)


@settings(derandomize=True, max_examples=400)
@given(given=gate_facts)
def test_nothing_is_prescribed_without_a_cleared_triage_and_a_signed_plan(
    given: GateFacts,
) -> None:
    allowance = decide(given, CONFIG)
    cleared = given.triage_level is TriageLevel.PLAN or given.referral_decision == "cleared"
    if allowance.exercises or allowance.runs:
        assert given.has_intake
        assert given.triage_level is not None or given.referral_decision == "cleared"
        assert cleared
        assert given.plan_phase is not None
    if allowance.runs:
        assert given.plan_phase is not None
        assert given.plan_phase >= CONFIG.running_min_phase
        assert given.pain_decision != "clinician_review"
        assert not given.open_review
