"""Map a :class:`GaitResult` onto assessment field names (plain dicts of floats).

Only metrics that were *reported* (not withheld) appear, so a consumer never overwrites a
manual entry with a missing value.
"""

from __future__ import annotations

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.result import GaitResult

__all__ = ["assessment_fields", "assessment_fields_for_side"]

#: Task → name of the assessment field holding that task's FPPA.
_FPPA_FIELD = {"squat": "fppa_sls_deg", "step-down": "fppa_step_down_deg"}


def _pooled(result: GaitResult, name: str) -> float | None:
    metric = result.metrics.get(name)
    if metric is None or metric.withheld or metric.overall.value is None:
        return None
    return float(metric.overall.value)


def _sided(result: GaitResult, name: str, side: str) -> float | None:
    metric = result.metrics.get(name)
    value = metric.side(side) if metric else None
    if value is None or value.withheld_reason is not None or value.value is None:
        return None
    return float(value.value)


def assessment_fields(result: GaitResult) -> dict[str, float]:
    """Flat ``{field: value}``: ``cadence_spm``, ``fppa_deg_left``/``_right`` (squat or
    step-down), ``pelvic_drop_deg`` (+ ``_left``/``_right``, by stance limb),
    ``overstride_ratio`` (leg lengths), ``knee_flexion_at_contact_deg``, ``trunk_lean_deg``,
    ``fppa_running_deg_left``/``_right``."""
    out: dict[str, float | None] = {
        "cadence_spm": _pooled(result, "cadence_spm"),
        "overstride_ratio": _pooled(result, "overstride_ratio"),
        "knee_flexion_at_contact_deg": _pooled(result, "knee_flexion_at_contact_deg"),
        "trunk_lean_deg": _pooled(result, "trunk_lean_deg"),
        "pelvic_drop_deg": _pooled(result, "pelvic_drop_deg"),
    }
    for side in ("left", "right"):
        out[f"fppa_deg_{side}"] = _sided(result, "fppa_deg", side)
        out[f"pelvic_drop_deg_{side}"] = _sided(result, "pelvic_drop_deg", side)
        out[f"fppa_running_deg_{side}"] = _sided(result, "fppa_stance_deg", side)
    return {k: v for k, v in out.items() if v is not None}


def assessment_fields_for_side(result: GaitResult, side: str) -> dict[str, float]:
    """Fields for one limb, named as ``clinical.assessment.apply_video_metrics`` expects:
    ``cadence_spm``, ``trunk_lean_deg``, ``pelvic_drop_deg``, ``fppa_deg`` (running FPPA),
    ``fppa_sls_deg`` / ``fppa_step_down_deg``, plus ``overstride_ratio`` (leg lengths; not
    converted to a yes/no overstride because no threshold exists in the knowledge base)."""
    if side not in ("left", "right"):
        raise InvalidInput(
            f"side must be left or right (got {side!r})",
            field="side",
            allowed=["left", "right"],
            got=side,
        )
    out: dict[str, float | None] = {
        "cadence_spm": _pooled(result, "cadence_spm"),
        "trunk_lean_deg": _pooled(result, "trunk_lean_deg"),
        "overstride_ratio": _sided(result, "overstride_ratio", side),
        "pelvic_drop_deg": _sided(result, "pelvic_drop_deg", side),
        "fppa_deg": _sided(result, "fppa_stance_deg", side),
    }
    if result.task in _FPPA_FIELD:
        out[_FPPA_FIELD[result.task]] = _sided(result, "fppa_deg", side)
    return {k: v for k, v in out.items() if v is not None}
