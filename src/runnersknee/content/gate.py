"""Load the safety gate's settings and wording (``data/gate/gate.toml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any

from runnersknee.clinical.errors import ContentError
from runnersknee.clinical.safety_gate import GateConfig, GateState
from runnersknee.content._files import data_root, read_toml
from runnersknee.content.citations import load_citations

__all__ = ["GateContent", "GateMessage", "load_gate"]

#: Run states besides the gate states (clinical/safety_gate.TodayAllowance.run_state).
_RUN_STATES = ("phase_too_early", "running_held", "allowed")


@dataclass(frozen=True, slots=True)
class GateMessage:
    """What one state means, for the patient and for the clinician."""

    patient: str
    clinician: str


@dataclass(frozen=True, slots=True)
class GateContent:
    """The gate's configuration and its messages by state (gate states and run states)."""

    config: GateConfig
    messages: Mapping[str, GateMessage]
    running_citation_ids: tuple[str, ...]
    running_verified: bool
    running_note: str

    def message(self, state: str) -> GateMessage:
        """The wording of a gate or run state."""
        return self.messages[state]


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise ContentError(f"gate.toml {where}: needs a non-empty text", where=where)
    return raw.strip()


@cache
def load_gate() -> GateContent:
    """The packaged gate content, checked: a message for every state, a valid phase."""
    raw = read_toml(data_root() / "gate" / "gate.toml")
    running = raw.get("running") or {}
    phase = running.get("min_plan_phase")
    if isinstance(phase, bool) or not isinstance(phase, int) or not 1 <= phase <= 4:
        raise ContentError("gate.toml [running] min_plan_phase must be a phase from 1 to 4")
    messages: dict[str, GateMessage] = {}
    for state in (*(s.value for s in GateState if s is not GateState.OPEN), *_RUN_STATES):
        entry = (raw.get("message") or {}).get(state)
        if not isinstance(entry, dict):
            raise ContentError(f"gate.toml: no [message.{state}]", where=state)
        messages[state] = GateMessage(
            _text(entry.get("patient"), f"message.{state}.patient"),
            _text(entry.get("clinician"), f"message.{state}.clinician"),
        )
    ids = tuple(str(i) for i in running.get("citation_ids", []))
    return GateContent(
        config=GateConfig(running_min_phase=phase),
        messages=MappingProxyType(messages),
        running_citation_ids=load_citations().require(ids, where="gate.toml [running]"),
        running_verified=bool(running.get("verified", False)),
        running_note=str(running.get("note", "")),
    )
