"""BlazePose through MediaPipe's maintained Tasks API (``PoseLandmarker``), the default backend.

VIDEO mode follows one person from frame to frame; :class:`PoseImageLandmarker` (IMAGE mode,
several people) serves the person search. Both load the offline ``.task`` bundle of
:mod:`runnersknee.gait.pose_bundle` (built at set-up), whose SHA-256 goes into provenance.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from runnersknee.gait.pose import Frame, Landmarks, import_mediapipe, landmarks_in_pixels
from runnersknee.gait.pose_bundle import build_pose_bundle, pose_bundle_path, sha256_of

__all__ = ["MediaPipeTasksPoseEstimator", "PoseImageLandmarker"]

_BUNDLE_LOCK = threading.Lock()


def _landmarker(bundle: Path | None, *, video: bool, num_poses: int, **thresholds: float) -> Any:
    """(mediapipe module, a PoseLandmarker on ``bundle``, the bundle's path); a missing
    bundle is built from the cached model wheel (never downloaded here)."""
    mp = import_mediapipe()
    from mediapipe.tasks import python as mp_tasks
    from mediapipe.tasks.python import vision

    path = bundle or pose_bundle_path()
    with _BUNDLE_LOCK:  # the pose pass and the person search start at the same time
        if not path.is_file():
            build_pose_bundle(path)
    mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
    options = vision.PoseLandmarkerOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=str(path)),
        running_mode=mode,
        num_poses=num_poses,
        **thresholds,
    )
    return mp, vision.PoseLandmarker.create_from_options(options), path


class MediaPipeTasksPoseEstimator:
    """BlazePose (full) via ``mediapipe.tasks.vision.PoseLandmarker`` in VIDEO mode.

    Parameters
    ----------
    fps
        Frame rate of the video (timestamps given to the tracker).
    bundle
        The ``.task`` file (default: :func:`pose_bundle_path`).
    min_detection_confidence, min_tracking_confidence
        MediaPipe's thresholds (its defaults, 0.5).
    """

    name = "mediapipe-tasks-pose-landmarker-full"

    def __init__(
        self,
        fps: float = 30.0,
        bundle: Path | None = None,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        self.fps = fps
        self.bundle = bundle
        self.min_detection_confidence = min_detection_confidence
        self.min_tracking_confidence = min_tracking_confidence
        self._landmarker: Any = None
        self._frame = 0
        self._version = "unknown"

    def _ensure(self) -> Any:
        if self._landmarker is None:
            self._mp, self._landmarker, self.bundle = _landmarker(
                self.bundle,
                video=True,
                num_poses=1,
                min_pose_detection_confidence=self.min_detection_confidence,
                min_tracking_confidence=self.min_tracking_confidence,
            )
            self._version = str(getattr(self._mp, "__version__", "unknown"))
        return self._landmarker

    def estimate(self, image_rgb: Frame) -> Landmarks | None:
        """Landmarks of the person in ``image_rgb`` (pixels); frames are taken as consecutive."""
        landmarker = self._ensure()
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb)
        )
        timestamp_ms = round(self._frame * 1000.0 / self.fps)
        self._frame += 1
        result = landmarker.detect_for_video(image, timestamp_ms)
        if not result.pose_landmarks:
            return None
        h, w = image_rgb.shape[:2]
        return landmarks_in_pixels(result.pose_landmarks[0], w, h)

    def info(self) -> dict[str, Any]:
        """Backend name, versions, bundle hash and parameters."""
        self._ensure()
        path = self.bundle or pose_bundle_path()
        return {
            "backend": self.name,
            "mediapipe": self._version,
            "bundle": path.name,
            "bundle_sha256": sha256_of(path),
            "min_detection_confidence": self.min_detection_confidence,
            "min_tracking_confidence": self.min_tracking_confidence,
        }

    def close(self) -> None:
        """Release the landmarker; used again, the estimator starts afresh (timestamps too)."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None
        self._frame = 0


class PoseImageLandmarker:
    """Up to ``max_people`` people's landmarks in single images (IMAGE mode, one landmarker
    reused across calls: creating it costs far more than one image). Close it when done."""

    def __init__(self, max_people: int = 4, bundle: Path | None = None) -> None:
        self.max_people = max_people
        self.bundle = bundle
        self._landmarker: Any = None

    def people(self, image_rgb: Frame) -> list[Landmarks]:
        """Each person's (xy px, visibility) found in ``image_rgb``."""
        if self._landmarker is None:
            self._mp, self._landmarker, self.bundle = _landmarker(
                self.bundle, video=False, num_poses=self.max_people
            )
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb)
        )
        result = self._landmarker.detect(image)
        h, w = image_rgb.shape[:2]
        return [landmarks_in_pixels(points, w, h) for points in result.pose_landmarks]

    def close(self) -> None:
        """Release the landmarker."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None
