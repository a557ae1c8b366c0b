"""One frozen bundle of all clinical content, with the deployment's overrides applied once.

An entry point (the web app factory, a CLI command, a job worker) builds it once with
:func:`load_clinical_content` and passes it down; use cases read its attributes. Nothing reads
``RUNNERSKNEE_CONTENT_OVERRIDES`` anywhere else, so every entry point decides with the same
rules, thresholds and limits.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from runnersknee.clinical.citations import CitationRegistry
from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.clinical.instruments import Instrument
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.clinical.pain_monitoring import PainMonitoringConfig
from runnersknee.clinical.plan_model import EducationTopic, PlanConfig
from runnersknee.clinical.return_to_run import ReturnToRunProtocol
from runnersknee.clinical.suggestions import FollowUpConfig
from runnersknee.clinical.triage import SafetyWording, TriageRuleSet
from runnersknee.content.assessment import load_plan_config
from runnersknee.content.citations import load_citations
from runnersknee.content.education import load_education
from runnersknee.content.exercises import load_exercise_library
from runnersknee.content.follow_up import check_follow_up, load_follow_up
from runnersknee.content.gait import GaitContent, load_gait_content
from runnersknee.content.gate import GateContent, load_gate
from runnersknee.content.instruments import load_instruments
from runnersknee.content.return_to_run import (
    load_pain_monitoring_config,
    load_return_to_run_protocol,
)
from runnersknee.content.triage import load_triage_rules

__all__ = ["OVERRIDE_TABLES", "ClinicalContent", "load_clinical_content", "read_overrides"]

#: The tables an overrides file may contain (docs/assessment-and-plan.md, docs/running.md).
OVERRIDE_TABLES = ("triage", "assessment", "pain_monitoring")
_ASSESSMENT_TABLES = ("plan", "thresholds")


@dataclass(frozen=True, slots=True)
class ClinicalContent:
    """Every piece of clinical content a decision reads, validated and immutable.

    Attributes:
        triage_rules: red flags, differentials and PfP criteria (``[triage]`` overrides).
        instruments: questionnaire id → instrument (scoring, bands, MCID).
        exercises: the exercise library (doses, progressions, illustrations).
        plan_config: plan settings, assessment thresholds and education texts
            (``[assessment.plan]``, ``[assessment.thresholds]`` overrides).
        pain_monitoring: the pain limits of the today page and the runs views
            (``[pain_monitoring]`` overrides).
        return_to_run: the walk-run stages and entry criteria.
        education: education topics (also inside ``plan_config``).
        gait: gait metric specifications, confidence limits and measurement error.
        gate: the safety gate's configuration and messages.
        citations: every citation id → reference.
        follow_up: the non-responder time point and the plan-change suggestion rules.
        overrides_file: the overrides file applied, if any.
    """

    triage_rules: TriageRuleSet
    instruments: Mapping[str, Instrument]
    exercises: ExerciseLibrary
    plan_config: PlanConfig
    pain_monitoring: PainMonitoringConfig
    return_to_run: ReturnToRunProtocol
    education: tuple[EducationTopic, ...]
    gait: GaitContent
    gate: GateContent
    citations: CitationRegistry
    follow_up: FollowUpConfig
    overrides_file: Path | None = None

    @property
    def safety(self) -> SafetyWording:
        """The always-on stop rules and medicines wording (KB 8.3)."""
        return self.triage_rules.safety

    def portal_instruments(self) -> tuple[str, ...]:
        """Ids of the questionnaires patients fill in themselves (not paper-form-only)."""
        return tuple(key for key, value in self.instruments.items() if value.entry == "portal")


def read_overrides(path: Path | None) -> dict[str, Any]:
    """The overrides file (TOML) as a mapping, ``{}`` without one; unknown tables are refused."""
    return _parse_overrides(path, _overrides_text(path))


def _overrides_text(path: Path | None) -> str:
    if path is None:
        return ""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{path}: overrides file not found", field="content_overrides") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path}: overrides file cannot be read ({exc})") from None


def _parse_overrides(path: Path | None, text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: overrides file cannot be read ({exc})") from None
    _check_tables(path, data, OVERRIDE_TABLES, "")
    _check_tables(path, _table(data, "assessment"), _ASSESSMENT_TABLES, "assessment.")
    return data


def _check_tables(
    path: Path | None, data: Mapping[str, Any], allowed: tuple[str, ...], at: str
) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise InvalidInput(
            f"{path}: unknown overrides table(s) {', '.join(at + u for u in unknown)}",
            field="content_overrides",
            allowed=[at + a for a in allowed],
            got=[at + u for u in unknown],
        )


def _table(raw: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    node: Any = raw
    for key in keys:
        node = node.get(key, {}) if isinstance(node, Mapping) else {}
    return dict(node) if isinstance(node, Mapping) else {}


def load_clinical_content(overrides_file: Path | None = None) -> ClinicalContent:
    """Read and validate all packaged content, applying ``overrides_file`` (once).

    Bundles are kept per overrides file *and its text*, so building the app again (tests, a
    CLI command after the web app) reuses one, and an edited file gives a new bundle.
    """
    return _bundle(overrides_file, _overrides_text(overrides_file))


@lru_cache(maxsize=4)
def _bundle(overrides_file: Path | None, text: str) -> ClinicalContent:
    overrides = _parse_overrides(overrides_file, text)
    education = load_education()
    exercises = load_exercise_library()
    instruments = load_instruments()
    follow_up = load_follow_up()
    check_follow_up(follow_up, set(exercises), set(instruments))
    return ClinicalContent(
        triage_rules=load_triage_rules(_table(overrides, "triage") or None),
        instruments=MappingProxyType(dict(instruments)),
        exercises=exercises,
        plan_config=load_plan_config(
            _table(overrides, "assessment", "plan") or None,
            threshold_overrides=_table(overrides, "assessment", "thresholds") or None,
            education=education,
        ),
        pain_monitoring=load_pain_monitoring_config(_table(overrides, "pain_monitoring")),
        return_to_run=load_return_to_run_protocol(),
        education=education,
        gait=load_gait_content(),
        gate=load_gate(),
        citations=load_citations(),
        follow_up=follow_up,
        overrides_file=overrides_file,
    )
