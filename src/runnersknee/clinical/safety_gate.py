"""The one safety gate: what a patient may do today (exercises, runs, video self-tests).

Every patient surface (portal pages, JSON API, CLI) asks :func:`decide` before it shows a
prescription. The gate is a pure function of the facts the record holds:

1. no intake yet → nothing is prescribed ("fill in the intake");
2. the latest triage is emergency, urgent or refer and no clinician has recorded that the
   patient was seen and cleared → nothing (the stop message; KB 8.3 "block plan");
3. the patient was referred on → nothing until cleared;
4. no signed plan → nothing ("your clinician will set up your plan");
5. the pain-monitoring model asks for a clinician review, or a review alert is open → hold:
   the exercises of the signed plan stay (at the current or an easier level, never
   progressed), no runs (KB 5.5);
6. otherwise the signed plan's exercises; runs only when the plan's phase allows running
   (the return-to-run entry criteria, KB 7.1) — never from the walk–run table alone — and
   the signed plan does not hold running (a clinician's hold after a pain breach, KB 7.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from runnersknee.clinical.triage import TriageLevel

__all__ = ["GateConfig", "GateFacts", "GateState", "TodayAllowance", "decide"]


class GateState(StrEnum):
    """Why the gate allows what it allows."""

    NO_INTAKE = "no_intake"
    RED_FLAG = "red_flag"
    REFERRED = "referred"
    NO_PLAN = "no_plan"
    CLINICIAN_REVIEW = "clinician_review"
    OPEN = "open"


@dataclass(frozen=True, slots=True)
class GateFacts:
    """What the record says today.

    ``referral_decision`` is the clinician's decision on the latest intake's red flag
    (``referred`` / ``cleared``; ``None`` when none was recorded for that intake);
    ``plan_phase`` is the newest signed plan's phase (``None``: no signed plan);
    ``pain_decision`` is the pain-monitoring model's latest decision; ``running_held``:
    the newest signed plan holds running until the clinician resumes it.
    """

    has_intake: bool
    triage_level: TriageLevel | None
    referral_decision: str | None
    plan_phase: int | None
    pain_decision: str | None = None
    open_review: bool = False
    running_held: bool = False


@dataclass(frozen=True, slots=True)
class GateConfig:
    """Clinic-set gate settings: the lowest plan phase in which running is prescribed."""

    running_min_phase: int


@dataclass(frozen=True, slots=True)
class TodayAllowance:
    """The gate's answer; ``run_state`` says why runs are (not) allowed."""

    state: GateState
    exercises: bool
    runs: bool
    video_self_tests: bool
    run_state: str
    triage_level: TriageLevel | None
    plan_phase: int | None


#: Triage levels that block everything until a clinician records "cleared".
_BLOCKING = frozenset({TriageLevel.EMERGENCY, TriageLevel.URGENT, TriageLevel.REFER})


def _state(facts: GateFacts) -> GateState:
    if not facts.has_intake:
        return GateState.NO_INTAKE
    if facts.triage_level is None or facts.triage_level in _BLOCKING:
        if facts.referral_decision == "referred":
            return GateState.REFERRED
        if facts.referral_decision != "cleared":
            return GateState.RED_FLAG
    if facts.plan_phase is None:
        return GateState.NO_PLAN
    if facts.pain_decision == "clinician_review" or facts.open_review:
        return GateState.CLINICIAN_REVIEW
    return GateState.OPEN


def decide(facts: GateFacts, config: GateConfig) -> TodayAllowance:
    """What the patient may do today; pure and deterministic.

    A triage that could not run (``triage_level`` None with an intake) blocks like a red
    flag: without triage nothing may be prescribed.
    """
    state = _state(facts)
    exercises = state in (GateState.OPEN, GateState.CLINICIAN_REVIEW)
    if state is not GateState.OPEN:
        run_state = state.value
    elif facts.plan_phase is not None and facts.plan_phase < config.running_min_phase:
        run_state = "phase_too_early"
    elif facts.running_held:
        run_state = "running_held"
    else:
        run_state = "allowed"
    return TodayAllowance(
        state=state,
        exercises=exercises,
        runs=run_state == "allowed",
        video_self_tests=exercises,
        run_state=run_state,
        triage_level=facts.triage_level,
        plan_phase=facts.plan_phase,
    )
