"""Gait events (initial contact, toe-off) and squat repetitions from filtered landmarks.

* Sagittal view, ``method="forward"``: initial contact (IC) = the heel's most forward
  position relative to the hip midpoint, toe-off (TO) = the toe's most backward position
  (Zeni JA, Richards JG, Higginson JS, Gait Posture 2008;27:710-714 — the "forward
  coordinates" method Pose2Sim's ``trc_gaitevents`` also offers). Works on a treadmill and
  overground because positions are taken relative to the pelvis.
* Frontal/posterior view, ``method="height"``: a foot is in stance while its ankle is within
  ``ground_tolerance`` leg lengths of its lowest (ground) level; IC and TO are the crossings.
* Squat / step-down: a repetition is a descent of the hip midpoint by at least
  ``min_depth`` leg lengths; its peak is the lowest hip position.

Extremum times are refined to sub-frame precision with a parabola through three samples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Self

import numpy as np
from numpy.typing import NDArray

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.keypoints import SIDES, KeypointSeries, Side, sided
from runnersknee.gait.kinematics import facing_sign, segment_length
from runnersknee.gait.signals import true_runs

__all__ = [
    "GaitEventDetection",
    "Repetition",
    "RepetitionDetection",
    "Stance",
    "leg_length_px",
    "midpoint",
    "refine_extremum",
]

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Stance:
    """One stance phase of one foot (times in seconds from the first frame)."""

    side: Side
    ic_s: float
    to_s: float | None

    @property
    def mid_s(self) -> float | None:
        """Mid-stance: halfway between IC and TO (None without TO)."""
        return None if self.to_s is None else (self.ic_s + self.to_s) / 2.0


@dataclass(frozen=True, slots=True)
class Repetition:
    """One squat or step-down repetition."""

    start_s: float
    peak_s: float
    end_s: float
    stance_side: Side
    depth_leg: float  #: hip descent at the peak, in leg lengths


def midpoint(kp: KeypointSeries, part: str) -> Array:
    """Per-frame midpoint of the left and right landmark ``part`` (nan-aware)."""
    both = np.stack([kp.point(sided(s, part)) for s in SIDES])
    count = np.isfinite(both).sum(axis=0)
    total = np.nansum(both, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return np.asarray(out, dtype=np.float64)


def leg_length_px(kp: KeypointSeries) -> float:
    """Leg length in pixels: 90th percentile over frames of the longer thigh + shank.

    In 2D a bent or foreshortened leg looks shorter, so the longer leg in the straighter
    frames is the best estimate of the true length (nan if unknown).
    """
    lengths = np.stack(
        [
            segment_length(kp.point(sided(s, "hip")), kp.point(sided(s, "knee")))
            + segment_length(kp.point(sided(s, "knee")), kp.point(sided(s, "ankle")))
            for s in SIDES
        ]
    )
    finite = np.isfinite(lengths).any(axis=0)
    if not finite.any():
        return float("nan")
    per_frame = np.nanmax(lengths[:, finite], axis=0)
    return float(np.percentile(per_frame, 90))


def refine_extremum(y: Array, i: int) -> tuple[float, float]:
    """Sub-sample (index, value) of an extremum at sample ``i`` via a parabola."""
    if i <= 0 or i >= y.size - 1 or not np.all(np.isfinite(y[i - 1 : i + 2])):
        return float(i), float(y[i])
    a, b, c = y[i - 1], y[i], y[i + 1]
    denom = a - 2 * b + c
    if denom == 0:
        return float(i), float(b)
    delta = 0.5 * (a - c) / denom
    delta = float(np.clip(delta, -0.5, 0.5))
    return i + delta, float(b - 0.25 * (a - c) * delta)


def _peaks(y: Array, prominence: float, distance: int, edge: int) -> list[float]:
    """Sub-frame indices of local maxima of ``y`` (nan stretches break peaks), ignoring the
    first and last ``edge`` samples where filter transients can fake a peak."""
    from scipy.signal import find_peaks  # SciPy on use (slow to import)

    filled = np.where(np.isfinite(y), y, -np.inf)
    idx, _ = find_peaks(filled, prominence=prominence, distance=max(1, distance))
    keep = [int(i) for i in idx if edge <= i < y.size - edge and np.isfinite(y[i])]
    return [refine_extremum(y, i)[0] for i in keep]


class GaitEventDetection:
    """Detect IC and TO per foot.

    Parameters
    ----------
    method
        ``"forward"`` (sagittal; Zeni 2008), ``"height"`` (frontal) or ``"auto"`` (chosen
        from the ``view`` given to :meth:`detect`).
    min_prominence
        Smallest excursion (leg lengths) a peak must stand out by to count as an event.
    min_stride_s
        Smallest time between two events of the same kind on one foot (0.5 s ↔ 240 spm).
    ground_tolerance
        Height method: stance while the ankle is within this many leg lengths of the ground.
    edge_s
        Events closer than this to the start or end of the clip are ignored (filter edges).

    Attributes
    ----------
    stances_
        Stance phases of both feet, sorted by IC time.
    facing_
        +1 if the person faces +x of the image, −1 if −x, 0 if unknown (sagittal only).
    method_
        The method actually used.
    """

    def __init__(
        self,
        method: Literal["auto", "forward", "height"] = "auto",
        min_prominence: float = 0.05,
        min_stride_s: float = 0.5,
        ground_tolerance: float = 0.04,
        edge_s: float = 0.1,
    ) -> None:
        self.method = method
        self.min_prominence = min_prominence
        self.min_stride_s = min_stride_s
        self.ground_tolerance = ground_tolerance
        self.edge_s = edge_s

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (for provenance)."""
        return {
            "method": self.method,
            "min_prominence": self.min_prominence,
            "min_stride_s": self.min_stride_s,
            "ground_tolerance": self.ground_tolerance,
            "edge_s": self.edge_s,
        }

    def detect(self, keypoints: KeypointSeries, *, view: str, facing: Array | None = None) -> Self:
        """Find the stance phases in filtered keypoints; return self.

        ``facing`` (per frame, +1/−1, 0 where not side-on) is the direction of travel; without
        it the feet's heel→toe direction over the whole clip is used.
        """
        method = self.method
        if method == "auto":
            method = "forward" if view == "sagittal" else "height"
        if method not in ("forward", "height"):
            raise InvalidInput(
                "unknown event method", field="method", allowed=["auto", "forward", "height"]
            )
        self.method_ = method
        leg = leg_length_px(keypoints)
        self.facing_ = facing_sign(
            np.concatenate([keypoints.point(sided(s, "heel")) for s in SIDES]),
            np.concatenate([keypoints.point(sided(s, "foot_index")) for s in SIDES]),
        )
        if facing is None:
            facing = np.full(keypoints.n_frames, self.facing_ or 1.0)
        stances: list[Stance] = []
        if np.isfinite(leg) and leg > 0:
            for side in SIDES:
                if method == "forward":
                    stances += self._forward(keypoints, side, leg, facing)
                else:
                    stances += self._height(keypoints, side, leg)
        self.stances_ = sorted(stances, key=lambda s: s.ic_s)
        return self

    def _forward(self, kp: KeypointSeries, side: Side, leg: float, facing: Array) -> list[Stance]:
        hip_x = midpoint(kp, "hip")[:, 0]
        heel = (kp.point(sided(side, "heel"))[:, 0] - hip_x) * facing / leg
        toe = (kp.point(sided(side, "foot_index"))[:, 0] - hip_x) * facing / leg
        distance = round(self.min_stride_s * kp.fps)
        edge = max(2, round(self.edge_s * kp.fps))
        ics = _peaks(heel, self.min_prominence, distance, edge)
        tos = _peaks(-toe, self.min_prominence, distance, edge)
        out: list[Stance] = []
        for k, ic in enumerate(ics):
            nxt = ics[k + 1] if k + 1 < len(ics) else np.inf
            after = [t for t in tos if ic < t < nxt]
            # the toe's most backward position before the next contact (a brief wobble of the
            # toe landmark, e.g. when the legs cross, can make a shallower first minimum)
            deepest = min(
                after, key=lambda t: np.nan_to_num(toe[round(t)], nan=np.inf), default=None
            )
            to = None if deepest is None else deepest / kp.fps
            out.append(Stance(side=side, ic_s=ic / kp.fps, to_s=to))
        return out

    def _height(self, kp: KeypointSeries, side: Side, leg: float) -> list[Stance]:
        y = kp.point(sided(side, "ankle"))[:, 1] / leg  # image y: larger = lower
        finite = y[np.isfinite(y)]
        if finite.size < 3:
            return []
        ground = float(np.percentile(finite, 95))
        level = y - (ground - self.ground_tolerance)  # >= 0 while in stance
        out: list[Stance] = []
        min_frames = max(2, round(0.05 * kp.fps))
        for start, stop in true_runs(np.nan_to_num(level, nan=-1.0) >= 0):
            if stop - start < min_frames or start == 0 or stop >= y.size:
                continue  # ignore stances cut by the clip edges
            ic = _crossing(level, start - 1, start)
            to = _crossing(level, stop - 1, stop)
            out.append(Stance(side=side, ic_s=ic / kp.fps, to_s=to / kp.fps))
        return out


def _crossing(level: Array, i: int, j: int) -> float:
    """Sub-frame index where ``level`` crosses zero between samples i and j."""
    a, b = level[i], level[j]
    if not (np.isfinite(a) and np.isfinite(b)) or a == b:
        return float(j)
    return float(i + (0 - a) / (b - a) * (j - i))


class RepetitionDetection:
    """Find squat / step-down repetitions from the hip-midpoint descent.

    Parameters
    ----------
    min_depth
        Smallest hip descent (leg lengths) that counts as a repetition.
    min_interval_s
        Smallest time between two repetition peaks.

    Attributes
    ----------
    repetitions_
        The repetitions found, in time order.
    """

    def __init__(self, min_depth: float = 0.05, min_interval_s: float = 0.8) -> None:
        self.min_depth = min_depth
        self.min_interval_s = min_interval_s

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (for provenance)."""
        return {"min_depth": self.min_depth, "min_interval_s": self.min_interval_s}

    def detect(self, keypoints: KeypointSeries) -> Self:
        """Find the repetitions; return self."""
        leg = leg_length_px(keypoints)
        self.repetitions_: list[Repetition] = []
        if not (np.isfinite(leg) and leg > 0):
            return self
        hip_y = midpoint(keypoints, "hip")[:, 1]
        finite = hip_y[np.isfinite(hip_y)]
        if finite.size < 3:
            return self
        standing = float(np.percentile(finite, 5))
        depth = (hip_y - standing) / leg
        filled = np.where(np.isfinite(depth), depth, -np.inf)
        distance = max(1, round(self.min_interval_s * keypoints.fps))
        from scipy.signal import find_peaks

        idx, props = find_peaks(
            filled, prominence=self.min_depth, distance=distance, height=self.min_depth
        )
        for i, left, right in zip(idx, props["left_bases"], props["right_bases"], strict=True):
            peak_i, peak_depth = refine_extremum(depth, int(i))
            side = _stance_side(keypoints, int(left), int(right))
            self.repetitions_.append(
                Repetition(
                    start_s=left / keypoints.fps,
                    peak_s=peak_i / keypoints.fps,
                    end_s=right / keypoints.fps,
                    stance_side=side,
                    depth_leg=peak_depth,
                )
            )
        return self


def _stance_side(kp: KeypointSeries, start: int, stop: int) -> Side:
    """The standing leg: the ankle that moves least vertically during the repetition."""
    ranges: dict[Side, float] = {}
    for side in SIDES:
        y = kp.point(sided(side, "ankle"))[start : stop + 1, 1]
        y = y[np.isfinite(y)]
        ranges[side] = float(np.ptp(y)) if y.size else np.inf
    return "left" if ranges["left"] <= ranges["right"] else "right"
