"""Load the follow-up content (``data/follow_up/follow_up.toml``): the non-responder time
point and the plan-change suggestion rules (labels, sources, verification)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.suggestions import RULE_IDS, FollowUpConfig, SuggestionRule
from runnersknee.content._files import data_root, read_toml
from runnersknee.content.citations import load_citations

__all__ = ["check_follow_up", "load_follow_up"]

_WHERE = "follow_up.toml"
_RULE_KEYS = {"label", "citation_ids", "verified", "note", "exercise_id"}
_RESPONDER_KEYS = {"weeks", "instruments", "citation_ids", "verified", "note"}


def _table(raw: Mapping[str, Any], key: str, allowed: set[str]) -> Mapping[str, Any]:
    table = raw.get(key)
    if not isinstance(table, Mapping):
        raise ContentError(f"{_WHERE}: [{key}] must be a table", where=key)
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ContentError(f"{_WHERE} [{key}]: unknown keys {unknown}", where=key)
    if not isinstance(table.get("verified"), bool):
        raise ContentError(f"{_WHERE} [{key}]: verified must be true or false", where=key)
    return table


def _rule(rule_id: str, table: Mapping[str, Any]) -> SuggestionRule:
    label = table.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ContentError(f"{_WHERE} suggestion {rule_id}: needs a label", where=rule_id)
    exercise = table.get("exercise_id")
    return SuggestionRule(
        id=rule_id,
        label=label.strip(),
        citation_ids=load_citations().require(table.get("citation_ids", ()), where=rule_id),
        verified=bool(table["verified"]),
        note=str(table.get("note", "")),
        exercise_id=str(exercise) if exercise else None,
    )


@cache
def load_follow_up() -> FollowUpConfig:
    """The packaged follow-up content, checked: every engine rule described, sources known."""
    raw = read_toml(data_root() / "follow_up" / _WHERE)
    responder = _table(raw, "non_responder", _RESPONDER_KEYS)
    weeks = responder.get("weeks")
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 52:
        raise ContentError(f"{_WHERE}: non_responder.weeks must be 1-52", where="weeks")
    suggestions = raw.get("suggestion") or {}
    missing = sorted(set(RULE_IDS) - set(suggestions))
    unknown = sorted(set(suggestions) - set(RULE_IDS))
    if missing or unknown:
        raise ContentError(
            f"{_WHERE}: suggestion rules missing {missing}, unknown {unknown}", where="suggestion"
        )
    rules = {key: _rule(key, _table(suggestions, key, _RULE_KEYS)) for key in RULE_IDS}
    return FollowUpConfig(
        non_responder_weeks=weeks,
        non_responder_instruments=tuple(str(i) for i in responder.get("instruments") or ()),
        non_responder_citation_ids=load_citations().require(
            responder.get("citation_ids", ()), where="non_responder"
        ),
        non_responder_verified=bool(responder["verified"]),
        rules=MappingProxyType(rules),
    )


def check_follow_up(
    config: FollowUpConfig, exercise_ids: set[str], instrument_ids: set[str]
) -> None:
    """Refuse a rule naming an exercise, or a non-responder questionnaire, not installed."""
    for rule in config.rules.values():
        if rule.exercise_id is not None and rule.exercise_id not in exercise_ids:
            raise ContentError(
                f"{_WHERE} suggestion {rule.id}: unknown exercise {rule.exercise_id!r}",
                where=rule.id,
            )
    unknown = sorted(set(config.non_responder_instruments) - instrument_ids)
    if unknown:
        raise ContentError(f"{_WHERE}: unknown questionnaire(s) {unknown}", where="instruments")
