"""The bridge to the clinical core and its content: loads content once, calls the core.

Web and the other services show the core's decisions; nothing here decides anything itself.
Content modules that are not installed make the matching feature report "unavailable"
instead of failing (``available()`` says which are present).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import Any

from runnersknee.clinical.case import Case
from runnersknee.clinical.errors import Refused
from runnersknee.store.mapping import to_json

__all__ = [
    "available",
    "exercise_library",
    "generate_plan",
    "illustration_path",
    "instruments",
    "library_item",
    "portal_instrument",
    "score",
    "stop_rules",
    "triage_case",
    "triage_rules",
]


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


@cache
def triage_rules() -> Any:
    """The compiled triage rule set, or ``None`` when the triage content is not installed."""
    loader = _module("runnersknee.content.triage")
    return None if loader is None else loader.load_triage_rules()


def triage_case(case: Case) -> dict[str, Any] | None:
    """The triage result of ``case`` in its JSON form, or ``None`` without triage content."""
    rules = triage_rules()
    core = _module("runnersknee.clinical.triage")
    if rules is None or core is None:
        return None
    result = core.triage(case, rules)
    as_dict: dict[str, Any] = result.as_dict()
    return as_dict


def stop_rules() -> dict[str, Any]:
    """The always-on stop rules and medicines line (KB 8.3) with their citations."""
    rules = triage_rules()
    if rules is None:
        return {"stop_rules": "", "medicines": "", "citation_ids": []}
    safety = rules.safety
    return {
        "stop_rules": safety.stop_rules,
        "medicines": safety.medicines,
        "citation_ids": list(safety.citation_ids),
    }


@cache
def instruments() -> Mapping[str, Any]:
    """Instrument id → Instrument (empty when the instrument content is not installed)."""
    loader = _module("runnersknee.content.instruments")
    if loader is None:
        return {}
    loaded: Mapping[str, Any] = loader.load_instruments()
    return loaded


def portal_instrument(instrument: Any) -> bool:
    """True when patients may fill ``instrument`` in themselves (not paper-form-only)."""
    return getattr(instrument, "entry", "portal") == "portal"


def score(instrument_id: str, answers: Mapping[str, int | str]) -> dict[str, Any] | None:
    """Score one administration (JSON form), or ``None`` without the instrument module."""
    core = _module("runnersknee.clinical.instruments")
    instrument = instruments().get(instrument_id)
    if core is None or instrument is None:
        return None
    result: dict[str, Any] = to_json(core.score_answers(instrument, answers))
    return result


@cache
def exercise_library() -> Mapping[str, Any]:
    """Exercise id → Exercise (empty when the library is not installed)."""
    loader = _module("runnersknee.content.exercises")
    if loader is None:
        return {}
    library = loader.load_exercise_library()
    if isinstance(library, Mapping):
        return library
    exercises = getattr(library, "exercises", library)
    return {exercise.id: exercise for exercise in exercises}


def _plan_module() -> ModuleType | None:
    return _module("runnersknee.services.planning")


def generate_plan(
    case_data: Mapping[str, Any],
    assessment_data: Mapping[str, Any],
    referral: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The core's plan (JSON form) for the stored intake and assessment.

    The core re-runs triage and refuses (:class:`Refused`) unless the level is ``plan``; a
    clinician's "cleared" referral decision does not override it: the intake must be updated
    with the findings after clearance, and the plan follows the new triage.
    """
    planning = _plan_module()
    if planning is None:
        raise Refused("the plan generator is not installed", field="plan")
    document = {**dict(case_data), "assessment": dict(assessment_data)}
    report = planning.plan_case_document(document)
    if report.plan is None:
        refusal = report.refusal
        message = refusal.message if refusal is not None else "no plan for this case"
        if referral is not None and referral.get("decision") == "cleared":
            message += (
                "; the patient was cleared: update the intake with the findings after "
                "clearance so triage can allow a plan"
            )
        raise Refused(message, field="plan", level=str(report.triage.level.value))
    result: dict[str, Any] = planning.plan_to_dict(report.plan)
    result["triage_level"] = str(report.triage.level.value)
    return result


def library_item(exercise: Any, note: str) -> dict[str, Any]:
    """A plan item (JSON form) for a library exercise a clinician adds by hand."""
    return {
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


def illustration_path(exercise: Any) -> Path | None:
    """The packaged SVG file of an exercise's illustration, if it has one."""
    name = getattr(exercise, "illustration", None)
    if not name:
        return None
    folder = resources.files("runnersknee.content") / "data" / "exercises" / "illustrations"
    candidate = Path(str(folder / Path(name).name))
    return candidate if candidate.is_file() and candidate.suffix == ".svg" else None


def available() -> dict[str, bool]:
    """Which parts of the clinical core are installed."""
    return {
        "triage": triage_rules() is not None,
        "instruments": bool(instruments()),
        "exercises": bool(exercise_library()),
        "plan": _module("runnersknee.services.planning") is not None,
        "pain_monitoring": _module("runnersknee.clinical.pain_monitoring") is not None,
    }
