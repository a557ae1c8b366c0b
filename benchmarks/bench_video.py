"""Benchmark: whole video pipeline vs raw pose inference on the same frames, in one run.

Both sides process exactly the same frames (decoded once, cropped/resized/converted with the
pipeline's own :func:`prepare_frame`) with their own MediaPipe estimator, and both estimators
are started the same way *before* their timing: created, then run once on the first frame.
That one-time start-up (graph load and first inference) is printed separately for each, so
the steady-state ratio compares per-frame work only:

* raw inference: ``estimator.estimate`` on frames already decoded and resized in memory;
* whole pipeline: ``analyze_video`` (probe, decode, rotate, crop/resize, pose, signals,
  events, metrics, SHA-256, result document), no output files, with the warmed estimator.
  Its per-video fixed costs (probe, hashing, analysis) stay inside its time.

The "cold" line repeats the pipeline with a fresh estimator (start-up included) and compares
it with raw inference plus the raw estimator's own start-up. Landmarks from both sides are
compared to show that they processed the same frames. Finally the pipeline with every output
(CSV, plots, annotated MP4) is timed, and real-time factors are printed.

Usage: .venv/bin/python benchmarks/bench_video.py [VIDEO] [LOOPS] [BACKEND]  (BACKEND: tasks,
the default MediaPipe Tasks PoseLandmarker, or legacy; default video: the Pose2Sim
demo clip cached by the tests under ~/.cache/runnersknee-test-data, LOOPS=6: the 1.7 s clip
played 6 times is 10 s, the shortest recording the filming guide asks for; LOOPS > 1 plays
the clip that many times in a row, stream-copied).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from runnersknee.config import Settings
from runnersknee.gait import pose
from runnersknee.gait.video import VideoInfo, file_sha256, iter_frames, probe_video
from runnersknee.services.video.analysis import analyze_video

DEFAULT = (
    Path.home()
    / ".cache/runnersknee-test-data/pose2sim/Pose2Sim/Demo_SinglePerson/videos/cam01.mp4"
)
WIDTH_PX = 640  # PoseTracking's default processing width


class Recording:
    """An estimator wrapper that keeps each frame's landmarks (to compare the two sides)."""

    def __init__(self, inner: pose.PoseEstimator) -> None:
        self.inner = inner
        self.name = inner.name
        self.found: list[Any] = []

    def estimate(self, image_rgb: Any) -> Any:
        found = self.inner.estimate(image_rgb)
        self.found.append(found)
        return found

    def info(self) -> dict[str, Any]:
        return self.inner.info()

    def close(self) -> None:
        self.inner.close()


#: 6 x the 1.7 s demo clip = 10 s, the shortest clip the filming guide asks for (10-20 s).
DEFAULT_LOOPS = 6


def cpu_s() -> float:
    """CPU seconds used by this process so far (all threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


BACKEND = "tasks"
FPS = 30.0


def new_estimator() -> pose.PoseEstimator:
    """A fresh estimator of the benchmarked backend."""
    return pose.new_estimator(BACKEND, FPS)


def warmed(first_rgb: Any) -> tuple[pose.PoseEstimator, float]:
    """A new estimator run once on ``first_rgb``; the seconds that took (its start-up)."""
    t0 = time.perf_counter()
    estimator = new_estimator()
    estimator.estimate(first_rgb)
    return estimator, time.perf_counter() - t0


def prepared_frames(info: VideoInfo) -> list[Any]:
    """Every frame as the pipeline feeds it to the estimator (no ROI, 640 px)."""
    return [pose.prepare_frame(frame, None, WIDTH_PX)[0] for frame in iter_frames(info)]


def raw_inference(frames: list[Any]) -> tuple[float, float, float, list[Any]]:
    """(start-up s, inference s, CPU s, landmarks) of the estimator alone on in-memory frames."""
    estimator, startup = warmed(frames[0])
    t0, c0 = time.perf_counter(), cpu_s()
    found = [estimator.estimate(rgb) for rgb in frames]
    elapsed, cpu = time.perf_counter() - t0, cpu_s() - c0
    estimator.close()
    return startup, elapsed, cpu, found


def pipeline(
    path: Path, first_rgb: Any, *, warm: bool, out_dir: Path | None = None
) -> tuple[float, float, float, Recording, Any]:
    """(estimator start-up s, analyze_video s, CPU s, recording estimator, analysis)."""
    if warm:
        inner, startup = warmed(first_rgb)
    else:
        inner, startup = new_estimator(), 0.0
    recording = Recording(inner)
    t0, c0 = time.perf_counter(), cpu_s()
    analysis = analyze_video(
        path,
        view="sagittal",
        task="run",
        settings=Settings(),
        estimator=recording,
        out_dir=out_dir,
        render_video=out_dir is not None,
    )
    elapsed, cpu = time.perf_counter() - t0, cpu_s() - c0
    recording.close()
    return startup, elapsed, cpu, recording, analysis


def max_landmark_difference(a: list[Any], b: list[Any]) -> float:
    """Largest landmark difference in pixels (inf if one side found a person the other did not)."""
    worst = 0.0
    for x, y in zip(a, b, strict=True):
        if (x is None) != (y is None):
            return float("inf")
        if x is not None:
            worst = max(worst, float(np.abs(x[0] - y[0]).max()))
    return worst


def looped(path: Path, times: int, folder: Path) -> Path:
    """The clip repeated ``times`` times (stream copy)."""
    import imageio_ffmpeg

    out = folder / f"looped_{path.name}"
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y"]
    command += ["-stream_loop", str(times - 1), "-i", str(path), "-c", "copy", str(out)]
    subprocess.run(command, check=True)
    return out


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not source.is_file():
        sys.exit(f"video not found: {source} (run the video tests once to cache the demo clip)")
    loops = int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_LOOPS
    global BACKEND  # noqa: PLW0603 - one setting for the whole run
    BACKEND = sys.argv[3] if len(sys.argv) > 3 else BACKEND
    with tempfile.TemporaryDirectory() as work:
        path = looped(source, loops, Path(work)) if loops > 1 else source
        run(path)


def run(path: Path) -> None:
    """Measure and print the figures for one clip."""
    load = os.getloadavg()
    t0 = time.perf_counter()
    pose.import_mediapipe()
    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    info = probe_video(path, max_seconds=3600)
    probe_s = time.perf_counter() - t0
    global FPS  # noqa: PLW0603 - timestamps of the Tasks estimator
    FPS = info.fps
    t0 = time.perf_counter()
    file_sha256(path)
    sha_s = time.perf_counter() - t0
    frames = prepared_frames(info)
    n = len(frames)

    raw_start, raw_s, raw_cpu, raw_found = raw_inference(frames)
    pipe_start, pipe_s, pipe_cpu, recording, analysis = pipeline(path, frames[0], warm=True)
    _, cold_s, _, _, _ = pipeline(path, frames[0], warm=False)
    with tempfile.TemporaryDirectory() as tmp:
        _, all_s, _, _, _ = pipeline(path, frames[0], warm=True, out_dir=Path(tmp))
    timings = analysis.timings_s

    raw_fps, pipe_fps = n / raw_s, n / pipe_s
    raw_cold_fps, pipe_cold_fps = n / (raw_start + raw_s), n / cold_s
    same = max_landmark_difference(raw_found, recording.found)
    print(f"video: {path.name} {info.width_px}x{info.height_px} @ {info.fps:g} fps, {n} frames")
    print(f"pose backend: {BACKEND}")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}  cpus: {os.cpu_count()}")
    print("one-time start-up (not in the steady-state figures):")
    print(f"  import mediapipe (once per process):   {import_s:6.3f} s")
    print(f"  raw estimator: new + first frame:      {raw_start:6.3f} s")
    print(f"  pipeline estimator: new + first frame: {pipe_start:6.3f} s")
    print("per-video fixed costs inside the pipeline time:")
    print(f"  probe {probe_s:.3f} s, SHA-256 {sha_s:.3f} s, analysis {timings['analysis_s']:.3f} s")
    print("steady state (both estimators warmed, same frames):")
    print(f"  raw pose inference ({WIDTH_PX} px):   {raw_fps:6.1f} frames/s  ({raw_s:.3f} s)")
    print(f"  whole analysis pipeline:          {pipe_fps:6.1f} frames/s  ({pipe_s:.3f} s)")
    print(f"    of which inside the estimator:  {timings['pose_inference_s']:.3f} s")
    print(f"  pipeline / raw inference:         {pipe_fps / raw_fps:6.2f}  (target >= 0.9)")
    print(f"  CPU per frame (all threads): raw {raw_cpu / n * 1000:.1f} ms, ", end="")
    print(f"pipeline {pipe_cpu / n * 1000:.1f} ms (decoding and resizing run beside inference)")
    print(f"  landmarks identical on both sides: max difference {same:.3g} px")
    print("cold (each side's estimator start-up included):")
    print(f"  raw: {raw_cold_fps:.1f} frames/s  pipeline: {pipe_cold_fps:.1f} frames/s  ", end="")
    print(f"ratio {pipe_cold_fps / raw_cold_fps:.2f}")
    print(f"with CSV, plots and annotated MP4 (warm): {n / all_s:6.1f} frames/s")
    print(f"real-time factor at {WIDTH_PX} px: analysis {pipe_s / info.duration_s:.2f}", end="")
    print(f", cold {cold_s / info.duration_s:.2f}, all outputs {all_s / info.duration_s:.2f}")
    print("  (x clip length; < 1 is faster than real time)")


if __name__ == "__main__":
    main()
