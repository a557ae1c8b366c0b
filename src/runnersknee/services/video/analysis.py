"""Video movement analysis use case: run the pipeline and write its outputs.

Called by the CLI (``runnersknee video analyze``) and, later, by the web job runner. The
outputs written to ``out_dir`` are: ``result.json`` (the document returned), ``landmarks.csv``
(per-frame landmarks and angles), ``annotated.mp4`` (H.264) and ``angles.svg``/``angles.png``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from runnersknee.clinical.errors import InvalidInput
from runnersknee.config import Settings
from runnersknee.content.gait import GaitContent
from runnersknee.gait.handoff import assessment_fields, assessment_fields_for_side
from runnersknee.gait.keypoint_io import KeypointFileSource, write_keypoints_csv
from runnersknee.gait.pipeline import GaitAnalysis, check_view_and_task, preload_analysis_modules
from runnersknee.gait.pose import (
    DEFAULT_POSE_BACKEND,
    POSE_BACKENDS,
    Box,
    PoseEstimator,
    import_mediapipe,
    new_estimator,
)
from runnersknee.gait.pose_tracking import PoseTracking
from runnersknee.gait.result import GaitResult
from runnersknee.gait.steps import StepValue
from runnersknee.gait.video import VideoInfo, file_sha256, parse_roi, probe_video
from runnersknee.store.mapping import JSONObject, JSONValue

if TYPE_CHECKING:
    from runnersknee.gait.video_annotate import RenderFrames

__all__ = [
    "DEFAULT_POSE_BACKEND",
    "POSE_BACKENDS",
    "Progress",
    "VideoAnalysis",
    "analyze_keypoint_file",
    "analyze_video",
    "assessment_fields",
    "assessment_fields_for_side",
]

#: Progress callback: (stage, frames just done, total frames of the stage).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class VideoAnalysis:
    """A finished analysis: the result, its JSON document and the files written."""

    result: GaitResult
    document: JSONObject
    outputs: dict[str, Path] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)


def _out_dir(out_dir: Path | None) -> Path | None:
    if out_dir is None:
        return None
    if out_dir.exists() and not out_dir.is_dir():
        raise InvalidInput(
            f"--out {out_dir} is a file, not a folder", field="out", got=str(out_dir)
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def _stage(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    progress(stage, 0, total)
    return lambda n: progress(stage, n, total)


def _strip_metric(analysis: GaitAnalysis) -> tuple[str, Sequence[StepValue]] | None:
    """The metric whose per-step values the annotated video's strip chart shows."""
    metrics = analysis.result_.metrics
    name = "cadence_spm" if "cadence_spm" in metrics else "fppa_deg"
    if name not in metrics:
        return None
    return f"{name} ({metrics[name].unit})", metrics[name].overall.steps


def _write_tables_and_plots(analysis: GaitAnalysis, out: Path) -> tuple[dict[str, Path], float]:
    """landmarks.csv and angles.svg/png; the seconds that took."""
    from runnersknee.gait.plots import plot_angles

    t0 = time.perf_counter()
    csv_path = out / "landmarks.csv"
    write_keypoints_csv(analysis.filtered_, csv_path, analysis.series_)
    svg, png = plot_angles(
        analysis.series_,
        fps=analysis.filtered_.fps,
        task=analysis.task,
        view=analysis.view,
        stances=analysis.stances_,
        repetitions=analysis.repetitions_,
        out_stem=out / "angles",
    )
    outputs = {"landmarks_csv": csv_path, "plot_svg": svg, "plot_png": png}
    return outputs, time.perf_counter() - t0


def _write_outputs(
    analysis: GaitAnalysis,
    out: Path,
    video: VideoInfo | None,
    progress: Progress | None,
    kept: RenderFrames | None = None,
) -> tuple[dict[str, Path], dict[str, float]]:
    """All output files. The CSV and plots (mostly Python) are written on a second thread
    while the annotated video is rendered (mostly OpenCV and ffmpeg, which release the GIL)."""
    from runnersknee.gait.video_annotate import render_annotated

    timings: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="outputs") as pool:
        tables = pool.submit(_write_tables_and_plots, analysis, out)
        rendered: dict[str, Path] = {}
        if video is not None:
            t0 = time.perf_counter()
            rendered["annotated_mp4"] = render_annotated(
                video,
                analysis.filtered_,
                analysis.series_,
                out / "annotated.mp4",
                steps=analysis.steps_,
                repetitions=analysis.repetitions_,
                direction=analysis.direction_.main if analysis.steps_ else "",
                strip_metric=_strip_metric(analysis),
                progress=_stage(progress, "render", analysis.filtered_.n_frames),
                kept=kept,
            )
            timings["render_s"] = time.perf_counter() - t0
        outputs, timings["outputs_s"] = tables.result()
    return {**outputs, **rendered}, timings


def _finish(
    analysis: GaitAnalysis,
    provenance: Mapping[str, JSONValue],
    *,
    out: Path | None,
    video: VideoInfo | None,
    progress: Progress | None,
    timings: dict[str, float],
    kept: RenderFrames | None = None,
) -> VideoAnalysis:
    result = analysis.result_
    result.provenance.update(provenance)
    result.provenance["analysed_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    outputs: dict[str, Path] = {}
    if out is not None:
        outputs, more = _write_outputs(analysis, out, video, progress, kept)
        timings.update(more)
    document = result.to_dict()
    document["assessment_fields"] = assessment_fields(result)
    document["outputs"] = {k: v.name for k, v in outputs.items()}
    document["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    if out is not None:
        path = out / "result.json"
        path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        outputs["result_json"] = path
    return VideoAnalysis(result=result, document=document, outputs=outputs, timings_s=timings)


def _check_video_inputs(
    view: str, task: str, pose_backend: str, roi: str | Box | None, person: int | None
) -> Box | None:
    """InvalidInput for a bad view, task, backend, ROI or person number; the ROI as a box."""
    check_view_and_task(view, task)
    if pose_backend not in POSE_BACKENDS:
        raise InvalidInput(
            f"unknown pose backend {pose_backend!r}",
            field="pose_backend",
            allowed=POSE_BACKENDS,
            got=pose_backend,
        )
    box = parse_roi(roi) if isinstance(roi, str | None) else roi
    if person is not None and person < 1:
        raise InvalidInput("person must be 1 or more", field="person", allowed=">= 1", got=person)
    return box


def _pose_stage(
    info: VideoInfo,
    estimator: PoseEstimator | None,
    pose_backend: str,
    place: tuple[Box | None, int | None],
    *,
    progress: Progress | None,
    kept: RenderFrames | None,
) -> tuple[PoseTracking, dict[str, float]]:
    """Pose on every frame (``place``: the ROI and the person number), with ``estimator`` or
    else a new ``pose_backend`` estimator closed after; the tracking and its timings."""
    t0 = time.perf_counter()
    own = new_estimator(pose_backend, info.fps) if estimator is None else None
    try:
        tracking = PoseTracking(estimator=estimator or own, roi=place[0], person=place[1])
        tracking.track(info, progress=_stage(progress, "pose", info.frame_count), frame_sink=kept)
    finally:
        if own is not None:  # release the native graph now, not at interpreter exit
            own.close()
    timings = {"pose_stage_s": time.perf_counter() - t0}
    return tracking, {**timings, "pose_inference_s": tracking.pose_seconds_}


def analyze_video(
    path: Path,
    *,
    view: str,
    task: str,
    settings: Settings,
    out_dir: Path | None = None,
    roi: str | Box | None = None,
    person: int | None = None,
    estimator: PoseEstimator | None = None,
    pose_backend: str = DEFAULT_POSE_BACKEND,
    progress: Progress | None = None,
    render_video: bool = True,
    gait: GaitContent | None = None,
) -> VideoAnalysis:
    """Probe (refusing over-long or undecodable files before decoding), estimate pose,
    analyse and write outputs. Raises InvalidInput for bad input.

    ``pose_backend`` picks the estimator when none is given: ``tasks`` (MediaPipe Tasks
    ``PoseLandmarker``) or ``legacy`` (``solutions.pose``). ``gait`` is the bundle's gait
    content (metric specifications, confidence limits; default: the packaged content)."""
    box = _check_video_inputs(view, task, pose_backend, roi, person)
    out = _out_dir(out_dir)
    info = probe_video(path, max_seconds=settings.max_video_seconds)
    # MediaPipe (needed first, by the pose pass and the person search), then SciPy, imported
    # on a background thread while the pose pass and the search start decoding
    preloading = preload_analysis_modules(first=import_mediapipe)
    kept = None
    if out is not None and render_video:
        from runnersknee.gait.video_annotate import OutputGeometry, RenderFrames

        kept = RenderFrames(info, OutputGeometry.of(info))
    tracking, timings = _pose_stage(
        info, estimator, pose_backend, (box, person), progress=progress, kept=kept
    )
    t0 = time.perf_counter()
    preloading.join()
    analysis = GaitAnalysis(view=view, task=task, content=gait).analyze(tracking.keypoints_)
    timings["analysis_s"] = time.perf_counter() - t0
    provenance = {
        "video": {**info.to_dict(), "sha256": file_sha256(path)},
        "pose": {**tracking.estimator_info_, **tracking.get_params()},
        "person_selection": tracking.selection_,
    }
    return _finish(
        analysis,
        provenance,
        out=out,
        video=info if render_video else None,
        progress=progress,
        timings=timings,
        kept=kept,
    )


def analyze_keypoint_file(
    path: Path,
    *,
    view: str,
    task: str,
    out_dir: Path | None = None,
    progress: Progress | None = None,
    gait: GaitContent | None = None,
) -> VideoAnalysis:
    """The same pipeline from a keypoint CSV/JSON file (no video, no annotated MP4)."""
    check_view_and_task(view, task)
    out = _out_dir(out_dir)
    keypoints = KeypointFileSource(path).load().keypoints_
    t0 = time.perf_counter()
    analysis = GaitAnalysis(view=view, task=task, content=gait).analyze(keypoints)
    timings = {"analysis_s": time.perf_counter() - t0}
    provenance: JSONObject = {"keypoint_file": {"file": path.name, "sha256": file_sha256(path)}}
    return _finish(analysis, provenance, out=out, video=None, progress=progress, timings=timings)
