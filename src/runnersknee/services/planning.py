"""Use case: case document (Case + ``assessment:`` + ``preferences:``) → triage, impairments, plan.

The case part is parsed by :mod:`runnersknee.services.case_io`; the assessment and preferences
are validated here the same way (pydantic ``TypeAdapter`` over the core dataclasses). Triage
runs first; a plan is generated only when triage says ``plan`` — otherwise the report carries
the refusal. :func:`report_to_dict` is the stable JSON form (docs/assessment-and-plan.md).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.case import Case, QuestionnaireAnswers
from runnersknee.clinical.errors import ContentError, InvalidInput, Refused
from runnersknee.clinical.exercises import Exercise
from runnersknee.clinical.impairments import Impairment, StrengthRow, interpret, strength_table
from runnersknee.clinical.plan import generate_plan
from runnersknee.clinical.plan_model import Plan, PlanConfig, PlanItem, PlanPreferences
from runnersknee.clinical.triage import TriageResult, triage
from runnersknee.config import Settings
from runnersknee.content.assessment import load_plan_config
from runnersknee.content.triage import load_triage_rules
from runnersknee.services.case_io import load_case_document, parse_case, validate_as

__all__ = [
    "JSON_SCHEMA_VERSION",
    "PlanReport",
    "load_overrides",
    "parse_assessment",
    "parse_preferences",
    "plan_case_document",
    "plan_case_file",
    "plan_to_dict",
    "report_to_dict",
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


def load_overrides(path: Path | None) -> dict[str, Any]:
    """The local overrides file (TOML) as a mapping; ``{}`` without one."""
    if path is None:
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"{path}: overrides file not found", field="content_overrides") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path}: overrides file cannot be read ({exc})") from None


def _table(raw: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    node: Any = raw
    for key in keys:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return dict(node) if isinstance(node, Mapping) else {}


def _library() -> Mapping[str, Exercise]:
    try:
        from runnersknee.content.exercises import load_exercise_library
    except ModuleNotFoundError as exc:
        raise ContentError("the exercise library is not installed") from exc
    try:
        return load_exercise_library()
    except FileNotFoundError as exc:
        raise ContentError(f"the exercise library content is missing ({exc})") from exc


def _pick_library(library: Mapping[str, Exercise] | None, needed: bool) -> Mapping[str, Exercise]:
    """The given library, else the content library (not loaded when no plan is allowed)."""
    if library is not None:
        return library
    return _library() if needed else {}


def plan_case_document(
    data: Mapping[str, Any],
    settings: Settings | None = None,
    *,
    library: Mapping[str, Exercise] | None = None,
    config: PlanConfig | None = None,
) -> PlanReport:
    """Triage, interpret and (if allowed) plan one case document.

    ``stored_questionnaires`` (the web app's scored administrations) feed the plan's pain,
    function and fear-of-movement values only; triage sees the case as entered at intake.
    """
    stored = data.get("stored_questionnaires") or []
    data = {k: v for k, v in data.items() if k != "stored_questionnaires"}
    case = parse_case(data, recorded_on=date.today())
    assessment = parse_assessment(data.get("assessment"))
    preferences = parse_preferences(data.get("preferences"))
    overrides = load_overrides(settings.content_overrides if settings else None)
    rules = load_triage_rules(_table(overrides, "triage") or None)
    if config is None:
        config = load_plan_config(
            _table(overrides, "assessment", "plan") or None,
            threshold_overrides=_table(overrides, "assessment", "thresholds") or None,
        )
    result = triage(case, rules)
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
            library=_pick_library(library, result.plan_allowed),
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


def plan_case_file(path: Path, settings: Settings | None = None) -> PlanReport:
    """:func:`plan_case_document` for a YAML or JSON file."""
    return plan_case_document(load_case_document(path), settings)


def _impairment(imp: Impairment) -> dict[str, Any]:
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


def _strength(row: StrengthRow) -> dict[str, Any]:
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


def _item(item: PlanItem) -> dict[str, Any]:
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


def plan_to_dict(plan: Plan) -> dict[str, Any]:
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


def report_to_dict(report: PlanReport) -> dict[str, Any]:
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
