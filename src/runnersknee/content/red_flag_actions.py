"""Load what a clinician does about a red-flag triage (``data/triage/red_flag_actions.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

from runnersknee.clinical.errors import ContentError
from runnersknee.content._files import data_root, read_toml

__all__ = ["RedFlagActions", "load_red_flag_actions"]

_LEVELS = ("emergency", "urgent", "refer")
#: Levels whose action is optional (the plan level: what the clinician does next).
_OPTIONAL_LEVELS = ("plan",)


@dataclass(frozen=True, slots=True)
class RedFlagActions:
    """The action of each red-flag level, its verification, and the checklist (id, text)."""

    actions: Mapping[str, str]
    verified: Mapping[str, bool]
    checklist: tuple[tuple[str, str], ...]
    citation_ids: tuple[str, ...]

    def action(self, level: str | None) -> str:
        """The clinician's action for ``level`` (empty for a level without one)."""
        return self.actions.get(level or "", "")


@cache
def load_red_flag_actions() -> RedFlagActions:
    """The packaged wording, checked: an action for every red-flag level, unique items."""
    raw = read_toml(data_root() / "triage" / "red_flag_actions.toml")
    levels = raw.get("level") or {}
    actions: dict[str, str] = {}
    verified: dict[str, bool] = {}
    for level in _LEVELS:
        entry = levels.get(level) or {}
        text = entry.get("action")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"red_flag_actions.toml: level {level} needs an action")
        actions[level] = text.strip()
        verified[level] = bool(entry.get("verified", False))
    for level in _OPTIONAL_LEVELS:
        entry = levels.get(level) or {}
        if isinstance(entry.get("action"), str) and entry["action"].strip():
            actions[level] = entry["action"].strip()
            verified[level] = bool(entry.get("verified", False))
    checklist = tuple((str(i["id"]), str(i["text"])) for i in raw.get("checklist") or ())
    if not checklist or len({i for i, _ in checklist}) != len(checklist):
        raise ContentError("red_flag_actions.toml: the checklist needs unique item ids")
    return RedFlagActions(
        MappingProxyType(actions),
        MappingProxyType(verified),
        checklist,
        tuple(raw.get("citation_ids") or ()),
    )
