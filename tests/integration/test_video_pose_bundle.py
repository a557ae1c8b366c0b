"""The Tasks-API pose bundle is assembled reproducibly from the models in the cached
mediapipe 0.10.14 wheel, and the Tasks estimator runs on it."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait import pose_bundle
from runnersknee.gait.pose_bundle import build_pose_bundle
from runnersknee.gait.pose_tasks import MediaPipeTasksPoseEstimator

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


def test_bundle_models_and_their_input_metadata(tmp_path: Path) -> None:
    from mediapipe.tasks.metadata import metadata_schema_py_generated as meta_fb
    from mediapipe.tasks.metadata import schema_py_generated as tflite_fb

    with zipfile.ZipFile(build_pose_bundle(tmp_path / "p.task")) as bundle:
        detector = bundle.read("pose_detector.tflite")
        landmarks = bundle.read("pose_landmarks_detector.tflite")
    # the detector is the wheel's file unchanged (it ships its own -1..1 input metadata)
    assert hashlib.sha256(detector).hexdigest() == pose_bundle._MODELS["pose_detector.tflite"][1]
    model = tflite_fb.Model.GetRootAsModel(landmarks, 0)
    entries = {model.Metadata(i).Name(): model.Metadata(i) for i in range(model.MetadataLength())}
    raw = model.Buffers(entries[b"TFLITE_METADATA"].Buffer()).DataAsNumpy().tobytes()
    meta = meta_fb.ModelMetadataT.InitFromObj(meta_fb.ModelMetadata.GetRootAsModelMetadata(raw, 0))
    image = meta.subgraphMetadata[0].inputTensorMetadata[0]
    norm = image.processUnits[0].options
    assert (list(norm.mean), list(norm.std)) == ([0.0], [255.0])
    assert len(meta.subgraphMetadata[0].outputTensorMetadata) == model.Subgraphs(0).OutputsLength()


def test_without_the_cached_model_wheel_nothing_is_downloaded(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        build_pose_bundle(tmp_path / "p.task", cache=tmp_path / "empty")
    assert "python -m runnersknee.gait.pose_bundle" in refused.value.message
    assert not (tmp_path / "empty").exists()


def test_legacy_backend_runs_on_mediapipe_0_10_and_refuses_clearly_on_1_x() -> None:
    from runnersknee.gait.pose import import_mediapipe, new_estimator

    estimator = new_estimator("legacy")
    try:
        if hasattr(import_mediapipe(), "solutions"):
            assert estimator.estimate(np.zeros((240, 320, 3), dtype=np.uint8)) is None
        else:
            with pytest.raises(InvalidInput) as refused:
                estimator.estimate(np.zeros((240, 320, 3), dtype=np.uint8))
            assert "use the tasks backend" in refused.value.message
    finally:
        estimator.close()
    with pytest.raises(InvalidInput):
        new_estimator("openpose")
