"""The video CLI on keypoint files and on bad video input (no real footage needed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from runnersknee.cli import build_app
from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings
from runnersknee.gait import synthetic
from runnersknee.gait.keypoint_io import write_keypoints_csv, write_keypoints_json
from runnersknee.services.video.analysis import analyze_video

RUNNERSKNEE = Path(sys.executable).with_name("runnersknee")


@pytest.fixture
def running_csv(tmp_path: Path) -> Path:
    kp, _ = synthetic.running_sagittal(cadence_spm=168.0)
    path = tmp_path / "run.csv"
    write_keypoints_csv(kp, path)
    return path


def test_analyze_keypoints_json_is_clean_and_stable(running_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        build_app(),
        [
            "video",
            "analyze-keypoints",
            str(running_csv),
            "--view",
            "sagittal",
            "--out",
            str(out),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "runnersknee.gait.result/2"
    cadence = doc["metrics"]["cadence_spm"]
    assert cadence["value"] == pytest.approx(168.0, abs=1.0)
    assert cadence["unit"] == "steps/min"
    assert {"sd", "n", "error", "confidence", "withheld_reason"} <= set(cadence)
    assert doc["assessment_fields"]["cadence_spm"] == pytest.approx(168.0, abs=1.0)
    assert (out / "result.json").is_file()
    assert (out / "landmarks.csv").read_text().startswith("frame,time_s,nose_x_px")
    assert (out / "angles.svg").read_text().lstrip().startswith("<?xml")
    assert doc["provenance"]["keypoint_file"]["sha256"]


def test_analyze_keypoints_text_table(tmp_path: Path) -> None:
    kp, _ = synthetic.single_leg_squat(fppa_deg=15.0)
    path = tmp_path / "squat.json"
    write_keypoints_json(kp, path)
    result = CliRunner().invoke(
        build_app(),
        ["video", "analyze-keypoints", str(path), "--view", "frontal", "--task", "squat"],
    )
    assert result.exit_code == 0, result.output
    assert "fppa_deg" in result.stdout
    assert "SEM 2.72-3.01" in result.stdout


def test_bad_options_exit_2_through_main(running_csv: Path) -> None:
    proc = subprocess.run(
        [str(RUNNERSKNEE), "video", "analyze-keypoints", str(running_csv), "--view", "diagonal"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "diagonal" in proc.stderr
    assert "sagittal" in proc.stderr  # the choices are listed
    assert "Traceback" not in proc.stderr
    proc = subprocess.run(
        [
            str(RUNNERSKNEE),
            "video",
            "analyze-keypoints",
            str(running_csv),
            "--view",
            "sagittal",
            "--task",
            "squat",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "frontal view" in proc.stderr


def test_not_a_video_exits_2(tmp_path: Path) -> None:
    fake = tmp_path / "clip.mp4"
    fake.write_text("this is not a video\n" * 50)
    proc = subprocess.run(
        [str(RUNNERSKNEE), "video", "analyze", str(fake), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "not a video" in proc.stderr
    assert proc.stdout == ""


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match="empty"):
        analyze_video(empty, view="sagittal", task="run", settings=Settings())


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def test_four_hour_video_refused_before_decoding(tmp_path: Path) -> None:
    long_clip = tmp_path / "long.mp4"
    subprocess.run(
        [
            _ffmpeg(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=32x32:r=1",
            "-t",
            "14400",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(long_clip),
        ],
        check=True,
        timeout=120,
    )
    with pytest.raises(InvalidInput, match="lasts 14400 s"):
        analyze_video(long_clip, view="sagittal", task="run", settings=Settings())


def test_bad_roi_and_person(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="roi"):
        analyze_video(
            tmp_path / "x.mp4", view="sagittal", task="run", settings=Settings(), roi="1,2"
        )
    with pytest.raises(InvalidInput, match="person"):
        analyze_video(
            tmp_path / "x.mp4", view="sagittal", task="run", settings=Settings(), person=0
        )


@pytest.mark.video
def test_video_without_person_gives_no_reliable_result(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "empty_room.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (320, 240))
    rng = np.random.default_rng(0)
    for i in range(45):
        frame = np.full((240, 320, 3), 90, np.uint8)
        cv2.rectangle(frame, (20 + i, 60), (120 + i, 160), (30, 160, 200), -1)
        frame = cv2.add(frame, rng.integers(0, 12, frame.shape, dtype=np.uint8))
        writer.write(frame)
    writer.release()
    analysis = analyze_video(
        path, view="sagittal", task="run", settings=Settings(), out_dir=tmp_path / "o"
    )
    doc = analysis.document
    assert doc["status"] == "no_reliable_result"
    assert "no person was detected in the video" in doc["reasons"]
    assert all(m["value"] is None for m in doc["metrics"].values())
    assert (tmp_path / "o" / "annotated.mp4").stat().st_size > 0
