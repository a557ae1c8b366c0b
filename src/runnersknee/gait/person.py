"""Which person to analyse when several are in view: by default the one who crosses the frame.

People are found on sampled frames (:func:`detect_people`, during the first pose pass), linked into
tracks by nearest box centre, and the track that travels farthest horizontally is chosen
(on a treadmill nobody travels: the largest, longest-seen person wins). Between samples the
person's box is interpolated, so the pose estimator only ever sees a crop around that person
and cannot jump to someone in the background; outside the track's time span no landmarks
are estimated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.keypoints import index_of
from runnersknee.gait.pose import Box, Frame, PoseEstimator, expand_box, prepare_frame
from runnersknee.gait.pose_tasks import PoseImageLandmarker
from runnersknee.gait.video import VideoInfo, iter_mapped_frames

__all__ = [
    "MAX_JUMP",
    "PeopleDetector",
    "PeopleFinder",
    "PersonTrack",
    "choose_person",
    "detect_people",
    "link_sample",
    "link_tracks",
    "people_seen",
    "track_person",
]


def _centre(box: Box) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2.0, y + h / 2.0


@dataclass(slots=True)
class PersonTrack:
    """One person's boxes on sampled frames (frame indices ascending)."""

    frames: list[int] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)

    @property
    def travel_px(self) -> float:
        """Horizontal extent of the box centres (how far the person crossed)."""
        xs = [_centre(b)[0] for b in self.boxes]
        return max(xs) - min(xs) if xs else 0.0

    @property
    def mean_height_px(self) -> float:
        """Mean box height."""
        return float(np.mean([b[3] for b in self.boxes])) if self.boxes else 0.0

    def box_at(self, i: int, pad_frames: int) -> Box | None:
        """The box at frame ``i``, interpolated between samples (held for ``pad_frames``
        beyond the first and last sample); None outside."""
        if not self.frames or i < self.frames[0] - pad_frames or i > self.frames[-1] + pad_frames:
            return None
        arr = np.array(self.boxes, dtype=np.float64)
        vals = [np.interp(i, self.frames, arr[:, k]) for k in range(4)]
        return int(vals[0]), int(vals[1]), max(16, int(vals[2])), max(16, int(vals[3]))

    def to_dict(self) -> dict[str, Any]:
        """JSON form (for provenance)."""
        return {
            "first_frame": self.frames[0] if self.frames else None,
            "last_frame": self.frames[-1] if self.frames else None,
            "samples": len(self.frames),
            "travel_px": round(self.travel_px, 1),
            "mean_height_px": round(self.mean_height_px, 1),
        }


#: How far a person may move between samples (in box heights) and stay the same track.
MAX_JUMP = 1.5


def link_sample(
    tracks: list[PersonTrack], frame: int, boxes: Sequence[Box], max_jump: float = MAX_JUMP
) -> None:
    """Add one sample's boxes to ``tracks`` (in place): each box joins the track whose last
    box centre is nearest, if closer than ``max_jump`` × that box's height, else starts a
    new track."""
    taken: set[int] = set()
    for box in sorted(boxes, key=lambda b: -b[3]):  # larger (nearer) people first
        cx, cy = _centre(box)
        best, best_d = None, np.inf
        for k, track in enumerate(tracks):
            if k in taken or track.frames[-1] == frame:
                continue
            tx, ty = _centre(track.boxes[-1])
            d = float(np.hypot(cx - tx, cy - ty)) / max(track.boxes[-1][3], 1)
            if d < best_d:
                best, best_d = k, d
        if best is not None and best_d <= max_jump:
            tracks[best].frames.append(frame)
            tracks[best].boxes.append(box)
            taken.add(best)
        else:
            tracks.append(PersonTrack([frame], [box]))
            taken.add(len(tracks) - 1)


def link_tracks(
    samples: Sequence[tuple[int, Sequence[Box]]], max_jump: float = MAX_JUMP
) -> list[PersonTrack]:
    """Link per-sample boxes into tracks, sample by sample (:func:`link_sample`)."""
    tracks: list[PersonTrack] = []
    for frame, boxes in samples:
        link_sample(tracks, frame, boxes, max_jump)
    return tracks


def people_seen(tracks: Sequence[PersonTrack]) -> int:
    """People seen on more than one sample (a box seen once may be a false detection).
    Never falls as samples are added: tracks only grow."""
    return sum(1 for t in tracks if len(t.frames) > 1)


def choose_person(tracks: Sequence[PersonTrack]) -> PersonTrack | None:
    """The track that crosses the frame farthest (ties and treadmills: the one seen on more
    samples, then the larger one); tracks seen once are ignored when others exist."""
    seen = [t for t in tracks if len(t.frames) > 1] or list(tracks)
    if not seen:
        return None
    heights = max(t.mean_height_px for t in seen) or 1.0
    return max(
        seen,
        key=lambda t: (round(t.travel_px / heights, 1), len(t.frames), t.mean_height_px),
    )


class PeopleDetector:
    """Find the people in single images with one Tasks ``PoseLandmarker`` in IMAGE mode,
    reused across calls (creating it costs far more than one search). Close it when done."""

    def __init__(self, max_people: int = 4) -> None:
        self.max_people = max_people
        self._landmarker: PoseImageLandmarker | None = None

    def detect(self, frame_bgr: Frame) -> list[Box]:
        """People in a frame, left to right, as pixel boxes (landmarks with visibility
        ≥ 0.3, grown by 10 %).

        BlazePose's detector misses people beside a more prominent one, so each person found
        is painted over and the search repeated, up to ``max_people``.
        """
        import cv2

        if self._landmarker is None:
            self._landmarker = PoseImageLandmarker(max_people=1)
        image = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)
        h, w = image.shape[:2]
        boxes: list[Box] = []
        for _ in range(self.max_people):
            found = self._landmarker.people(image)
            pts = found[0][0][found[0][1] >= 0.3] if found else np.empty((0, 2))
            if pts.shape[0] < 4:
                break
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            size = (int(lo[0]), int(lo[1]), int(hi[0] - lo[0]) + 1, int(hi[1] - lo[1]) + 1)
            box = expand_box(size, w, h, margin=0.1)
            boxes.append(box)
            x, y, bw, bh = box
            image[y : y + bh, x : x + bw] = 127  # hide this person, look for the next
        return sorted(boxes, key=lambda b: b[0])

    def close(self) -> None:
        """Release the landmarker."""
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None


class PeopleFinder(Protocol):
    """Finds the people in one BGR image (:class:`PeopleDetector`, or a fake in tests)."""

    def detect(self, frame_bgr: Frame) -> list[Box]:
        """People, left to right, as pixel boxes."""

    def close(self) -> None:
        """Release native resources."""


def detect_people(frame_bgr: Frame, *, max_people: int = 4) -> list[Box]:
    """People in one frame, left to right, as pixel boxes (see :class:`PeopleDetector`)."""
    detector = PeopleDetector(max_people)
    try:
        return detector.detect(frame_bgr)
    finally:
        detector.close()


#: Called with (frame index, upright BGR frame) for every frame decoded for pose (on the
#: decoding thread), e.g. to keep the frames the annotated video needs.
FrameSink = Callable[[int, Frame], None]


class _TrackCrops:
    """Per frame (on the decoding thread): the frame index, the estimator's input cropped
    around the person's interpolated box (None outside the track) and the box their hips
    must stay in."""

    def __init__(
        self, track: PersonTrack, pad_frames: int, width_px: int, sink: FrameSink | None
    ) -> None:
        self._track, self._pad, self._width, self._sink = track, pad_frames, width_px, sink
        self._i = -1

    def __call__(self, frame: Frame) -> tuple[int, Any, Box | None]:
        self._i += 1
        if self._sink is not None:
            self._sink(self._i, frame)
        box = self._track.box_at(self._i, self._pad)
        if box is None:
            return self._i, None, None
        h, w = frame.shape[:2]
        crop = expand_box(box, w, h, margin=0.3)
        return self._i, prepare_frame(frame, crop, self._width), expand_box(box, w, h, 0.15)


def track_person(
    estimator: PoseEstimator,
    video: VideoInfo,
    found: Any,
    track: PersonTrack,
    *,
    pad_frames: int,
    processing_width_px: int,
    progress: Callable[[int], None] | None = None,
    frame_sink: FrameSink | None = None,
) -> int:
    """Estimate landmarks in a crop around ``track`` on every frame (none outside its span);
    landmarks whose hips leave the person's box are dropped. Returns the frames dropped.

    The crops are known in advance, so they are cut, resized and converted on the decoding
    thread while the estimator works on the previous frame."""
    dropped = 0
    crops = _TrackCrops(track, pad_frames, processing_width_px, frame_sink)
    with closing(iter_mapped_frames(video, crops, max_frames=found.capacity)) as frames:
        for i, prepared, hips_box in frames:
            found.n = i + 1
            if prepared is not None and hips_box is not None:
                ok = found.estimate(estimator, i, prepared)
                if ok and not _hips_inside(found.xy[i], hips_box):
                    found.xy[i], found.vis[i] = np.nan, 0.0
                    dropped += 1
            if progress is not None:
                progress(1)
    return dropped


def _hips_inside(xy: NDArray[np.float64], box: Box) -> bool:
    hips = xy[[index_of("left_hip"), index_of("right_hip")]].mean(axis=0)
    x, y, w, h = box
    return bool(np.isfinite(hips).all() and x <= hips[0] <= x + w and y <= hips[1] <= y + h)
