"""The Tasks-API pose bundle is assembled reproducibly from the models in the mediapipe wheel."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from runnersknee.gait.pose_tasks import MediaPipeTasksPoseEstimator, build_pose_bundle

pytestmark = pytest.mark.video


def test_bundle_is_deterministic_and_holds_both_models(tmp_path: Path) -> None:
    first = build_pose_bundle(tmp_path / "a" / "pose.task")
    second = build_pose_bundle(tmp_path / "b" / "pose.task")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, second)]
    assert digest[0] == digest[1]
    with zipfile.ZipFile(first) as bundle:
        infos = {i.filename: i for i in bundle.infolist()}
    assert set(infos) == {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos.values())


def test_tasks_estimator_finds_nobody_in_a_blank_frame_and_reports_its_bundle(
    tmp_path: Path,
) -> None:
    estimator = MediaPipeTasksPoseEstimator(fps=30.0, bundle=build_pose_bundle(tmp_path / "p.task"))
    try:
        assert estimator.estimate(np.zeros((240, 320, 3), dtype=np.uint8)) is None
        info = estimator.info()
    finally:
        estimator.close()
    assert info["backend"] == "mediapipe-tasks-pose-landmarker-full"
    assert len(info["bundle_sha256"]) == 64
