"""BlazePose through MediaPipe's maintained Tasks API (``PoseLandmarker``, VIDEO mode).

No pose ``.task`` file ships in the mediapipe wheels, so one is assembled reproducibly from
the BlazePose detector and full landmark models that *do* ship in the mediapipe 0.10.x wheel
(``modules/pose_detection/pose_detection.tflite``,
``modules/pose_landmark/pose_landmark_full.tflite``): MediaPipe's own metadata writer adds
the image-input normalisation the Tasks runtime needs (mean 0, std 255) and its
model-asset-bundle zip writer (aligned, uncompressed; member dates fixed so the bytes are
reproducible) writes the bundle (``pose_detector.tflite`` + ``pose_landmarks_detector.tflite``).
The bundle is built at set-up (``make setup`` / ``make pose-model``, or on first use) into
``~/.cache/runnersknee/models``; its SHA-256 is recorded in provenance.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.pose import Frame, Landmarks, import_mediapipe

__all__ = ["BUNDLE_NAME", "MediaPipeTasksPoseEstimator", "build_pose_bundle", "pose_bundle_path"]

BUNDLE_NAME = "pose_landmarker_full.task"
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_MODELS = {
    "pose_detector.tflite": "modules/pose_detection/pose_detection.tflite",
    "pose_landmarks_detector.tflite": "modules/pose_landmark/pose_landmark_full.tflite",
}


def pose_bundle_path() -> Path:
    """Where the bundle lives (``RUNNERSKNEE_MODEL_DIR`` or ~/.cache/runnersknee/models)."""
    base = os.environ.get("RUNNERSKNEE_MODEL_DIR") or Path.home() / ".cache/runnersknee/models"
    return Path(base) / BUNDLE_NAME


def build_pose_bundle(dest: Path | None = None) -> Path:
    """Assemble the ``.task`` bundle from the models in the installed mediapipe wheel.

    Deterministic: the same wheel gives the same bytes. InvalidInput when the installed
    mediapipe does not ship the models (then install mediapipe 0.10.14 to build it).
    """
    dest = dest or pose_bundle_path()
    mp = import_mediapipe()
    from mediapipe.tasks.python.metadata.metadata_writers import (
        metadata_writer,
        model_asset_bundle_utils,
    )

    root = Path(mp.__file__).parent
    models: dict[str, bytes] = {}
    for name, member in _MODELS.items():
        source = root / member
        if not source.is_file():
            raise InvalidInput(
                f"mediapipe {getattr(mp, '__version__', '?')} does not ship {member}; "
                "build the pose bundle with mediapipe 0.10.14 installed",
                field="pose_backend",
            )
        with warnings.catch_warnings():  # the writer leaves a temporary file to the GC
            warnings.simplefilter("ignore", ResourceWarning)
            writer = metadata_writer.MetadataWriter.create(bytearray(source.read_bytes()))
            writer.add_general_info(name, "BlazePose (full) from the mediapipe wheel")
            writer.add_image_input(norm_mean=[0.0], norm_std=[255.0])
            models[name], _ = writer.populate()
            del writer
            gc.collect()
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".partial")
    # MediaPipe's aligned, uncompressed zip writer; fixed member dates keep it reproducible
    with model_asset_bundle_utils.AlignZipFile(
        partial, mode="w", alignment=model_asset_bundle_utils._ALIGNMENT
    ) as bundle:
        for name in sorted(models):
            bundle.writestr(zipfile.ZipInfo(name, date_time=_FIXED_DATE), models[name])
    partial.replace(dest)
    return dest


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class MediaPipeTasksPoseEstimator:
    """BlazePose (full) via ``mediapipe.tasks.vision.PoseLandmarker`` in VIDEO mode.

    Parameters
    ----------
    fps
        Frame rate of the video (timestamps given to the tracker).
    bundle
        The ``.task`` file (default: :func:`pose_bundle_path`, built on first use).
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
            mp = import_mediapipe()
            from mediapipe.tasks import python as mp_tasks
            from mediapipe.tasks.python import vision

            self._version = str(getattr(mp, "__version__", "unknown"))
            path = self.bundle or pose_bundle_path()
            if not path.is_file():
                build_pose_bundle(path)
            self.bundle = path
            options = vision.PoseLandmarkerOptions(
                base_options=mp_tasks.BaseOptions(model_asset_path=str(path)),
                running_mode=vision.RunningMode.VIDEO,
                num_poses=1,
                min_pose_detection_confidence=self.min_detection_confidence,
                min_tracking_confidence=self.min_tracking_confidence,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
            self._mp = mp
        return self._landmarker

    def estimate(self, image_rgb: Frame) -> Landmarks | None:
        """Landmarks of the person in ``image_rgb`` (pixels); frames are taken as consecutive."""
        landmarker = self._ensure()
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(image_rgb)
        )
        timestamp_ms = round(self._frame * 1000.0 / self.fps)
        self._frame += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = landmarker.detect_for_video(image, timestamp_ms)
        if not result.pose_landmarks:
            return None
        h, w = image_rgb.shape[:2]
        values = np.array(
            [(lm.x, lm.y, lm.visibility) for lm in result.pose_landmarks[0]], dtype=np.float64
        )
        xy = values[:, :2] * np.array([w, h], dtype=np.float64)
        return xy, np.clip(values[:, 2], 0.0, 1.0)

    def info(self) -> dict[str, Any]:
        """Backend name, versions, bundle hash and parameters."""
        self._ensure()
        path = self.bundle or pose_bundle_path()
        return {
            "backend": self.name,
            "mediapipe": self._version,
            "bundle": path.name,
            "bundle_sha256": _sha256(path),
            "min_detection_confidence": self.min_detection_confidence,
            "min_tracking_confidence": self.min_tracking_confidence,
        }

    def close(self) -> None:
        """Release the landmarker."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None


if __name__ == "__main__":  # ``python -m runnersknee.gait.pose_tasks`` (make setup)
    built = build_pose_bundle()
    sys.stdout.write(f"{built} sha256={_sha256(built)}\n")
