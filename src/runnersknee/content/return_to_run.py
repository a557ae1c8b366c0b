"""Load the return-to-run protocol and the pain-monitoring defaults from content data.

File: ``data/return_to_run/protocol.toml`` (knowledge base 5.5, 7.1-7.4). Every citation id is
checked against the registry; stage distances are checked against their miles value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from runnersknee.clinical.errors import ContentError, InvalidInput
from runnersknee.clinical.pain_monitoring import PainMonitoringConfig
from runnersknee.clinical.return_to_run import (
    METRES_PER_MILE,
    EntryCriterion,
    ReturnToRunProtocol,
    WalkRunStage,
)
from runnersknee.content._files import data_root, read_toml
from runnersknee.content.citations import load_citations

__all__ = [
    "PAIN_MONITORING_KEYS",
    "load_pain_monitoring_config",
    "load_return_to_run_protocol",
]

_FILE = "protocol.toml"
#: Keys of ``[pain_monitoring]`` that a deployment may override.
PAIN_MONITORING_KEYS = (
    "during_max_nprs",
    "silbernagel_mode",
    "after_max_nprs",
    "next_morning_tolerance_nprs",
    "regressions_before_review",
)


@cache
def _raw() -> dict[str, Any]:
    return read_toml(data_root() / "return_to_run" / _FILE)


def _cites(ids: Any, where: str) -> tuple[str, ...]:
    if not isinstance(ids, list):
        raise ContentError(f"{where}: citation_ids must be a list", where=where)
    return load_citations().require((str(i) for i in ids), where=where)


def _stage(raw: Mapping[str, Any]) -> WalkRunStage:
    where = f"{_FILE} stage {raw.get('number')}"
    try:
        miles = float(raw["distance_miles"])
        metres = float(raw["distance_m"])
        continuous = bool(raw.get("continuous", False))
        stage = WalkRunStage(
            number=int(raw["number"]),
            rpe=int(raw["rpe"]),
            walk_s=int(raw["walk_s"]),
            run_s=None if continuous else int(raw["run_s"]),
            total_distance_m=metres,
        )
    except (KeyError, ValueError, TypeError, InvalidInput) as exc:
        raise ContentError(f"{where}: {exc}", where=where) from exc
    if not math.isclose(miles * METRES_PER_MILE, metres, abs_tol=0.001):
        raise ContentError(
            f"{where}: distance_m {metres} is not {miles} miles x {METRES_PER_MILE} m",
            where=where,
        )
    return stage


def _criterion(raw: Mapping[str, Any]) -> EntryCriterion:
    where = f"{_FILE} entry criterion {raw.get('id')}"
    try:
        return EntryCriterion(
            id=str(raw["id"]),
            text=str(raw["text"]),
            verified=bool(raw["verified"]),
            citation_ids=_cites(raw["citation_ids"], where),
        )
    except KeyError as exc:
        raise ContentError(f"{where}: missing {exc.args[0]!r}", where=where) from exc


@cache
def load_return_to_run_protocol() -> ReturnToRunProtocol:
    """The walk-run stage table, entry criteria and rules (KB 7.1-7.4)."""
    data = _raw()
    head = data.get("protocol", {})
    try:
        return ReturnToRunProtocol(
            stages=tuple(_stage(s) for s in data.get("stage", [])),
            entry_criteria=tuple(_criterion(c) for c in data.get("entry_criterion", [])),
            citation_ids=_cites(head.get("citation_ids"), f"{_FILE} [protocol]"),
            completions_required=int(head["completions_required"]),
            min_rest_days=int(head["min_rest_days"]),
            layoff_days=int(head["layoff_days"]),
            spike_cap_fraction=float(head["spike_cap_fraction"]),
            spike_citation_ids=_cites(head.get("spike_citation_ids"), f"{_FILE} spike rule"),
            rules=tuple(str(r) for r in head.get("rules", [])),
        )
    except (KeyError, InvalidInput) as exc:
        raise ContentError(f"{_FILE} [protocol]: {exc}") from exc


def load_pain_monitoring_config(
    overrides: Mapping[str, Any] | None = None,
) -> PainMonitoringConfig:
    """The pain-monitoring defaults (KB 5.5, unverified), with optional deployment overrides.

    ``overrides`` may set any of :data:`PAIN_MONITORING_KEYS`; unknown keys are refused.
    """
    raw = dict(_raw().get("pain_monitoring", {}))
    extra = set(overrides or {}) - set(PAIN_MONITORING_KEYS)
    if extra:
        raise InvalidInput(
            f"unknown pain-monitoring setting(s): {', '.join(sorted(extra))}",
            field="pain_monitoring",
            allowed=list(PAIN_MONITORING_KEYS),
            got=sorted(extra),
        )
    raw.update(overrides or {})
    if not isinstance(raw.get("silbernagel_mode"), bool):
        raise InvalidInput(
            "silbernagel_mode must be true or false",
            field="silbernagel_mode",
            allowed=["true", "false"],
            got=raw.get("silbernagel_mode"),
        )
    cites = _cites(raw.get("citation_ids"), f"{_FILE} [pain_monitoring]")
    try:
        return PainMonitoringConfig(
            during_max_nprs=float(raw["during_max_nprs"]),
            silbernagel_mode=raw["silbernagel_mode"],
            after_max_nprs=float(raw["after_max_nprs"]),
            next_morning_tolerance_nprs=float(raw["next_morning_tolerance_nprs"]),
            regressions_before_review=int(raw["regressions_before_review"]),
            citation_ids=cites,
            verified=bool(raw.get("verified", False)),
        )
    except KeyError as exc:
        raise ContentError(f"{_FILE} [pain_monitoring]: missing {exc.args[0]!r}") from exc
