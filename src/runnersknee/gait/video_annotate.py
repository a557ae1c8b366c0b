"""Annotated H.264 video: skeleton, live angles, direction of travel, gait events (rejected
steps with their reason) and a per-step strip chart drawn on each frame."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.events import Repetition
from runnersknee.gait.keypoints import KeypointSeries, index_of
from runnersknee.gait.steps import StepCheck, StepValue
from runnersknee.gait.video import H264Writer, VideoInfo, in_background, iter_frames

Frame = NDArray[Any]

__all__ = ["SKELETON", "OutputGeometry", "RenderFrames", "render_annotated"]

#: Bones drawn on the video (pairs of landmark names).
SKELETON: tuple[tuple[str, str], ...] = (
    *tuple(
        (f"{s}_{a}", f"{s}_{b}")
        for s in ("left", "right")
        for a, b in (
            ("shoulder", "hip"),
            ("hip", "knee"),
            ("knee", "ankle"),
            ("ankle", "heel"),
            ("heel", "foot_index"),
            ("ankle", "foot_index"),
            ("shoulder", "elbow"),
            ("elbow", "wrist"),
        )
    ),
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
)

_BGR = {"left": (255, 144, 30), "right": (40, 40, 220), "mid": (240, 240, 240)}


@dataclass(frozen=True, slots=True)
class OutputGeometry:
    """Size and frame step of the annotated video: at most ``max_side_px`` on its longer
    side (even sizes, as yuv420p needs) and ``max_fps`` frames/s (every ``step``-th frame)."""

    scale: float
    step: int
    width_px: int
    height_px: int

    @classmethod
    def of(cls, video: VideoInfo, max_side_px: int = 720, max_fps: float = 30.0) -> OutputGeometry:
        """The geometry for ``video``."""
        scale = min(1.0, max_side_px / max(video.width_px, video.height_px))
        step = max(1, round(video.fps / max_fps)) if video.fps > max_fps * 1.05 else 1
        w, h = round(video.width_px * scale), round(video.height_px * scale)
        return cls(scale, step, w - w % 2, h - h % 2)

    def fit(self, frame: Frame) -> Frame:
        """``frame`` at the output size (a copy, drawn on afterwards)."""
        import cv2

        if (frame.shape[1], frame.shape[0]) == (self.width_px, self.height_px):
            return frame.copy()
        return cv2.resize(frame, (self.width_px, self.height_px))


class RenderFrames:
    """The annotated video's frames, kept while pose is estimated so that the render does not
    decode the video a second time: a frame sink (:class:`~runnersknee.gait.person.FrameSink`,
    called on the decoding thread) that keeps every ``step``-th frame at the output size,
    JPEG-encoded (quality 90) in memory. Past ``max_bytes`` (or when the video is so long
    that it would get there) it keeps nothing, and the render decodes the video itself."""

    def __init__(self, video: VideoInfo, geometry: OutputGeometry, max_bytes: int = 128 << 20):
        self.geometry = geometry
        self.max_bytes = max_bytes
        n_out = -(-video.frame_count // geometry.step)
        # JPEG at quality 90 takes ~1/8 of the raw size on video frames (measured ~1/8.3)
        self.enabled = n_out * geometry.width_px * geometry.height_px * 3 // 8 <= max_bytes
        self._jpeg: dict[int, NDArray[np.uint8]] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def __call__(self, i: int, frame: Frame) -> None:
        """Keep frame ``i`` if the annotated video shows it."""
        import cv2

        if not self.enabled or i % self.geometry.step:
            return
        small = self.geometry.fit(frame)
        ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 90])
        with self._lock:
            old = self._jpeg.get(i)
            self._bytes += jpeg.size - (0 if old is None else old.size)
            self._jpeg[i] = jpeg
            if not ok or self._bytes > self.max_bytes:
                self.enabled = False
                self._jpeg.clear()

    def frames(self, n_frames: int) -> Iterator[Frame] | None:
        """The kept frames 0, step, 2 × step, … below ``n_frames`` (decoded one at a time,
        already at the output size), or None if any is missing."""
        import cv2

        wanted = range(0, n_frames, self.geometry.step)
        with self._lock:
            if not self.enabled or any(i not in self._jpeg for i in wanted):
                return None
            kept = [self._jpeg[i] for i in wanted]
        return (_decoded(cv2.imdecode(jpeg, cv2.IMREAD_COLOR)) for jpeg in kept)


def _decoded(image: Frame | None) -> Frame:
    if image is None:  # cannot happen for a buffer cv2.imencode wrote
        raise RuntimeError("a kept frame could not be decoded")
    return image


def _event_labels(
    n: int, fps: float, steps: Sequence[StepCheck], reps: Sequence[Repetition]
) -> list[str]:
    """Per-frame event text, held for ~0.3 s after each event; rejected contacts say why."""
    labels = [""] * n
    hold = max(1, round(0.3 * fps))
    marks: list[tuple[float, str]] = []
    for check in steps:
        s = check.stance
        text = f"contact {s.side}" if check.kept else f"contact {s.side} REJECTED: {check.reason}"
        marks.append((s.ic_s, text))
        if s.to_s is not None and check.kept:
            marks.append((s.to_s, f"toe-off {s.side}"))
    marks += [(r.peak_s, f"deepest ({r.stance_side})") for r in reps]
    for t, text in sorted(marks):
        i = round(t * fps)
        for j in range(max(0, i), min(n, i + hold)):
            labels[j] = text
    return labels


def _text_block(img: Frame, lines: Sequence[str], x: int, y_top: int, scale: float) -> None:
    """White text on a dark panel whose size is measured, so no line is ever cut off."""
    import cv2

    font, thick = cv2.FONT_HERSHEY_SIMPLEX, max(1, round(scale * 2))
    sizes = [cv2.getTextSize(t, font, scale, thick) for t in lines]
    line_h = max((h + b for (_, h), b in sizes), default=0) + 6
    width = max((w for (w, _), _ in sizes), default=0)
    if not lines:
        return
    h_img, w_img = img.shape[:2]
    y_top = min(max(0, y_top), max(0, h_img - line_h * len(lines) - 4))
    x1, y1 = min(w_img, x + width + 8), min(h_img, y_top + line_h * len(lines) + 4)
    roi = img[y_top:y1, max(0, x - 4) : x1]
    roi[:] = (roi * 0.35).astype(roi.dtype)
    for k, text in enumerate(lines):
        baseline_y = y_top + 2 + line_h * (k + 1) - 6
        cv2.putText(img, text, (x, baseline_y), font, scale, (255, 255, 255), thick, cv2.LINE_AA)


def _strip(
    steps: Sequence[StepCheck], per_step: Sequence[StepValue], duration_s: float, w: int, h: int
) -> Frame:
    """Strip chart (BGR, w × h): one tick per contact (green kept, red rejected) and the
    per-step values of the shown metric as dots (scaled to the kept values' range)."""
    import cv2

    strip = np.full((h, w, 3), 30, dtype=np.uint8)
    if duration_s <= 0:
        return strip

    def x_of(t: float) -> int:
        return int(np.clip(t / duration_s * (w - 1), 0, w - 1))

    for check in steps:
        colour = (80, 200, 80) if check.kept else (60, 60, 230)
        cv2.line(
            strip, (x_of(check.stance.ic_s), h - 10), (x_of(check.stance.ic_s), h - 2), colour, 2
        )
    kept = [v.value for v in per_step if v.reason is None and np.isfinite(v.value)]
    if kept:
        lo, hi = min(kept), max(kept)
        span = max(hi - lo, 1e-6)
        for v in per_step:
            if not np.isfinite(v.value):
                continue
            y = int(np.clip(h - 14 - (v.value - lo) / span * (h - 24), 4, h - 14))
            colour = (80, 200, 80) if v.reason is None else (60, 60, 230)
            cv2.circle(strip, (x_of(v.t_s), y), 3, colour, -1, cv2.LINE_AA)
    return strip


@dataclass(frozen=True, slots=True)
class _Overlay:
    """What is drawn on every frame of the annotated video (fixed for the whole video)."""

    keypoints: KeypointSeries
    series: Mapping[str, NDArray[np.float64]]
    scale: float
    labels: list[str]
    shown: list[str]
    header: list[str]
    strip: Frame
    strip_title: str
    text_scale: float

    def draw(self, img: Frame, i: int) -> None:
        """Skeleton, live angles, event label and the strip chart with its cursor on frame
        ``i`` (``img`` at the output size, drawn in place)."""
        import cv2

        out_h, out_w = img.shape[:2]
        strip_h = self.strip.shape[0]
        _skeleton(img, self.keypoints.xy_px[i] * self.scale)
        lines = self.header + [
            f"{key.removesuffix('_deg').replace('_', ' ')}: "
            + (f"{self.series[key][i]:5.1f} deg" if np.isfinite(self.series[key][i]) else "--")
            for key in self.shown
        ]
        _text_block(img, lines, 8, 6, self.text_scale)
        img[out_h - strip_h :] = self.strip
        cursor = int(i / max(1, self.keypoints.n_frames - 1) * (out_w - 1))
        cv2.line(img, (cursor, out_h - strip_h), (cursor, out_h - 1), (0, 220, 255), 1)
        bottom = [t for t in (self.labels[i], self.strip_title) if t]
        _text_block(img, bottom, 8, out_h - strip_h - 4 - 24 * len(bottom), self.text_scale * 0.9)


def render_annotated(
    video: VideoInfo,
    keypoints: KeypointSeries,
    series: Mapping[str, NDArray[np.float64]],
    out_path: Path,
    *,
    steps: Sequence[StepCheck] = (),
    repetitions: Sequence[Repetition] = (),
    direction: str = "",
    strip_metric: tuple[str, Sequence[StepValue]] | None = None,
    max_side_px: int = 720,
    max_fps: float = 30.0,
    progress: Callable[[int], None] | None = None,
    kept: RenderFrames | None = None,
) -> Path:
    """Write the annotated MP4 (H.264, plays in browsers); return its path.

    Each frame shows the skeleton, the live angles, the direction of travel, contacts (with
    the reason when a step was rejected) and a strip chart of the per-step values of
    ``strip_metric`` (name, values) with a cursor at the current time. The video is at most
    ``max_side_px`` on its longer side and ``max_fps`` frames/s (a 60 fps clip keeps every
    second frame; labels last 0.3 s). Frames come from ``kept`` (kept while pose was
    estimated) when it has them all, else the video is decoded again.
    """
    geometry = OutputGeometry.of(video, max_side_px, max_fps)
    step, out_w, out_h = geometry.step, geometry.width_px, geometry.height_px
    duration = keypoints.n_frames / keypoints.fps
    per_step = strip_metric[1] if strip_metric else ()
    overlay = _Overlay(
        keypoints=keypoints,
        series=series,
        scale=geometry.scale,
        labels=_event_labels(keypoints.n_frames, keypoints.fps, steps, repetitions),
        shown=[k for k in series if k.startswith(("knee_flexion", "fppa", "trunk_lean"))],
        header=[f"direction: {direction}"] if direction else [],
        strip=_strip(steps, per_step, duration, out_w, max(40, out_h // 8)),
        strip_title=(
            f"per step: {strip_metric[0]} (green kept, red rejected)" if strip_metric else ""
        ),
        text_scale=max(0.4, min(0.8, out_h / 700)),
    )
    n_out = -(-keypoints.n_frames // step)
    frames = kept.frames(keypoints.n_frames) if kept and kept.geometry == geometry else None
    with H264Writer(out_path, fps=video.fps / step, width_px=out_w, height_px=out_h) as writer:
        source = (
            in_background(frames) if frames else iter_frames(video, max_frames=n_out, every=step)
        )
        for k, frame in enumerate(source):
            i = k * step
            img = geometry.fit(frame) if frames is None else frame
            overlay.draw(img, i)
            writer.write(img)
            if progress is not None:
                progress(min(step, keypoints.n_frames - i))
    return out_path


def _skeleton(img: Frame, pts: NDArray[np.float64]) -> None:
    import cv2

    for a, b in SKELETON:
        pa, pb = pts[index_of(a)], pts[index_of(b)]
        if np.isfinite(pa).all() and np.isfinite(pb).all():
            side = a.split("_")[0] if a.split("_")[0] == b.split("_")[0] else "mid"
            cv2.line(
                img, (int(pa[0]), int(pa[1])), (int(pb[0]), int(pb[1])), _BGR[side], 2, cv2.LINE_AA
            )
