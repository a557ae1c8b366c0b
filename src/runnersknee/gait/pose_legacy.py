"""BlazePose through MediaPipe 0.10's legacy ``solutions.pose`` API (fallback backend).

``mediapipe==0.10.14`` ships ``pose_landmark_full.tflite`` and ``pose_detection.tflite`` in
its wheel, so ``solutions.pose.Pose(model_complexity=1)`` runs offline. MediaPipe 1.x (the
version the ``video`` extra installs) has no ``solutions`` package: there this backend says
so and the Tasks backend (:mod:`runnersknee.gait.pose_tasks`) is the one to use.
"""

from __future__ import annotations

import warnings
from typing import Any

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.pose import Frame, Landmarks, import_mediapipe, landmarks_in_pixels

__all__ = ["MediaPipePoseEstimator"]


class MediaPipePoseEstimator:
    """BlazePose (full model) via MediaPipe's legacy ``solutions.pose`` API.

    Parameters
    ----------
    model_complexity
        Only 1 works offline with mediapipe 0.10.14 (the "full" model in the wheel).
    min_detection_confidence, min_tracking_confidence
        MediaPipe's own thresholds (its defaults, 0.5).
    """

    name = "mediapipe-blazepose-full"

    def __init__(
        self,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if model_complexity != 1:
            raise InvalidInput(
                "only model_complexity=1 is available offline",
                field="model_complexity",
                allowed=["1"],
                got=model_complexity,
            )
        self.model_complexity = model_complexity
        self.min_detection_confidence = min_detection_confidence
        self.min_tracking_confidence = min_tracking_confidence
        self._pose: Any = None
        self._version = "unknown"

    def _ensure(self) -> Any:
        if self._pose is None:
            mp = import_mediapipe()
            self._version = str(getattr(mp, "__version__", "unknown"))
            if not hasattr(mp, "solutions"):
                raise InvalidInput(
                    f"the legacy pose backend needs mediapipe 0.10 (solutions.pose); this "
                    f"server has mediapipe {self._version}: use the tasks backend",
                    field="pose_backend",
                    allowed=["tasks"],
                    got="legacy",
                )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._pose = mp.solutions.pose.Pose(
                    static_image_mode=False,
                    model_complexity=self.model_complexity,
                    min_detection_confidence=self.min_detection_confidence,
                    min_tracking_confidence=self.min_tracking_confidence,
                )
        return self._pose

    def estimate(self, image_rgb: Frame) -> Landmarks | None:
        """Landmarks of the most prominent person in ``image_rgb`` (pixels)."""
        pose = self._ensure()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = pose.process(image_rgb)
        if result.pose_landmarks is None:
            return None
        h, w = image_rgb.shape[:2]
        return landmarks_in_pixels(result.pose_landmarks.landmark, w, h)

    def info(self) -> dict[str, Any]:
        """Backend name, version and parameters."""
        self._ensure()
        return {
            "backend": self.name,
            "mediapipe": self._version,
            "model_complexity": self.model_complexity,
            "min_detection_confidence": self.min_detection_confidence,
            "min_tracking_confidence": self.min_tracking_confidence,
        }

    def close(self) -> None:
        """Release the MediaPipe graph."""
        if self._pose is not None:
            self._pose.close()
            self._pose = None
