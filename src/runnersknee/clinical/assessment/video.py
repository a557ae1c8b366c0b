"""Video-derived gait metrics copied into an assessment (docs/video.md)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from runnersknee.clinical.assessment.record import Assessment, LimbSide
from runnersknee.clinical.errors import InvalidInput

__all__ = ["apply_video_metrics"]


_SIDE_KEYS = {
    "fppa_deg": "fppa_running_deg",
    "fppa_running_deg": "fppa_running_deg",
    "pelvic_drop_deg": "pelvic_drop_deg",
}
_MOVEMENT_KEYS = ("fppa_sls_deg", "fppa_step_down_deg", "fppa_landing_deg")
_RUNNING_FLOAT_KEYS = ("cadence_spm", "overstride_cm", "trunk_lean_deg")


def apply_video_metrics(
    assessment: Assessment, metrics: Mapping[str, float], side: LimbSide | str
) -> Assessment:
    """Copy video-derived metrics into a new assessment (unknown keys are ignored).

    Keys: ``cadence_spm``, ``overstride_cm``, ``trunk_lean_deg`` (whole body);
    ``fppa_deg`` (running FPPA), ``pelvic_drop_deg`` and ``fppa_sls_deg`` /
    ``fppa_step_down_deg`` / ``fppa_landing_deg`` (for ``side``); ``overstride`` (1 = yes,
    0 = no). Range checks apply exactly as for manual entry.
    """
    try:
        limb = LimbSide(side)
    except ValueError as exc:
        raise InvalidInput(
            f"side must be left or right (got {side!r})",
            field="side",
            allowed=[s.value for s in LimbSide],
            got=side,
        ) from exc
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InvalidInput(
                f"video metric {key} must be a number", field=key, allowed="number", got=value
            )
    running_changes: dict[str, Any] = {
        k: float(metrics[k]) for k in _RUNNING_FLOAT_KEYS if k in metrics
    }
    if "overstride" in metrics:
        running_changes["overstride"] = bool(metrics["overstride"] >= 0.5)
    side_changes: dict[str, Any] = {
        name: float(metrics[k]) for k, name in _SIDE_KEYS.items() if k in metrics
    }
    movement_changes: dict[str, Any] = {
        k: float(metrics[k]) for k in _MOVEMENT_KEYS if k in metrics
    }
    measures = assessment.side(limb)
    if movement_changes:
        side_changes["movement"] = dataclasses.replace(measures.movement, **movement_changes)
    new_side = dataclasses.replace(measures, **side_changes) if side_changes else measures
    sides: dict[str, Any] = {limb.value: new_side}
    return dataclasses.replace(
        assessment,
        running=dataclasses.replace(assessment.running, **running_changes),
        **sides,
    )
