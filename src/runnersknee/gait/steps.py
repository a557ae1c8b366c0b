"""Step screening and robust per-step statistics.

Each detected stance is kept or rejected with a reason (body at the frame edge, limb poorly
visible, not a side-on pass, implausible stance time, a contact too soon after the previous
one). Per-step metric values are then screened once more (outside the metric's plausible
range, or an outlier by the modified z-score of Iglewicz & Hoaglin) and summarised by the
median and a robust spread (1.4826 × MAD, which equals the SD for normal data).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np

from runnersknee.content.gait import StepLimits
from runnersknee.gait.direction import TravelDirection
from runnersknee.gait.events import Stance
from runnersknee.gait.keypoints import KeypointSeries, Side, sided

__all__ = [
    "StepCheck",
    "StepScreening",
    "StepValue",
    "person_height_fraction",
    "reason_counts",
    "robust_centre_spread",
    "screen_values",
]

#: Rejection reasons (stable strings, counted in results).
EDGE = "body at the frame edge"
POOR_VISIBILITY = "limb poorly visible"
NOT_SIDE_ON = "not a side-on pass (turning or walking towards/away from the camera)"
SHORT_STANCE = "stance time too short"
LONG_STANCE = "stance time too long"
TOO_SOON = "contact too soon after the previous one"
STEP_TIME = "step time implausible"
IMPLAUSIBLE = "value outside the plausible range"
OUTLIER = "disagrees with the other steps"
NO_VALUE = "no value (landmarks missing)"

_LIMB = ("hip", "knee", "ankle", "heel", "foot_index")


@dataclass(frozen=True, slots=True)
class StepCheck:
    """A detected stance and whether it is kept (``reason`` None) or rejected."""

    stance: Stance
    reason: str | None
    pass_index: int | None

    @property
    def kept(self) -> bool:
        """True when the step passed every check."""
        return self.reason is None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        s = self.stance
        return {
            "side": s.side,
            "ic_s": round(s.ic_s, 4),
            "to_s": None if s.to_s is None else round(s.to_s, 4),
            "pass": self.pass_index,
            "kept": self.kept,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class StepValue:
    """One per-step value of a metric, kept (``reason`` None) or rejected with a reason."""

    t_s: float
    side: Side | None
    value: float
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        v = self.value
        return {
            "t_s": round(self.t_s, 4),
            "side": self.side,
            "value": round(v, 3) if np.isfinite(v) else None,
            "kept": self.reason is None,
            "reason": self.reason,
        }


def person_height_fraction(kp: KeypointSeries, min_visibility: float = 0.5) -> float:
    """Median over frames of the visible landmarks' vertical extent / image height (nan if
    the image height is unknown or nobody was seen)."""
    if kp.height_px <= 0:
        return float("nan")
    y = np.where(kp.visibility >= min_visibility, kp.xy_px[:, :, 1], np.nan)
    seen = np.isfinite(y).sum(axis=1) >= 8
    if not seen.any():
        return float("nan")
    extent = np.nanmax(y[seen], axis=1) - np.nanmin(y[seen], axis=1)
    return float(np.median(extent) / kp.height_px)


class StepScreening:
    """Keep or reject each stance (see the module docstring).

    Parameters
    ----------
    limits
        Plausibility limits from content.
    min_visibility
        Mean raw visibility the stance limb's landmarks need at contact.

    Attributes
    ----------
    steps_
        One :class:`StepCheck` per stance, in time order (kept, or rejected with a reason).
    """

    def __init__(self, limits: StepLimits, min_visibility: float) -> None:
        self.limits = limits
        self.min_visibility = min_visibility

    def screen(
        self,
        raw: KeypointSeries,
        stances: Sequence[Stance],
        *,
        task: str,
        view: str,
        direction: TravelDirection,
    ) -> Self:
        """Keep or reject each stance (:attr:`steps_`); return self."""
        stance_lo, stance_hi = self.limits.stance_s.get(task, (0.0, np.inf))
        step_lo, _ = self.limits.step_s.get(task, (0.0, np.inf))
        ordered = sorted(stances, key=lambda s: s.ic_s)
        out: list[StepCheck] = []
        last: dict[str, float] = {}
        for st in ordered:
            i = min(max(round(st.ic_s * raw.fps), 0), raw.n_frames - 1)
            reason: str | None = None
            if self._at_edge(raw, i):
                reason = EDGE
            elif np.mean([raw.vis(sided(st.side, p))[i] for p in _LIMB]) < self.min_visibility:
                reason = POOR_VISIBILITY
            elif view == "sagittal" and direction.facing[i] == 0.0:
                reason = NOT_SIDE_ON
            elif st.to_s is not None and st.to_s - st.ic_s < stance_lo:
                reason = SHORT_STANCE
            elif st.to_s is not None and st.to_s - st.ic_s > stance_hi:
                reason = LONG_STANCE
            elif (last and st.ic_s - max(last.values()) < step_lo) or (
                st.side in last and st.ic_s - last[st.side] < 2 * step_lo
            ):
                reason = TOO_SOON
            if reason is None:  # a rejected (spurious) contact must not reject the next
                last[st.side] = st.ic_s
            out.append(StepCheck(st, reason, direction.pass_index(st.ic_s)))
        self.steps_ = out
        return self

    def _at_edge(self, raw: KeypointSeries, i: int) -> bool:
        """True when a landmark of the person lies within the edge margin of the image."""
        if raw.width_px <= 0 or raw.height_px <= 0:
            return False
        pts = raw.xy_px[i][raw.visibility[i] >= 0.3]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if pts.shape[0] == 0:
            return True
        mx, my = self.limits.edge_margin * raw.width_px, self.limits.edge_margin * raw.height_px
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        return bool(
            lo[0] <= mx or lo[1] <= my or hi[0] >= raw.width_px - mx or hi[1] >= raw.height_px - my
        )


def robust_centre_spread(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Median and 1.4826 × median absolute deviation (None, None when empty)."""
    if not values:
        return None, None
    arr = np.asarray(values, dtype=np.float64)
    med = float(np.median(arr))
    spread = float(1.4826 * np.median(np.abs(arr - med))) if arr.size > 1 else None
    return med, spread


def screen_values(
    values: Sequence[StepValue],
    plausible: tuple[float, float],
    outlier_z: float,
    tolerance: float = 0.0,
) -> list[StepValue]:
    """Reject missing values, values outside ``plausible`` and outliers (modified z-score
    0.6745 × |x − median| / MAD above ``outlier_z`` *and* farther than ``tolerance`` from
    the median, so tiny differences between near-identical steps never count); earlier
    rejections are kept."""
    lo, hi = plausible
    out: list[StepValue] = []
    for v in values:
        reason = v.reason
        if reason is None and not np.isfinite(v.value):
            reason = NO_VALUE
        elif reason is None and not lo <= v.value <= hi:
            reason = IMPLAUSIBLE
        out.append(replace(v, reason=reason))
    kept = np.array([v.value for v in out if v.reason is None])
    if kept.size >= 3:
        med = float(np.median(kept))
        mad = float(np.median(np.abs(kept - med)))
        if mad > 0:
            out = [
                replace(v, reason=OUTLIER)
                if v.reason is None
                and 0.6745 * abs(v.value - med) / mad > outlier_z
                and abs(v.value - med) > tolerance
                else v
                for v in out
            ]
    return out


def reason_counts(values: Sequence[StepValue]) -> dict[str, int]:
    """Rejection reason → how many values it rejected."""
    return dict(Counter(v.reason for v in values if v.reason is not None))
