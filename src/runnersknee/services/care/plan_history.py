"""A plan's version history in words and the comparison of two versions (clinician view).

Each stored version says what changed in a short machine form (``edited <item id>``,
``added <exercise id>``, ...); this module turns it into a sentence with the item's title and
the clinician's name, and lists item by item what differs between two versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor
from runnersknee.services.care.records import PlanVersion, plan_items, plan_versions
from runnersknee.store.tables import UserRow

__all__ = [
    "HistoryEntry",
    "ItemChange",
    "compare",
    "describe",
    "history",
    "version_pair",
]


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One version in words."""

    version: int
    signed: bool
    words: str
    by: str
    at: datetime
    sign_note: str


@dataclass(frozen=True, slots=True)
class ItemChange:
    """How one plan item differs between two versions (``kind``: added, removed, changed)."""

    title: str
    kind: str
    before: str
    after: str


def _titles(*plans: Mapping[str, Any]) -> dict[str, str]:
    titles: dict[str, str] = {}
    for data in plans:
        for item in plan_items(data):
            for key in (item.get("id"), item.get("exercise_id")):
                if key:
                    titles[str(key)] = str(item.get("title") or key)
    return titles


def describe(change: str, data: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    """The change of one version as a sentence (item ids become their titles; an accepted
    suggestion's change is its title, already in words)."""
    verb, _, rest = change.partition(" ")
    if verb == "accepted":
        return f"Accepted the suggestion: {rest}"
    target, _, other = rest.partition(" ")
    titles = _titles(previous or {}, data)
    title = titles.get(target, target)
    sentences = {
        "generated": "Plan generated from the intake and assessment",
        "signed": "Signed off",
        "edited": f"Changed the dose or note of \u201c{title}\u201d",
        "removed": f"Removed \u201c{title}\u201d",
        "added": f"Added \u201c{title}\u201d",
        "progressed": f"Progressed \u201c{title}\u201d to \u201c{titles.get(other, other)}\u201d",
        "regressed": f"Stepped \u201c{title}\u201d back to \u201c{titles.get(other, other)}\u201d",
        "running": "Running held until reviewed" if target == "held" else "Running resumed",
    }
    return sentences.get(verb, change)


def _names(tx: Session, ids: set[int]) -> dict[int, str]:
    rows = tx.execute(select(UserRow.id, UserRow.display_name).where(UserRow.id.in_(ids)))
    return {int(i): str(n) for i, n in rows}


def history(
    tx: Session, actor: Actor, patient_id: int, content: ClinicalContent
) -> list[HistoryEntry]:
    """Every version of the current episode in words, newest first."""
    versions = plan_versions(tx, actor, patient_id, content=content)
    names = _names(tx, {v.created_by for v in versions})
    entries = []
    for index, version in enumerate(versions):
        previous = versions[index + 1].data if index + 1 < len(versions) else None
        entries.append(
            HistoryEntry(
                version.version,
                version.signed,
                describe(version.change, version.data, previous),
                names.get(version.created_by, "unknown user"),
                version.created_at,
                str(version.data.get("sign_note") or "") if version.signed else "",
            )
        )
    return entries


def version_pair(
    versions: Sequence[PlanVersion], first: int, second: int
) -> tuple[PlanVersion, PlanVersion]:
    """The two versions numbered ``first`` and ``second`` (older first), or NotFound."""
    by_number = {v.version: v for v in versions}
    missing = [n for n in (first, second) if n not in by_number]
    if missing:
        raise NotFound(f"the plan has no version {missing[0]}", field="version", got=missing[0])
    low, high = sorted((first, second))
    return by_number[low], by_number[high]


def _dose(item: Mapping[str, Any]) -> str:
    note = str(item.get("clinician_note") or "")
    dose = str(item.get("dose") or "")
    return f"{dose} (note: {note})" if note else dose


def compare(older: Mapping[str, Any], newer: Mapping[str, Any]) -> list[ItemChange]:
    """Items added, removed or with another dose or note, in the newer version's order."""
    before = {str(i.get("id")): i for i in plan_items(older)}
    after = {str(i.get("id")): i for i in plan_items(newer)}
    changes = []
    for key, item in after.items():
        title = str(item.get("title") or key)
        if key not in before:
            changes.append(ItemChange(title, "added", "", _dose(item)))
        elif _dose(before[key]) != _dose(item):
            changes.append(ItemChange(title, "changed", _dose(before[key]), _dose(item)))
    for key, item in before.items():
        if key not in after:
            changes.append(ItemChange(str(item.get("title") or key), "removed", _dose(item), ""))
    return changes
