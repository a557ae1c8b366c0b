"""Use case: case document (Case + ``assessment:`` + ``preferences:``) → triage, impairments, plan.

The case part is parsed by :mod:`runnersknee.services.care.case_io`; the assessment and preferences
are validated here the same way (pydantic ``TypeAdapter`` over the core dataclasses). Triage
runs first; a plan is generated only when triage says ``plan`` — otherwise the report carries
the refusal. :func:`report_to_dict` is the stable JSON form (docs/assessment-and-plan.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.case import Case, QuestionnaireAnswers
from runnersknee.clinical.errors import Conflict, Refused
from runnersknee.clinical.exercises import Exercise
from runnersknee.clinical.impairments import Impairment, StrengthRow, interpret, strength_table
from runnersknee.clinical.plan import generate_plan
from runnersknee.clinical.plan_model import Plan, PlanConfig, PlanItem, PlanPreferences
from runnersknee.clinical.triage import TriageResult, triage
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.care.case_io import load_case_document, parse_case, validate_as
from runnersknee.services.care.plan_document import PlanDocument, PlanItemDoc
from runnersknee.store.mapping import JSONObject

__all__ = [
    "JSON_SCHEMA_VERSION",
    "PlanReport",
    "add_library_item",
    "library_item",
    "parse_assessment",
    "parse_preferences",
    "plan_case_document",
    "plan_case_file",
    "plan_to_dict",
    "remove_plan_item",
    "report_to_dict",
    "stored_plan",
]

#: Bumped whenever a key of :func:`report_to_dict` changes meaning or disappears.
JSON_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class PlanReport:
    """Everything the ``plan`` command shows: triage, measured strength, impairments, plan."""

    case: Case
    assessment: Assessment
    triage: TriageResult
    strength: tuple[StrengthRow, ...]
    impairments: tuple[Impairment, ...]
    plan: Plan | None
    refusal: Refused | None


def parse_assessment(data: Any) -> Assessment:
    """Validate the ``assessment:`` block (missing → an empty assessment)."""
    if data is None:
        return Assessment()
    return validate_as(Assessment, data, prefix="assessment")


def parse_preferences(data: Any) -> PlanPreferences:
    """Validate the ``preferences:`` block (missing → defaults)."""
    if data is None:
        return PlanPreferences()
    return validate_as(PlanPreferences, data, prefix="preferences")


def plan_case_document(
    data: Mapping[str, Any],
    content: ClinicalContent,
    *,
    library: Mapping[str, Exercise] | None = None,
    config: PlanConfig | None = None,
) -> PlanReport:
    """Triage, interpret and (if allowed) plan one case document with ``content``.

    ``stored_questionnaires`` (the web app's scored administrations) feed the plan's pain,
    function and fear-of-movement values only; triage sees the case as entered at intake.
    ``library`` and ``config`` replace the content's (golden-plan tests).
    """
    stored = data.get("stored_questionnaires") or []
    data = {k: v for k, v in data.items() if k != "stored_questionnaires"}
    case = parse_case(data, recorded_on=date.today())
    assessment = parse_assessment(data.get("assessment"))
    preferences = parse_preferences(data.get("preferences"))
    config = content.plan_config if config is None else config
    result = triage(case, content.triage_rules)
    impairments = interpret(case, assessment, config.thresholds)
    plan: Plan | None = None
    refusal: Refused | None = None
    plan_case = case
    if stored:
        extra = tuple(
            validate_as(QuestionnaireAnswers, q, prefix="stored_questionnaires") for q in stored
        )
        plan_case = dataclasses.replace(case, questionnaires=(*case.questionnaires, *extra))
    try:
        plan = generate_plan(
            plan_case,
            assessment,
            preferences,
            triage_result=result,
            library=content.exercises if library is None else library,
            config=config,
        )
    except Refused as refused:
        refusal = refused
    return PlanReport(
        case=case,
        assessment=assessment,
        triage=result,
        strength=strength_table(case, assessment),
        impairments=impairments,
        plan=plan,
        refusal=refusal,
    )


def plan_case_file(path: Path, content: ClinicalContent) -> PlanReport:
    """:func:`plan_case_document` for a YAML or JSON file."""
    return plan_case_document(load_case_document(path), content)


def _impairment(imp: Impairment) -> JSONObject:
    return {
        "id": imp.id,
        "kind": imp.kind.value,
        "side": imp.side.value if imp.side else None,
        "label": imp.label,
        "value": imp.value,
        "unit": imp.unit,
        "threshold": imp.threshold,
        "verified": imp.verified,
        "citation_ids": list(imp.citation_ids),
        "note": imp.note,
        "task": imp.task or None,
    }


def _strength(row: StrengthRow) -> JSONObject:
    def r(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "test": row.test.value,
        "side": row.side.value,
        "force_n": r(row.force_n, 1),
        "force_kg": r(row.force_kg, 2),
        "percent_body_weight": r(row.percent_body_weight, 1),
        "torque_nm_per_kg": r(row.torque_nm_per_kg, 2),
        "lsi_pct": r(row.lsi_pct, 1),
    }


def _item(item: PlanItem) -> JSONObject:
    return {
        "id": item.id,
        "title": item.title,
        "exercise_id": item.exercise_id,
        "advice": item.advice,
        "target": item.target,
        "dose": item.dose,
        "reason": item.reason,
        "answers": list(item.answers),
        "progression_criteria": item.progression_criteria,
        "progression_id": item.progression_id,
        "regression_id": item.regression_id,
        "citation_ids": list(item.citation_ids),
        "verified": item.verified,
        "intensity": item.intensity,
        "running_context": item.running_context,
    }


def plan_to_dict(plan: Plan) -> JSONObject:
    """The plan's stable JSON form."""
    return {
        "case_id": plan.case_id,
        "phase": int(plan.phase),
        "phase_name": plan.phase.name.lower(),
        "phase_reason": plan.phase_reason,
        "phase_citation_ids": list(plan.phase_citation_ids),
        "pain_threshold_nprs": plan.pain_threshold_nprs,
        "findings": list(plan.findings),
        "clinician_prompts": list(plan.clinician_prompts),
        "function_sources": list(plan.function_sources),
        "components": [
            {
                "kind": comp.kind.value,
                "status": comp.status.value,
                "reason": comp.reason,
                "citation_ids": list(comp.citation_ids),
                "items": [_item(item) for item in comp.items],
            }
            for comp in plan.components
        ],
        "education": [
            {
                "id": topic.id,
                "title": topic.title,
                "body": topic.body,
                "citation_ids": list(topic.citation_ids),
                "verified": topic.verified,
            }
            for topic in plan.education
        ],
    }


def report_to_dict(report: PlanReport) -> JSONObject:
    """The ``runnersknee plan --format json`` document (keys documented and stable)."""
    refusal = None
    if report.refusal is not None:
        refusal = {
            "code": report.refusal.code,
            "message": report.refusal.message,
            "level": report.refusal.details.get("level"),
        }
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "case_id": report.case.case_id,
        "triage": report.triage.as_dict(),
        "strength": [_strength(row) for row in report.strength],
        "impairments": [_impairment(imp) for imp in report.impairments],
        "plan": plan_to_dict(report.plan) if report.plan else None,
        "refused": refusal,
    }


def stored_plan(
    case_data: Mapping[str, Any],
    assessment: Mapping[str, Any],
    referral: Mapping[str, Any] | None,
    content: ClinicalContent,
) -> PlanDocument:
    """The core's plan (as a stored plan document) for the stored intake and assessment.

    The core re-runs triage and refuses (:class:`Refused`) unless the level is ``plan``; a
    clinician's "cleared" referral decision does not override it: the intake must be updated
    with the findings after clearance, and the plan follows the new triage.
    """
    report = plan_case_document({**case_data, "assessment": dict(assessment)}, content)
    if report.plan is None:
        refusal = report.refusal
        message = refusal.message if refusal is not None else "no plan for this case"
        if referral is not None and referral.get("decision") == "cleared":
            message += (
                "; the patient was cleared: update the intake with the findings after "
                "clearance so triage can allow a plan"
            )
        raise Refused(message, field="plan", level=str(report.triage.level.value))
    stored = plan_to_dict(report.plan)
    stored["triage_level"] = str(report.triage.level.value)
    return PlanDocument.from_json(stored)


def library_item(exercise: Exercise, note: str) -> PlanItemDoc:
    """A plan item for a library exercise a clinician adds by hand (its library dose)."""
    return PlanItemDoc.from_json(
        {
            "id": f"added-{exercise.id}",
            "component": str(exercise.component.value),
            "title": exercise.name,
            "dose": exercise.dose.describe(),
            "reason": "added by the clinician",
            "progression_criteria": "",
            "citation_ids": list(exercise.citation_ids),
            "exercise_id": exercise.id,
            "advice": None,
            "verified": bool(exercise.dose.verified),
            "clinician_note": note,
        }
    )


def add_library_item(plan: PlanDocument, exercise: Exercise, note: str) -> PlanDocument:
    """``plan`` with ``exercise`` added at its library dose (last in its component);
    Conflict when it is in the plan already."""
    if plan.has_exercise(exercise.id):
        raise Conflict(f"\u201c{exercise.name}\u201d is already in the plan", field="exercise_id")
    item = library_item(exercise, note)
    return plan.with_added(item, str(exercise.component.value), "added by the clinician")


def remove_plan_item(plan: PlanDocument, item_id: str) -> PlanDocument:
    """``plan`` without the item ``item_id``; NotFound without it."""
    return plan.without_item(item_id)
