"""The pose-estimator interface shared by the backends, and the frame preparation they use.

Backends: :mod:`runnersknee.gait.pose_tasks` (MediaPipe Tasks ``PoseLandmarker``, the
default) and :mod:`runnersknee.gait.pose_legacy` (MediaPipe 0.10's ``solutions.pose``, a
fallback where that older release is installed). :func:`new_estimator` picks one by name.
``cv2`` and ``mediapipe`` are imported lazily; MediaPipe logs to stderr only, so stdout stays
clean for JSON output.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterable
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "DEFAULT_POSE_BACKEND",
    "POSE_BACKENDS",
    "Box",
    "Frame",
    "Landmarks",
    "PoseEstimator",
    "expand_box",
    "import_mediapipe",
    "landmarks_in_pixels",
    "new_estimator",
    "prepare_frame",
]

Frame = NDArray[Any]
Box = tuple[int, int, int, int]  # x, y, w, h in pixels
Landmarks = tuple[NDArray[np.float64], NDArray[np.float64]]  # (33, 2) px, (33,) visibility

#: Pose backends by name: MediaPipe Tasks PoseLandmarker, or the legacy solutions.pose.
POSE_BACKENDS = ("tasks", "legacy")
DEFAULT_POSE_BACKEND = "tasks"


class PoseEstimator(Protocol):
    """One person's 33 BlazePose-ordered landmarks from one RGB image."""

    name: str

    def estimate(self, image_rgb: Frame) -> Landmarks | None:
        """(xy in the image's pixels, visibility) or None when no person is found."""

    def info(self) -> dict[str, Any]:
        """Backend name, version and parameters (for provenance)."""

    def close(self) -> None:
        """Release native resources. An estimator used again after ``close`` starts afresh,
        as a new one would (no tracking state from the frames before)."""


def new_estimator(backend: str = DEFAULT_POSE_BACKEND, fps: float = 30.0) -> PoseEstimator:
    """A fresh estimator of ``backend`` ("tasks" or "legacy") for a video at ``fps``."""
    if backend == "tasks":
        from runnersknee.gait.pose_tasks import MediaPipeTasksPoseEstimator

        return MediaPipeTasksPoseEstimator(fps=fps)
    if backend == "legacy":
        from runnersknee.gait.pose_legacy import MediaPipePoseEstimator

        return MediaPipePoseEstimator()
    raise InvalidInput(
        f"unknown pose backend {backend!r}",
        field="pose_backend",
        allowed=POSE_BACKENDS,
        got=backend,
    )


#: The pose pass and the person search may import MediaPipe from two threads at once; the
#: warnings filter changed during the import is process-wide, so one import at a time.
_IMPORT_LOCK = threading.Lock()


def import_mediapipe() -> Any:
    """``mediapipe``, imported with its native logging turned down to errors (thread-safe)."""
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _IMPORT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mediapipe as mp
        from absl import logging as absl_logging

    absl_logging.set_verbosity(absl_logging.ERROR)
    return mp


def landmarks_in_pixels(points: Iterable[Any], width: int, height: int) -> Landmarks:
    """(xy px, visibility in 0..1) from MediaPipe's normalised landmarks (one pass over the
    landmark objects: attribute access is the slow part)."""
    values = np.array([(p.x, p.y, p.visibility) for p in points], dtype=np.float64)
    xy = values[:, :2] * np.array([width, height], dtype=np.float64)
    return xy, np.clip(values[:, 2], 0.0, 1.0)


def expand_box(box: Box, frame_w: int, frame_h: int, margin: float) -> Box:
    """``box`` grown by ``margin`` × its size on each side, clipped to the frame."""
    x, y, w, h = box
    cx, cy = x + w / 2, y + h / 2
    side_w, side_h = w * (1 + 2 * margin), h * (1 + 2 * margin)
    x0 = int(max(0, cx - side_w / 2))
    y0 = int(max(0, cy - side_h / 2))
    x1 = int(min(frame_w, cx + side_w / 2))
    y1 = int(min(frame_h, cy + side_h / 2))
    return x0, y0, max(16, x1 - x0), max(16, y1 - y0)


def prepare_frame(
    frame_bgr: Frame, crop: Box | None, processing_width_px: int
) -> tuple[Frame, float, int, int]:
    """The estimator's input for one frame: the crop, downscaled to at most
    ``processing_width_px`` wide (OpenCV bilinear), as contiguous RGB in a new array (it
    shares no memory with ``frame_bgr``).

    Returns ``(rgb, scale, x0, y0)``: a landmark at ``p`` in ``rgb`` lies at
    ``p / scale + (x0, y0)`` in the frame.
    """
    import cv2

    x0, y0 = (crop[0], crop[1]) if crop else (0, 0)
    part = frame_bgr if crop is None else frame_bgr[y0 : y0 + crop[3], x0 : x0 + crop[2]]
    ph, pw = part.shape[:2]
    scale = min(1.0, processing_width_px / pw)
    if scale >= 1.0:
        return cv2.cvtColor(part, cv2.COLOR_BGR2RGB), scale, x0, y0
    small = cv2.resize(part, (round(pw * scale), round(ph * scale)))
    # converted in place: one new image per frame, not two (same pixels)
    return cv2.cvtColor(small, cv2.COLOR_BGR2RGB, dst=small), scale, x0, y0
