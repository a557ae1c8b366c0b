"""Real footage: the Pose2Sim demo videos (BSD-3-Clause) from the ``pose2sim`` wheel on PyPI.

The wheel is fetched once with ``pip download pose2sim --no-deps`` into
~/.cache/runnersknee-test-data (never committed); tests skip, saying why, if that fails.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from runnersknee.config import Settings
from runnersknee.gait.video import probe_video
from runnersknee.services.video.analysis import analyze_video
from tests.integration.real_clips import wheel_member

pytestmark = pytest.mark.video

MEMBER = "Pose2Sim/Demo_SinglePerson/videos/cam01.mp4"


@pytest.fixture(scope="module")
def demo_clip() -> Path:
    return wheel_member("pose2sim", MEMBER)


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def test_full_pipeline_on_real_clip(demo_clip: Path, tmp_path: Path) -> None:
    analysis = analyze_video(
        demo_clip, view="sagittal", task="run", settings=Settings(), out_dir=tmp_path
    )
    result = analysis.result
    assert result.fps == pytest.approx(60.0)
    assert result.frames_with_person >= 0.8 * result.n_frames  # landmarks on most frames
    for side in ("left", "right"):
        knee = analysis_series(analysis, f"knee_flexion_{side}_deg")
        finite = knee[np.isfinite(knee)]
        assert finite.size >= 0.8 * knee.size
        assert finite.min() >= 0.0
        assert finite.max() <= 150.0  # plausible human knee flexion
    doc = analysis.document
    assert doc["provenance"]["video"]["sha256"]
    assert doc["provenance"]["pose"]["backend"] == "mediapipe-tasks-pose-landmarker-full"
    assert len(doc["provenance"]["pose"]["bundle_sha256"]) == 64
    # this clip is not steady running (1.7 s of a walking turn): honest about it
    assert doc["status"] in ("ok", "no_reliable_result")
    if doc["status"] == "no_reliable_result":
        assert doc["reasons"]
    mp4 = tmp_path / "annotated.mp4"
    probe = subprocess.run(
        [_ffmpeg(), "-hide_banner", "-i", str(mp4)], capture_output=True, text=True, check=False
    )
    assert "h264" in probe.stderr
    assert "yuv420p" in probe.stderr


def analysis_series(analysis, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    import csv

    path = analysis.outputs["landmarks_csv"]
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    return np.array([float(r[name]) if r[name] else np.nan for r in rows])


def test_rotated_phone_video_is_read_upright(demo_clip: Path, tmp_path: Path) -> None:
    sideways = tmp_path / "sideways.mp4"
    rotated = tmp_path / "rotated.mp4"
    subprocess.run(
        [
            _ffmpeg(),
            "-loglevel",
            "error",
            "-i",
            str(demo_clip),
            "-frames:v",
            "40",
            "-vf",
            "transpose=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(sideways),
        ],
        check=True,
        timeout=120,
    )
    subprocess.run(
        [
            _ffmpeg(),
            "-loglevel",
            "error",
            "-display_rotation",
            "-90",
            "-i",
            str(sideways),
            "-c",
            "copy",
            str(rotated),
        ],
        check=True,
        timeout=60,
    )
    info = probe_video(rotated, max_seconds=60)
    assert info.rotation_deg in (90, 270)
    assert info.height_px > info.width_px  # upright portrait after applying the metadata
    analysis = analyze_video(
        rotated,
        view="sagittal",
        task="run",
        settings=Settings(),
        out_dir=tmp_path / "out",
        render_video=False,
    )
    assert analysis.result.frames_with_person >= 30
    # upright: hips above knees above ankles (image y grows downwards)
    hip = np.nanmedian(analysis_series(analysis, "left_hip_y_px"))
    knee = np.nanmedian(analysis_series(analysis, "left_knee_y_px"))
    ankle = np.nanmedian(analysis_series(analysis, "left_ankle_y_px"))
    assert hip < knee < ankle
