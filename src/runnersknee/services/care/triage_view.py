"""The triage of an intake in the clinician's words: each fired rule's label, what it means
(the rule's rationale) and its sources, and what to do for the level.

A stored triage holds the wording the patient was shown (``reason``, ``safety_text``); the
record's banner shows the clinician wording of the same rules instead, read from the
installed triage content by rule id, and the level's action from
``content/data/triage/red_flag_actions.toml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runnersknee.clinical.triage import TriageRuleSet
from runnersknee.content.citations import load_citations
from runnersknee.content.red_flag_actions import RedFlagActions
from runnersknee.content.sources import plain_sources

__all__ = ["ClinicianFinding", "ClinicianTriage", "clinician_triage"]

#: The level as a clinician reads it (knowledge base section 2, "Triage levels").
LEVEL_LABELS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "refer": "Refer",
    "plan": "the PFP pathway may proceed",
}


@dataclass(frozen=True, slots=True)
class ClinicianFinding:
    """One fired rule in the clinician's words."""

    label: str
    level: str
    meaning: str
    citation_ids: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class ClinicianTriage:
    """The banner: the level, what to do, the findings and the information items."""

    level: str
    level_label: str
    action: str
    action_verified: bool
    action_citation_ids: tuple[str, ...]
    pfp_probable: bool
    reasons: tuple[ClinicianFinding, ...]
    supporting: tuple[ClinicianFinding, ...]
    prognosis: tuple[ClinicianFinding, ...]
    prompts: tuple[ClinicianFinding, ...]


#: An engine id inside a rationale: a citation key (``CPG-2019``) or a rule id.
_KEY = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


def _in_words(text: str, rules: TriageRuleSet) -> str:
    """``text`` with citation keys as plain sources and rule ids as their labels."""
    registry = load_citations()

    def swap(found: re.Match[str]) -> str:
        key = found.group(0)
        note = rules.clinician_note(key)
        if note is not None and note[0]:
            return note[0]
        return plain_sources([key]) if key in registry else key

    return _KEY.sub(swap, text)


def _fallback_label(rule_id: str) -> str:
    """A readable name for a rule this content no longer holds (``RF-HOT-RED-JOINT``)."""
    _, _, rest = rule_id.partition("-")
    words = (rest or rule_id).replace("-", " ").lower()
    return words[:1].upper() + words[1:]


def _findings(
    entries: Sequence[Mapping[str, Any]], rules: TriageRuleSet
) -> tuple[ClinicianFinding, ...]:
    found = []
    for entry in entries:
        rule_id = str(entry.get("rule_id") or "")
        note = rules.clinician_note(rule_id)
        label, meaning = note if note is not None else ("", "")
        found.append(
            ClinicianFinding(
                label=label or _fallback_label(rule_id),
                level=str(entry.get("level") or ""),
                meaning=_in_words(meaning, rules)
                or f"Rule condition: {entry.get('condition') or 'not recorded'}",
                citation_ids=tuple(str(c) for c in entry.get("citation_ids") or ()),
                verified=bool(entry.get("verified", False)),
            )
        )
    return tuple(found)


def clinician_triage(
    triage: Mapping[str, Any] | None, rules: TriageRuleSet, actions: RedFlagActions
) -> ClinicianTriage | None:
    """The clinician's banner for a stored triage (None when the intake holds none)."""
    if not triage or not triage.get("level"):
        return None
    level = str(triage["level"])
    return ClinicianTriage(
        level=level,
        level_label=LEVEL_LABELS.get(level, level),
        action=actions.action(level),
        action_verified=actions.verified.get(level, True),
        action_citation_ids=actions.citation_ids,
        pfp_probable=bool(triage.get("pfp_probable")),
        reasons=_findings(triage.get("reasons") or (), rules),
        supporting=_findings(triage.get("supporting") or (), rules),
        prognosis=_findings(triage.get("prognosis") or (), rules),
        prompts=_findings(triage.get("prompts") or (), rules),
    )
