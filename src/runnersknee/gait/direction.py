"""Direction of travel and passes: where the person walks or runs, frame by frame.

The hip midpoint's horizontal velocity (smoothed over ``window_s``) says whether the person
moves left→right or right→left across the image; when it barely moves horizontally the
change of body size says towards or away from the camera, and otherwise the person moves in
place (treadmill), facing the way the feet point (heel→toe). Runs of one direction shorter
than ``min_pass_s`` count as turning. Every signed sagittal angle uses the per-frame
``facing`` (+1 = travelling towards +x, −1 = towards −x, 0 = not a side-on pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.events import leg_length_px, midpoint
from runnersknee.gait.keypoints import SIDES, KeypointSeries, sided
from runnersknee.gait.kinematics import facing_sign, segment_length
from runnersknee.gait.signals import true_runs

__all__ = ["DIRECTIONS", "Pass", "TravelDirection", "detect_direction"]

Array = NDArray[np.float64]

#: Directions of travel, as reported.
DIRECTIONS = (
    "left_to_right",
    "right_to_left",
    "towards_camera",
    "away_from_camera",
    "in_place",
    "turning",
)


@dataclass(frozen=True, slots=True)
class Pass:
    """One stretch of the clip with a single direction of travel."""

    start_s: float
    end_s: float
    direction: str  #: one of :data:`DIRECTIONS`
    facing: float  #: +1 / −1 towards image +x / −x; 0 when not side-on

    @property
    def side_on(self) -> bool:
        """True when a sagittal (side-view) analysis can use this pass."""
        return self.facing != 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "direction": self.direction,
            "facing": self.facing,
        }


@dataclass(frozen=True, slots=True)
class TravelDirection:
    """The passes of a clip and the per-frame facing they imply."""

    passes: tuple[Pass, ...]
    facing: Array  #: per frame: +1, −1 or 0

    @property
    def main(self) -> str:
        """The direction of the longest side-on pass (else of the longest pass), or ``unknown``."""
        if not self.passes:
            return "unknown"
        side_on = [p for p in self.passes if p.side_on] or list(self.passes)
        return max(side_on, key=lambda p: p.end_s - p.start_s).direction

    @property
    def main_facing(self) -> float:
        """Facing of the main direction (+1 when unknown)."""
        found = [p.facing for p in self.passes if p.direction == self.main and p.facing]
        return found[0] if found else 1.0

    def pass_index(self, t_s: float) -> int | None:
        """Index of the pass containing time ``t_s`` (None when in none)."""
        for i, p in enumerate(self.passes):
            if p.start_s <= t_s <= p.end_s:
                return i
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"main": self.main, "passes": [p.to_dict() for p in self.passes]}


def _filled(y: Array) -> Array | None:
    """``y`` with gaps linearly interpolated (None when fewer than 2 finite samples)."""
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return None
    idx = np.arange(y.size)
    return np.asarray(np.interp(idx, idx[ok], y[ok]), dtype=np.float64)


def _frame_labels(kp: KeypointSeries, leg: float, window: int, min_speed: float) -> Array:
    """Per-frame label: +1 / −1 moving along x, +2 towards, −2 away, 0 in place, nan unseen."""
    from scipy.ndimage import uniform_filter1d  # SciPy on use (slow to import)

    hip_x = midpoint(kp, "hip")[:, 0]
    seen = np.isfinite(hip_x)
    x = _filled(hip_x)
    torso = segment_length(midpoint(kp, "hip"), midpoint(kp, "shoulder"))
    size = _filled(np.log(np.where(torso > 0, torso, np.nan)))
    labels = np.full(kp.n_frames, np.nan)
    if x is None:
        return labels
    vx = np.gradient(uniform_filter1d(x, window, mode="nearest")) * kp.fps / leg
    growth = (
        np.gradient(uniform_filter1d(size, window, mode="nearest")) * kp.fps
        if size is not None
        else np.zeros_like(vx)
    )
    labels = np.where(np.abs(vx) >= min_speed, np.sign(vx), 0.0)
    # scale growing by more than 15 % per second with little sideways motion: towards / away
    depth = np.where(growth > 0.15, 2.0, np.where(growth < -0.15, -2.0, 0.0))
    labels = np.where(labels == 0.0, depth, labels)
    return np.where(seen, labels, np.nan)


def detect_direction(
    kp: KeypointSeries,
    *,
    window_s: float = 0.5,
    min_speed_leg_s: float = 0.3,
    min_pass_s: float = 1.0,
) -> TravelDirection:
    """Passes of one direction of travel (see the module docstring)."""
    facing = np.zeros(kp.n_frames)
    leg = leg_length_px(kp)
    if not (np.isfinite(leg) and leg > 0) or kp.n_frames < 2:
        return TravelDirection((), facing)
    window = max(1, round(window_s * kp.fps))
    labels = _frame_labels(kp, leg, window, min_speed_leg_s)
    min_frames = min(round(min_pass_s * kp.fps), kp.n_frames)
    passes: list[Pass] = []
    for value in (1.0, -1.0, 2.0, -2.0, 0.0):
        for start, stop in true_runs(labels == value):
            if stop - start < min_frames:
                continue
            direction, face = _describe(kp, value, start, stop)
            passes.append(Pass(start / kp.fps, (stop - 1) / kp.fps, direction, face))
            facing[start:stop] = face
    passes.sort(key=lambda p: p.start_s)
    return TravelDirection(tuple(_with_turns(passes, kp.fps)), facing)


def _describe(kp: KeypointSeries, value: float, start: int, stop: int) -> tuple[str, float]:
    if value in (1.0, -1.0):
        return ("left_to_right" if value > 0 else "right_to_left"), value
    if value == 2.0:
        return "towards_camera", 0.0
    if value == -2.0:
        return "away_from_camera", 0.0
    heel = np.concatenate([kp.point(sided(s, "heel"))[start:stop] for s in SIDES])
    toe = np.concatenate([kp.point(sided(s, "foot_index"))[start:stop] for s in SIDES])
    return "in_place", facing_sign(heel, toe)


def _with_turns(passes: list[Pass], fps: float) -> list[Pass]:
    """Insert a ``turning`` pass between two side-on passes of opposite facing."""
    out: list[Pass] = []
    for p in passes:
        if out and out[-1].facing * p.facing < 0 and p.start_s - out[-1].end_s > 1.0 / fps:
            out.append(Pass(out[-1].end_s + 1.0 / fps, p.start_s - 1.0 / fps, "turning", 0.0))
        out.append(p)
    return out
