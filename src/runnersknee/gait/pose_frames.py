"""The frame-level parts of :mod:`.pose_tracking`: how far the decoding thread may read
ahead, whether the person search decodes on its own, the fixed-crop preparation run on the
decoding thread, the landmarks found per frame, and the crop that follows a person."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.keypoints import LANDMARKS
from runnersknee.gait.pose import Box, Frame, PoseEstimator, expand_box, prepare_frame
from runnersknee.gait.video import VideoInfo

if TYPE_CHECKING:
    from runnersknee.gait.person import FrameSink
    from runnersknee.gait.person_search import PersonSearch

__all__ = [
    "LOOKAHEAD_BYTES",
    "OWN_DECODER_MAX_FPS",
    "FixedCropPreparation",
    "FoundLandmarks",
    "Prepared",
    "follow_person",
    "lookahead_depth",
    "search_decodes_on_its_own",
]


#: A frame prepared for the estimator (``prepare_frame``), or ``()`` once it will not be
#: estimated (the queue between threads cannot carry None).
Prepared = tuple[Frame, float, int, int] | tuple[()]

#: Memory the pose pass's decoding thread may fill with prepared frames ahead of inference
#: while the person search takes its samples from that thread: the search then runs ahead of
#: the pose pass without a decoder of its own (e.g. 194 frames of the 1768x994 Sports2D clip
#: at 640 px, 61 of a 1080x1920 clip).
LOOKAHEAD_BYTES = 128 << 20


#: Up to this frame rate the person search decodes the video on its own (grab-only between
#: samples): it gets ahead of the pose pass sooner, so a clip with several people is redone
#: from fewer frames (1768x994 30 fps Sports2D clip, load 8: 25 whole-frame inferences before
#: the choice against 53 when fed, 10.6 against 11.6 s CPU for the whole command). Above it
#: the second decoding costs more per second of video than it saves: the search is fed by the
#: pose pass's decoder (1080x1920 60 fps Pose2Sim clip: 30.1-30.4 against 33.5-33.8 ms CPU per
#: frame). A rule measured on these two clips only.
OWN_DECODER_MAX_FPS = 31.0


def search_decodes_on_its_own(video: VideoInfo) -> bool:
    """Whether the person search should decode ``video`` itself (see OWN_DECODER_MAX_FPS)."""
    return video.fps <= OWN_DECODER_MAX_FPS


def lookahead_depth(video: VideoInfo, processing_width_px: int) -> int:
    """Frames the decoding thread may prepare ahead of inference (at least 8)."""
    scale = min(1.0, processing_width_px / video.width_px)
    frame_bytes = round(video.width_px * scale) * round(video.height_px * scale) * 3
    return max(8, min(video.frame_count, LOOKAHEAD_BYTES // max(1, frame_bytes)))


class FixedCropPreparation:
    """``prepare_frame`` with a crop fixed from the first frame (runs on the decoding thread);
    each decoded frame is also handed, with its index, to ``sink`` (the frames kept for the
    annotated video) and, when it is a sample, to the person search."""

    def __init__(
        self,
        initial_roi: Callable[[Frame], Box | None],
        width_px: int,
        sink: FrameSink | None = None,
        search: PersonSearch | None = None,
    ) -> None:
        self._initial_roi = initial_roi
        self._width_px = width_px
        self._crop: Box | None = None
        self._first = True
        self._sink, self._search = sink, search
        self._i = -1

    def __call__(self, frame: Frame) -> Prepared:
        self._i += 1
        if self._first:
            self._crop = self._initial_roi(frame)
            self._first = False
        if self._search is not None:
            sample = self._search.sample(self._i, frame)
            if sample is not None:
                self._search.offer(self._i, sample)
            if self._search.several_people:  # this pass will be redone in a crop
                return ()
        if self._sink is not None:
            self._sink(self._i, frame)
        return prepare_frame(frame, self._crop, self._width_px)


class FoundLandmarks:
    """Landmarks per frame (NaN / zero visibility where no person was found), and the time
    spent inside the estimator."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.xy = np.full((capacity, len(LANDMARKS), 2), np.nan)
        self.vis = np.zeros((capacity, len(LANDMARKS)))
        self.seconds = 0.0
        self.n = 0

    def estimate(
        self, estimator: PoseEstimator, i: int, prepared: tuple[Frame, float, int, int]
    ) -> bool:
        """Run the estimator on frame ``i`` (a :func:`prepare_frame` result); True if found."""
        rgb, scale, x0, y0 = prepared
        t0 = time.perf_counter()
        found = estimator.estimate(rgb)
        self.seconds += time.perf_counter() - t0
        self.n = i + 1
        if found is None:
            return False
        self.xy[i] = found[0] / scale + (x0, y0)
        self.vis[i] = found[1]
        return True


def follow_person(
    crop: Box, pts: NDArray[np.float64], vis: NDArray[np.float64], w: int, h: int
) -> Box:
    """Re-centre the crop on the person when their landmarks near its border."""
    good = pts[vis >= 0.5]
    if good.shape[0] < 8:
        return crop
    x0, y0, cw, ch = crop
    lo, hi = good.min(axis=0), good.max(axis=0)
    margin_x, margin_y = 0.08 * cw, 0.08 * ch
    inside = (
        lo[0] > x0 + margin_x
        and lo[1] > y0 + margin_y
        and hi[0] < x0 + cw - margin_x
        and hi[1] < y0 + ch - margin_y
    )
    if inside:
        return crop
    box = (int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1]))
    return expand_box(box, w, h, margin=0.3)
