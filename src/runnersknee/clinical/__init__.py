"""The pure clinical core: stdlib only, frozen dataclasses and pure functions, no I/O.

The public face: the case and its triage, the plan and what shapes it, pain monitoring, the
safety gate's decision, the return-to-run protocol, exercises and instruments, and the error
types every layer raises. Names are imported on first use.

Typical use::

    from runnersknee.clinical import generate_plan
    from runnersknee.clinical.triage import triage

    result = triage(case, rules)  # refer / urgent / plan, with the rules that fired
    plan = generate_plan(case, assessment, triage_result=result, library=library, config=config)

(``triage`` is also the submodule's name, so the function is imported from the submodule: a
public name never shadows a submodule.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names

if TYPE_CHECKING:
    from runnersknee.clinical.assessment import Assessment
    from runnersknee.clinical.case import Case, QuestionnaireAnswers
    from runnersknee.clinical.errors import (
        Conflict,
        ContentError,
        Forbidden,
        InvalidInput,
        NotFound,
        Refused,
        RunnersKneeError,
    )
    from runnersknee.clinical.exercises import Component, Dose, Exercise, Phase
    from runnersknee.clinical.instruments import Instrument, interpret_change, score_answers
    from runnersknee.clinical.library import ExerciseLibrary
    from runnersknee.clinical.load import spikes, weekly_load
    from runnersknee.clinical.pain_monitoring import (
        PainAssessment,
        PainMonitoringConfig,
        SessionPain,
        assess_session,
        decide_progression,
    )
    from runnersknee.clinical.plan import generate_plan
    from runnersknee.clinical.plan_model import Plan, PlanComponent, PlanConfig, PlanItem
    from runnersknee.clinical.return_to_run import Prescription, ReturnToRunProtocol, next_run
    from runnersknee.clinical.safety_gate import GateConfig, GateFacts, TodayAllowance, decide
    from runnersknee.clinical.triage import TriageLevel, TriageResult, TriageRuleSet

#: Public name → the module that defines it.
_HOMES = {
    "Case": "case",
    "QuestionnaireAnswers": "case",
    "Assessment": "assessment",
    "TriageLevel": "triage",
    "TriageResult": "triage",
    "TriageRuleSet": "triage",
    "generate_plan": "plan",
    "Plan": "plan_model",
    "PlanComponent": "plan_model",
    "PlanConfig": "plan_model",
    "PlanItem": "plan_model",
    "PainAssessment": "pain_monitoring",
    "PainMonitoringConfig": "pain_monitoring",
    "SessionPain": "pain_monitoring",
    "assess_session": "pain_monitoring",
    "decide_progression": "pain_monitoring",
    "GateConfig": "safety_gate",
    "GateFacts": "safety_gate",
    "TodayAllowance": "safety_gate",
    "decide": "safety_gate",
    "Prescription": "return_to_run",
    "ReturnToRunProtocol": "return_to_run",
    "next_run": "return_to_run",
    "Component": "exercises",
    "Dose": "exercises",
    "Exercise": "exercises",
    "Phase": "exercises",
    "ExerciseLibrary": "library",
    "Instrument": "instruments",
    "interpret_change": "instruments",
    "score_answers": "instruments",
    "spikes": "load",
    "weekly_load": "load",
    "Conflict": "errors",
    "ContentError": "errors",
    "Forbidden": "errors",
    "InvalidInput": "errors",
    "NotFound": "errors",
    "Refused": "errors",
    "RunnersKneeError": "errors",
}

__all__ = [
    "Assessment",
    "Case",
    "Component",
    "Conflict",
    "ContentError",
    "Dose",
    "Exercise",
    "ExerciseLibrary",
    "Forbidden",
    "GateConfig",
    "GateFacts",
    "Instrument",
    "InvalidInput",
    "NotFound",
    "PainAssessment",
    "PainMonitoringConfig",
    "Phase",
    "Plan",
    "PlanComponent",
    "PlanConfig",
    "PlanItem",
    "Prescription",
    "QuestionnaireAnswers",
    "Refused",
    "ReturnToRunProtocol",
    "RunnersKneeError",
    "SessionPain",
    "TodayAllowance",
    "TriageLevel",
    "TriageResult",
    "TriageRuleSet",
    "assess_session",
    "decide",
    "decide_progression",
    "generate_plan",
    "interpret_change",
    "next_run",
    "score_answers",
    "spikes",
    "weekly_load",
]

__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
