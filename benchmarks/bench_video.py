"""Benchmark: whole video pipeline vs raw pose inference on the same frames, in one run.

Prints frames/s of (a) raw MediaPipe inference on pre-decoded, pre-resized frames and (b) the
whole analysis (decode + rotate + resize + pose + signals + events + metrics), their ratio
(target >= 0.9), the rendering time of the annotated MP4, and the real-time factor at 640 px.

Usage: .venv/bin/python benchmarks/bench_video.py [VIDEO]  (default: the Pose2Sim demo clip
cached by the tests under ~/.cache/runnersknee-test-data).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from runnersknee.config import Settings
from runnersknee.gait.pose import MediaPipePoseEstimator
from runnersknee.gait.video import iter_frames, probe_video
from runnersknee.services.video import analyze_video

DEFAULT = (
    Path.home()
    / ".cache/runnersknee-test-data/pose2sim/Pose2Sim/Demo_SinglePerson/videos/cam01.mp4"
)
WIDTH_PX = 640


def raw_inference_fps(path: Path) -> tuple[float, int]:
    """Frames/s of the estimator alone on frames decoded and resized beforehand."""
    import cv2

    info = probe_video(path, max_seconds=3600)
    frames = []
    for frame in iter_frames(info):
        h, w = frame.shape[:2]
        scale = min(1.0, WIDTH_PX / w)
        small = cv2.resize(frame, (round(w * scale), round(h * scale)))
        frames.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
    estimator = MediaPipePoseEstimator()
    estimator.estimate(frames[0])  # load the graph outside the timing
    estimator.close()
    estimator = MediaPipePoseEstimator()
    estimator.estimate(frames[0])
    t0 = time.perf_counter()
    for rgb in frames:
        estimator.estimate(rgb)
    elapsed = time.perf_counter() - t0
    estimator.close()
    return len(frames) / elapsed, len(frames)


def looped(path: Path, times: int, folder: Path) -> Path:
    """The clip repeated ``times`` times (stream copy), so fixed start-up costs amortise."""
    import subprocess

    import imageio_ffmpeg

    out = folder / f"looped_{path.name}"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-y",
            "-stream_loop",
            str(times - 1),
            "-i",
            str(path),
            "-c",
            "copy",
            str(out),
        ],
        check=True,
    )
    return out


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not source.is_file():
        sys.exit(f"video not found: {source} (run the video tests once to cache the demo clip)")
    loops = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    with tempfile.TemporaryDirectory() as work:
        path = looped(source, loops, Path(work)) if loops > 1 else source
        run(path)


def run(path: Path) -> None:
    """Measure and print the figures for one clip."""
    info = probe_video(path, max_seconds=3600)
    raw_fps, n = raw_inference_fps(path)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        analysis = analyze_video(
            path, view="sagittal", task="run", settings=Settings(), render_video=False
        )
        whole = time.perf_counter() - t0
        t0 = time.perf_counter()
        analyze_video(path, view="sagittal", task="run", settings=Settings(), out_dir=Path(tmp))
        with_outputs = time.perf_counter() - t0
    frames = analysis.result.n_frames
    pipeline_fps = frames / whole
    print(f"video: {path.name} {info.width_px}x{info.height_px} @ {info.fps:g} fps, {n} frames")
    print(f"raw pose inference ({WIDTH_PX} px):        {raw_fps:6.1f} frames/s")
    print(f"whole analysis pipeline (no outputs):  {pipeline_fps:6.1f} frames/s")
    print(f"pipeline / raw inference:              {pipeline_fps / raw_fps:6.2f}  (target >= 0.9)")
    print(f"with CSV, plots and annotated MP4:     {frames / with_outputs:6.1f} frames/s")
    rtf, rtf_all = whole / info.duration_s, with_outputs / info.duration_s
    print(f"real-time factor at {WIDTH_PX} px (analysis): {rtf:6.2f} x clip length")
    print(f"real-time factor with all outputs:     {rtf_all:6.2f} x clip length")
    print(f"timings: {analysis.timings_s}")


if __name__ == "__main__":
    main()
