"""Load the triage rules (``data/triage/*.toml``) into a :class:`TriageRuleSet`, and document them.

``load_triage_rules(overrides)`` builds a fresh set (nothing is cached here: the application
reads its rules from the one :class:`~runnersknee.content.bundle.ClinicalContent`) where
``overrides`` maps a rule id (or ``"*"`` for every rule that declares the parameter) to
``{param: value}`` — the way unverified thresholds such as the adolescent age gate are configured.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from runnersknee.clinical.citations import CitationRegistry
from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.rules import compile_condition
from runnersknee.clinical.triage import (
    PfpCriterion,
    PfpRule,
    RuleKind,
    RuleParam,
    SafetyWording,
    TriageLevel,
    TriageRule,
    TriageRuleSet,
)
from runnersknee.content._files import data_root, read_toml
from runnersknee.content._triage_markdown import render_rules_markdown
from runnersknee.content.citations import load_citations

__all__ = ["ALL_RULES", "load_triage_rules", "render_rules_markdown"]

#: The ``overrides`` key that applies a parameter to every rule declaring it.
ALL_RULES = "*"

Overrides = Mapping[str, Mapping[str, float]]

_RULE_KEYS = {
    "id",
    "label",
    "kind",
    "level",
    "reason",
    "condition",
    "citations",
    "verified",
    "rationale",
}
_RULE_OPTIONAL = {"params", "safety_variant", "review"}
_PARAM_KEYS = {"value", "verified"}
_PARAM_OPTIONAL = {"unit", "note"}
_CRITERION_KEYS = {"id", "label", "condition", "reason", "citations", "verified", "rationale"}
_PFP_KEYS = {"id", "label", "reason", "citations", "verified", "rationale", "criterion"}


def load_triage_rules(overrides: Overrides | None = None) -> TriageRuleSet:
    """The compiled triage rules; raise :class:`ContentError` for any inconsistency."""
    return _build(overrides or {})


def _build(overrides: Overrides) -> TriageRuleSet:
    citations = load_citations()
    folder = data_root() / "triage"
    raw_rules = _keys(read_toml(folder / "rules.toml"), {"rule", "pfp"}, {"version"}, "rules.toml")
    safety = _safety(read_toml(folder / "safety.toml"), citations)
    entries = raw_rules.get("rule")
    if not isinstance(entries, list) or not entries:
        raise ContentError("rules.toml: no [[rule]] entries")
    _check_override_targets(entries, overrides)
    rules = tuple(_rule(entry, citations, overrides) for entry in entries)
    pfp = _pfp(raw_rules.get("pfp"), citations)
    return TriageRuleSet(rules=rules, pfp=pfp, safety=safety)


def _keys(raw: object, required: set[str], optional: set[str], where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: expected a table, got {raw!r}", where=where)
    missing = sorted(required - raw.keys())
    unknown = sorted(raw.keys() - required - optional)
    if missing or unknown:
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(unknown)}" if unknown else "",
            )
            if part
        )
        raise ContentError(f"{where}: {detail}", where=where)
    return raw


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: {key} must be non-empty text", where=where)
    return value


def _flag(raw: Mapping[str, Any], key: str, where: str) -> bool:
    value = raw[key]
    if not isinstance(value, bool):
        raise ContentError(f"{where}: {key} must be true or false", where=where)
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ContentError(f"{where}: expected a finite number, got {value!r}", where=where)
    return value


def _choice(
    raw: Mapping[str, Any], key: str, enum: type[TriageLevel] | type[RuleKind], where: str
) -> Any:
    value = raw[key]
    allowed = [member.value for member in enum]
    if value not in allowed:
        raise ContentError(
            f"{where}: {key} {value!r} is not one of {', '.join(allowed)}", where=where
        )
    return enum(value)


def _citations(raw: Mapping[str, Any], registry: CitationRegistry, where: str) -> tuple[str, ...]:
    ids = raw["citations"]
    if not isinstance(ids, list) or not all(isinstance(cid, str) for cid in ids):
        raise ContentError(f"{where}: citations must be a list of ids", where=where)
    return registry.require(ids, where=where)


def _check_override_targets(entries: list[Any], overrides: Overrides) -> None:
    declared: dict[str, set[str]] = {}
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            declared[entry["id"]] = set(entry.get("params") or {})
    every = set().union(*declared.values())
    for target, values in overrides.items():
        known = every if target == ALL_RULES else declared.get(target)
        if known is None:
            raise ContentError(
                f"override for unknown triage rule {target!r}",
                rule=target,
                allowed=sorted(declared),
            )
        for name, value in values.items():
            if name not in known:
                raise ContentError(
                    f"override {target}.{name}: no such parameter (declared: "
                    f"{', '.join(sorted(known)) or 'none'})",
                    rule=target,
                )
            _number(value, f"override {target}.{name}")


def _params(raw: object, rule_id: str, overrides: Overrides) -> tuple[RuleParam, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ContentError(f"{rule_id}: params must be a table", where=rule_id)
    chosen = {**overrides.get(ALL_RULES, {}), **overrides.get(rule_id, {})}
    params = []
    for name, raw_spec in raw.items():
        where = f"{rule_id}.params.{name}"
        spec = _keys(raw_spec, _PARAM_KEYS, _PARAM_OPTIONAL, where)
        value = _number(spec["value"], where)
        overridden = name in chosen
        params.append(
            RuleParam(
                name=name,
                value=_number(chosen[name], where) if overridden else value,
                verified=_flag(spec, "verified", where) and not overridden,
                unit=str(spec.get("unit", "")),
                note=str(spec.get("note", ""))
                + (f" (default {value}, overridden)" if overridden else ""),
            )
        )
    return tuple(params)


def _rule(raw: object, registry: CitationRegistry, overrides: Overrides) -> TriageRule:
    where = f"rules.toml rule {raw.get('id', '?') if isinstance(raw, dict) else '?'}"
    raw = _keys(raw, _RULE_KEYS, _RULE_OPTIONAL, where)
    rule_id = _text(raw, "id", where)
    params = _params(raw.get("params"), rule_id, overrides)
    condition = compile_condition(
        raw["condition"], params={p.name: p.value for p in params}, where=rule_id
    )
    variant = raw.get("safety_variant")
    if variant is not None and not isinstance(variant, str):
        raise ContentError(f"{where}: safety_variant must be text", where=where)
    return TriageRule(
        id=rule_id,
        label=_text(raw, "label", where),
        kind=_choice(raw, "kind", RuleKind, where),
        level=_choice(raw, "level", TriageLevel, where),
        reason=_text(raw, "reason", where),
        condition=condition,
        citation_ids=_citations(raw, registry, rule_id),
        verified=_flag(raw, "verified", where),
        rationale=_text(raw, "rationale", where),
        params=params,
        safety_variant=variant,
        review=_text(raw, "review", where) if "review" in raw else "",
    )


def _pfp(raw: object, registry: CitationRegistry) -> PfpRule:
    where = "rules.toml [pfp]"
    raw = _keys(raw, _PFP_KEYS, set(), where)
    entries = raw["criterion"]
    if not isinstance(entries, list) or not entries:
        raise ContentError(f"{where}: needs at least one [[pfp.criterion]]", where=where)
    criteria = []
    for raw_entry in entries:
        here = f"{where} criterion"
        entry = _keys(raw_entry, _CRITERION_KEYS, set(), here)
        criterion_id = _text(entry, "id", here)
        criteria.append(
            PfpCriterion(
                id=criterion_id,
                label=_text(entry, "label", criterion_id),
                condition=compile_condition(entry["condition"], where=criterion_id),
                reason=_text(entry, "reason", criterion_id),
                citation_ids=_citations(entry, registry, criterion_id),
                verified=_flag(entry, "verified", criterion_id),
                rationale=_text(entry, "rationale", criterion_id),
            )
        )
    pfp_id = _text(raw, "id", where)
    return PfpRule(
        id=pfp_id,
        label=_text(raw, "label", where),
        reason=_text(raw, "reason", where),
        citation_ids=_citations(raw, registry, pfp_id),
        verified=_flag(raw, "verified", where),
        rationale=_text(raw, "rationale", where),
        criteria=tuple(criteria),
    )


def _safety(raw: Mapping[str, Any], registry: CitationRegistry) -> SafetyWording:
    where = "safety.toml"
    unverified: list[str] = []

    def wording(table: object, name: str) -> str:
        spec = _keys(table, {"text", "verified"}, {"note"}, f"{where} {name}")
        if not _flag(spec, "verified", f"{where} {name}"):
            unverified.append(f"{name}: {spec.get('note', 'unverified wording')}")
        return _text(spec, "text", f"{where} {name}")

    levels = raw.get("level")
    if not isinstance(levels, dict) or set(levels) != {level.value for level in TriageLevel}:
        raise ContentError(f"{where}: [level.*] must give every level exactly once")
    by_level = {TriageLevel(name): wording(spec, f"level.{name}") for name, spec in levels.items()}
    variants_raw = raw.get("variant") or {}
    if not isinstance(variants_raw, dict):
        raise ContentError(f"{where}: [variant] must be a table")
    variants = {name: wording(spec, f"variant.{name}") for name, spec in variants_raw.items()}
    always = _keys(raw.get("always_on"), {"stop_rules", "medicines", "adolescent"}, set(), where)
    teen = _keys(always["adolescent"], {"text", "below_age", "verified"}, {"note"}, where)
    if not _flag(teen, "verified", where):
        unverified.append(f"always_on.adolescent: {teen.get('note', 'unverified wording')}")
    ids = raw.get("citations")
    return SafetyWording(
        by_level=MappingProxyType(by_level),
        variants=MappingProxyType(variants),
        stop_rules=_text(always, "stop_rules", where),
        medicines=_text(always, "medicines", where),
        adolescent=_text(teen, "text", where),
        adolescent_below_age=_number(teen["below_age"], f"{where} always_on.adolescent"),
        adolescent_verified=bool(teen["verified"]),
        citation_ids=registry.require(ids if isinstance(ids, list) else [], where=where),
        unverified=tuple(unverified),
    )
