"""Per-step values → one :class:`MetricValue` per side and pooled, with honest confidence.

Values are screened (:func:`runnersknee.gait.steps.screen_values`), summarised by the median
and a robust spread, and withheld with a reason when the view check fails, too few steps
remain, the landmarks are poorly visible or the confidence score is too low.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from runnersknee.content.gait import GaitContent, MetricSpec
from runnersknee.gait.keypoints import Side
from runnersknee.gait.result import Confidence, Metric, MetricValue
from runnersknee.gait.steps import StepValue, reason_counts, robust_centre_spread, screen_values

__all__ = ["MetricContext", "build_metric"]


@dataclass(frozen=True, slots=True)
class MetricContext:
    """What every metric of one analysis shares."""

    content: GaitContent
    view_ok: bool
    view_reason: str
    person_size: float  #: confidence factor for the person's size in the frame (0-1)


def _rejections(values: Sequence[StepValue]) -> str:
    counts = reason_counts(values)
    if not counts:
        return ""
    parts = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
    return f" ({len(values) - sum(counts.values())} kept of {len(values)}; rejected: {parts})"


def _summarise(
    values: Sequence[StepValue],
    vis: Sequence[float],
    *,
    spec: MetricSpec,
    need: int,
    what: str,
    ctx: MetricContext,
    label: Callable[[float], str] | None,
) -> MetricValue:
    limits = ctx.content.steps
    tolerance = spec.spread_tolerance if math.isfinite(spec.spread_tolerance) else 0.0
    screened = screen_values(values, spec.plausible, limits.outlier_z, tolerance)
    kept = [v.value for v in screened if v.reason is None]
    kept_vis = [w for v, w in zip(screened, vis, strict=True) if v.reason is None]
    visibility = float(np.mean(kept_vis)) if kept_vis else 0.0
    median, spread = robust_centre_spread(kept)
    agreement = 1.0
    if spread is not None and tolerance > 0:
        agreement = 1.0 / (1.0 + (spread / tolerance) ** 2)
    conf = Confidence(
        visibility,
        len(kept),
        need,
        ctx.view_ok,
        target_n=math.ceil(limits.target_factor * need),
        agreement=agreement,
        person_size=ctx.person_size,
    )
    reason = None
    if not ctx.view_ok:
        reason = ctx.view_reason
    elif len(kept) < need:
        reason = f"only {len(kept)} valid {what}; at least {need} needed" + _rejections(screened)
    elif visibility < ctx.content.confidence.min_visibility:
        reason = (
            f"landmarks poorly visible (mean visibility {visibility:.2f} < "
            f"{ctx.content.confidence.min_visibility})"
        )
    elif conf.score < limits.min_confidence:
        reason = (
            f"confidence {conf.score:.2f} below {limits.min_confidence} "
            f"(robust spread {spread or 0.0:.3g} {spec.unit}, {len(kept)} {what}, "
            f"person size factor {ctx.person_size:.2f})"
        )
    return MetricValue(
        value=median,
        spread=spread,
        steps=tuple(screened),
        confidence=conf,
        withheld_reason=reason,
        label=label(median) if (label and median is not None) else None,
    )


def build_metric(
    spec: MetricSpec,
    per_side: Mapping[Side, tuple[list[StepValue], list[float]]],
    what: str,
    ctx: MetricContext,
    *,
    sided_metric: bool = True,
    min_n: int | None = None,
    label: Callable[[float], str] | None = None,
) -> Metric:
    """One metric: per side (when ``sided_metric``) and pooled over the sides not withheld."""
    need = spec.min_count if min_n is None else min_n
    sides: dict[Side, MetricValue] = {}
    if sided_metric:
        for side, (vals, vis) in per_side.items():
            sides[side] = _summarise(
                vals,
                vis,
                spec=spec,
                need=need,
                what=f"{what} on the {side} side",
                ctx=ctx,
                label=label,
            )
    pooled: list[StepValue] = []
    pooled_vis: list[float] = []
    for side, (vals, vis) in per_side.items():
        if sided_metric and sides[side].withheld_reason is not None:
            continue
        pooled += vals
        pooled_vis += vis
    order = sorted(range(len(pooled)), key=lambda k: pooled[k].t_s)
    overall = _summarise(
        [pooled[k] for k in order],
        [pooled_vis[k] for k in order],
        spec=spec,
        need=need,
        what=what,
        ctx=ctx,
        label=label,
    )
    if sided_metric and overall.withheld_reason and all(v.withheld_reason for v in sides.values()):
        reasons = sorted({str(v.withheld_reason) for v in sides.values()})
        overall = replace(overall, withheld_reason="; ".join(reasons))
    return Metric(
        name=spec.name,
        unit=spec.unit,
        description=spec.description,
        convention=spec.convention,
        citation_ids=spec.citation_ids,
        bands=spec.bands,
        overall=overall,
        left=sides.get("left"),
        right=sides.get("right"),
        reference=spec.reference,
    )
