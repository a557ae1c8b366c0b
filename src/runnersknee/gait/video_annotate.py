"""Annotated H.264 video: skeleton, live angles and gait events drawn on each frame."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.events import Repetition, Stance
from runnersknee.gait.keypoints import KeypointSeries, index_of
from runnersknee.gait.video import H264Writer, VideoInfo, iter_frames

__all__ = ["SKELETON", "render_annotated"]

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


def _event_labels(
    n: int, fps: float, stances: Sequence[Stance], reps: Sequence[Repetition]
) -> list[str]:
    """Per-frame event text, held for ~0.15 s after each event."""
    labels = [""] * n
    hold = max(1, round(0.15 * fps))
    marks: list[tuple[float, str]] = []
    for s in stances:
        marks.append((s.ic_s, f"IC {s.side}"))
        if s.to_s is not None:
            marks.append((s.to_s, f"TO {s.side}"))
    marks += [(r.peak_s, f"deepest ({r.stance_side})") for r in reps]
    for t, text in marks:
        i = round(t * fps)
        for j in range(max(0, i), min(n, i + hold)):
            labels[j] = text
    return labels


def render_annotated(
    video: VideoInfo,
    keypoints: KeypointSeries,
    series: Mapping[str, NDArray[np.float64]],
    out_path: Path,
    *,
    stances: Sequence[Stance] = (),
    repetitions: Sequence[Repetition] = (),
    max_width_px: int = 720,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write the annotated MP4 (H.264, plays in browsers); return its path."""
    import cv2

    scale = min(1.0, max_width_px / video.width_px)
    out_w, out_h = round(video.width_px * scale), round(video.height_px * scale)
    labels = _event_labels(keypoints.n_frames, keypoints.fps, stances, repetitions)
    shown = [k for k in series if k.startswith(("knee_flexion", "fppa", "trunk_lean"))]
    with H264Writer(out_path, fps=video.fps, width_px=out_w, height_px=out_h) as writer:
        for i, frame in enumerate(iter_frames(video, max_frames=keypoints.n_frames)):
            img = cv2.resize(frame, (out_w, out_h)) if scale < 1 else frame.copy()
            pts = keypoints.xy_px[i] * scale
            for a, b in SKELETON:
                pa, pb = pts[index_of(a)], pts[index_of(b)]
                if np.isfinite(pa).all() and np.isfinite(pb).all():
                    side = a.split("_")[0] if a.split("_")[0] == b.split("_")[0] else "mid"
                    p1 = (int(pa[0]), int(pa[1]))
                    p2 = (int(pb[0]), int(pb[1]))
                    cv2.line(img, p1, p2, _BGR[side], 2, cv2.LINE_AA)
            y = 22
            for key in shown:
                value = series[key][i]
                text = f"{key.removesuffix('_deg').replace('_', ' ')}: " + (
                    f"{value:5.1f} deg" if np.isfinite(value) else "--"
                )
                cv2.putText(img, text, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 3)
                cv2.putText(img, text, (8, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1)
                y += 20
            if labels[i]:
                cv2.putText(
                    img, labels[i], (8, out_h - 14), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 220, 255), 2
                )
            writer.write(img)
            if progress is not None:
                progress(1)
    return out_path
