"""Load assessment thresholds and plan settings (``data/assessment/*.toml``).

``overrides`` map a threshold or setting name to a local value (from the file named by
``RUNNERSKNEE_CONTENT_OVERRIDES``, tables ``[assessment.thresholds]`` and ``[assessment.plan]``).
An overridden value keeps its citations, is marked ``verified = False`` and notes the override.
Nothing is cached here: the application reads the one
:class:`~runnersknee.content.bundle.ClinicalContent`, built with the overrides applied.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.impairments import AssessmentThresholds, Threshold
from runnersknee.clinical.plan_model import EducationTopic, GaitDose, PhaseRule, PlanConfig
from runnersknee.content._files import data_root, read_toml
from runnersknee.content.citations import load_citations
from runnersknee.content.instruments import load_instruments

__all__ = ["Overrides", "load_assessment_thresholds", "load_plan_config"]

Overrides = Mapping[str, float]

_OPTIONAL_THRESHOLDS = {
    f.name for f in dataclasses.fields(AssessmentThresholds) if f.default is None
}
_OPTIONAL_SETTINGS = {"functional_akps_at_least"}
_LOCAL_CITES = ("KB-PLAN-DEFAULTS",)


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContentError(f"{where}: value must be a finite number", where=where, got=value)
    return float(value)


def _read_table(file_name: str, table: str) -> dict[str, Threshold]:
    registry = load_citations()
    raw = read_toml(data_root() / "assessment" / file_name).get(table)
    if not isinstance(raw, dict) or not raw:
        raise ContentError(f"{file_name}: no [{table}.*] entries")
    found: dict[str, Threshold] = {}
    for name, spec in raw.items():
        where = f"{file_name} {table}.{name}"
        if not isinstance(spec, dict):
            raise ContentError(f"{where}: must be a table", where=where)
        unknown = set(spec) - {"value", "citation_ids", "verified", "note"}
        if unknown:
            raise ContentError(f"{where}: unknown keys {sorted(unknown)}", where=where)
        found[name] = Threshold(
            value=_number(spec.get("value"), where),
            citation_ids=registry.require(spec.get("citation_ids", ()), where=where),
            verified=bool(spec.get("verified", True)),
            note=str(spec.get("note", "")),
        )
    return found


def _apply(
    table: dict[str, Threshold], overrides: Overrides, allowed: set[str], what: str
) -> dict[str, Threshold]:
    merged = dict(table)
    for name, value in overrides.items():
        if name not in allowed:
            raise ContentError(
                f"override for unknown {what} {name!r}", where=name, allowed=sorted(allowed)
            )
        base = table.get(name)
        merged[name] = Threshold(
            value=_number(value, f"override {name}"),
            citation_ids=base.citation_ids if base else _LOCAL_CITES,
            verified=False,
            note=f"Locally overridden (file default {base.value:g})." if base else "Set locally.",
        )
    return merged


def load_assessment_thresholds(overrides: Overrides | None = None) -> AssessmentThresholds:
    """The impairment cut-offs; raise :class:`ContentError` for a missing or unknown name."""
    return _build_thresholds(overrides or {})


def _build_thresholds(overrides: Overrides) -> AssessmentThresholds:
    names = {f.name for f in dataclasses.fields(AssessmentThresholds)}
    table = _apply(_read_table("thresholds.toml", "threshold"), overrides, names, "threshold")
    unknown = set(table) - names
    missing = names - _OPTIONAL_THRESHOLDS - set(table)
    if unknown or missing:
        raise ContentError(
            f"thresholds.toml: unknown {sorted(unknown)}, missing {sorted(missing)}",
            where="thresholds.toml",
        )
    return AssessmentThresholds(**table)


def load_plan_config(
    overrides: Overrides | None = None,
    *,
    threshold_overrides: Overrides | None = None,
    education: tuple[EducationTopic, ...] | None = None,
) -> PlanConfig:
    """Plan settings + thresholds + education texts, validated against the citation registry."""
    if education is None:
        from runnersknee.content.education import load_education

        education = load_education()
    return _build_config(overrides or {}, threshold_overrides or {}, education)


def _int(setting: Threshold, name: str) -> int:
    if setting.value != int(setting.value) or setting.value < 1:
        raise ContentError(f"plan.toml {name}: must be a whole number of at least 1", where=name)
    return int(setting.value)


def _build_config(
    overrides: Overrides, threshold_overrides: Overrides, education: tuple[EducationTopic, ...]
) -> PlanConfig:
    raw = _read_table("plan.toml", "setting")
    s = _apply(raw, overrides, set(raw) | _OPTIONAL_SETTINGS, "plan setting")
    try:
        rule = PhaseRule(
            irritable_usual_pain_above=s["irritable_usual_pain_above"],
            irritable_task_pain_above=s["irritable_task_pain_above"],
            functional_usual_pain_at_most=s["functional_usual_pain_at_most"],
            functional_step_down_at_most=s["functional_step_down_at_most"],
            plyometric_step_down_at_most=s["plyometric_step_down_at_most"],
            plyometric_worst_pain_at_most=s["plyometric_worst_pain_at_most"],
            functional_akps_at_least=s.get("functional_akps_at_least"),
        )
        gait = GaitDose(
            sessions=_int(s["gait_sessions"], "gait_sessions"),
            weeks=_int(s["gait_weeks"], "gait_weeks"),
            start_min=s["gait_start_min"].value,
            end_min=s["gait_end_min"].value,
            full_feedback_sessions=_int(s["gait_full_feedback_sessions"], "gait_full_feedback"),
            citation_ids=s["gait_sessions"].citation_ids,
        )
        return PlanConfig(
            thresholds=load_assessment_thresholds(threshold_overrides),
            phase_rule=rule,
            pain_threshold_nprs=_pain(s["pain_threshold_nprs"]),
            cadence_increase_min_pct=s["cadence_increase_min_pct"],
            cadence_increase_max_pct=s["cadence_increase_max_pct"],
            gait_dose=gait,
            orthoses_fpi6_min=s["orthoses_fpi6_min"],
            orthoses_max_weeks=s["orthoses_max_weeks"],
            completions_required=_int(s["completions_required"], "completions_required"),
            education=education,
            tsk11_high_at_least=s["tsk11_high_at_least"],
            adolescent_min_age=_int(s["adolescent_min_age"], "adolescent_min_age"),
            adolescent_max_age=_int(s["adolescent_max_age"], "adolescent_max_age"),
            instruments=load_instruments(),
        )
    except KeyError as exc:
        raise ContentError(f"plan.toml: missing setting {exc.args[0]!r}") from exc


def _pain(setting: Threshold) -> Threshold:
    if not 0 <= setting.value <= 10:
        raise ContentError("pain_threshold_nprs must be 0-10", where="pain_threshold_nprs")
    return setting
