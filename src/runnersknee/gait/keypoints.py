"""Landmark names, left/right pairs and the :class:`KeypointSeries` container.

Coordinates are image pixels with the origin at the top-left corner, x to the right and
**y downwards** (the image convention). Angle functions in :mod:`runnersknee.gait.kinematics`
take care of the flipped y axis. A missing landmark is ``nan`` in both coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "LANDMARKS",
    "LEFT_RIGHT_PAIRS",
    "SIDES",
    "KeypointSeries",
    "Side",
    "index_of",
    "sided",
]

Side = Literal["left", "right"]
#: The two body sides, in the order used everywhere (left first).
SIDES: tuple[Side, Side] = ("left", "right")

#: The 33 BlazePose landmarks, in MediaPipe's index order (snake_case).
LANDMARKS: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)

_INDEX = {name: i for i, name in enumerate(LANDMARKS)}


def _pairs() -> tuple[tuple[str, str], ...]:
    lefts = [n for n in LANDMARKS if n.startswith("left_")]
    return tuple((n, "right_" + n.removeprefix("left_")) for n in lefts)


#: (left, right) landmark name pairs, e.g. ("left_knee", "right_knee").
LEFT_RIGHT_PAIRS: tuple[tuple[str, str], ...] = _pairs()


def index_of(name: str) -> int:
    """Index of a landmark name; InvalidInput naming the allowed names otherwise."""
    try:
        return _INDEX[name]
    except KeyError:
        raise InvalidInput(
            f"unknown landmark {name!r}", field="landmark", allowed=LANDMARKS, got=name
        ) from None


def sided(side: Side, part: str) -> str:
    """``sided("left", "knee") == "left_knee"``."""
    return f"{side}_{part}"


@dataclass(frozen=True, slots=True, eq=False)
class KeypointSeries:
    """Landmarks of one person over time.

    Attributes
    ----------
    xy_px : (n_frames, 33, 2) float array, pixels (x right, y down); nan where missing.
    visibility : (n_frames, 33) float array in [0, 1] (1 = surely visible).
    fps : frames per second of the source.
    width_px, height_px : size of the source image (0 when unknown).
    source : free text naming where the keypoints came from (for provenance).
    """

    xy_px: NDArray[np.float64]
    visibility: NDArray[np.float64]
    fps: float
    width_px: int = 0
    height_px: int = 0
    source: str = ""
    names: tuple[str, ...] = field(default=LANDMARKS)

    def __post_init__(self) -> None:
        xy, vis = self.xy_px, self.visibility
        if xy.ndim != 3 or xy.shape[1:] != (len(self.names), 2):
            raise InvalidInput(
                f"keypoints must have shape (frames, {len(self.names)}, 2), got {xy.shape}",
                field="xy_px",
            )
        if vis.shape != xy.shape[:2]:
            raise InvalidInput(
                f"visibility must have shape {xy.shape[:2]}, got {vis.shape}", field="visibility"
            )
        if not np.isfinite(self.fps) or not 1.0 <= self.fps <= 1000.0:
            raise InvalidInput(
                f"fps must be between 1 and 1000 (got {self.fps})",
                field="fps",
                allowed="1..1000",
                got=self.fps,
            )

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.xy_px.shape[0])

    @property
    def times_s(self) -> NDArray[np.float64]:
        """Time of each frame in seconds (frame index / fps)."""
        return np.arange(self.n_frames, dtype=np.float64) / self.fps

    def point(self, name: str) -> NDArray[np.float64]:
        """(n_frames, 2) coordinates of one landmark."""
        return self.xy_px[:, index_of(name), :]

    def vis(self, name: str) -> NDArray[np.float64]:
        """(n_frames,) visibility of one landmark."""
        return self.visibility[:, index_of(name)]

    def replace(
        self,
        *,
        xy_px: NDArray[np.float64] | None = None,
        visibility: NDArray[np.float64] | None = None,
    ) -> KeypointSeries:
        """A copy with new coordinates and/or visibility (same metadata)."""
        return KeypointSeries(
            xy_px=self.xy_px if xy_px is None else xy_px,
            visibility=self.visibility if visibility is None else visibility,
            fps=self.fps,
            width_px=self.width_px,
            height_px=self.height_px,
            source=self.source,
            names=self.names,
        )
