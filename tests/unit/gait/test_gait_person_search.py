"""The person search on its own thread and decoder, ahead of the pose pass: the pose pass
stops as soon as the search has chosen a person, the crop pass starts afresh, and the result
does not depend on when the search finished. A real (MJPG) clip, a fake estimator and a
fake people finder (no pose model needed)."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from runnersknee.gait.keypoints import LANDMARKS
from runnersknee.gait.person_search import PersonSearch
from runnersknee.gait.pose_tracking import (
    LOOKAHEAD_BYTES,
    OWN_DECODER_MAX_FPS,
    PoseTracking,
    lookahead_depth,
    search_decodes_on_its_own,
)
from runnersknee.gait.video import VideoInfo, iter_frames, probe_video
from runnersknee.gait.video_annotate import OutputGeometry, RenderFrames

N_FRAMES, EVERY = 60, 3  # sample_s 0.1 s at 30 fps: every 3rd frame
W, H = 320, 240
BACKGROUND = (140, 20, 40, 80)


def _walker(sample: int) -> tuple[int, int, int, int]:
    """The walker's box on sample ``sample``: crosses the frame right to left."""
    return 250 - 11 * sample, 100, 50, 120


@pytest.fixture
def clip(tmp_path: Path) -> VideoInfo:
    """320x240 MJPG frames whose grey level is 4 x the frame number."""
    path = tmp_path / "walk.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (W, H))
    for i in range(N_FRAMES):
        writer.write(np.full((H, W, 3), 4 * i, dtype=np.uint8))
    writer.release()
    return probe_video(path, max_seconds=60)


class Finder:
    """Sees the walker on every sample and the background person on every other one;
    ``delay_s`` slows each search down; records the image sizes and that it was closed."""

    def __init__(self, delay_s: float = 0.0, fail_at: int | None = None) -> None:
        self.delay_s, self.fail_at = delay_s, fail_at
        self.calls, self.shapes, self.closed = 0, [], False
        self.thread: str | None = None

    def detect(self, frame_bgr: Any) -> list[tuple[int, int, int, int]]:
        self.thread = threading.current_thread().name
        self.shapes.append(frame_bgr.shape)
        k = self.calls
        self.calls += 1
        if k == self.fail_at:
            raise RuntimeError(f"finder failed on sample {k}")
        time.sleep(self.delay_s)
        return [BACKGROUND, _walker(k)] if k % 2 else [_walker(k)]

    def close(self) -> None:
        self.closed = True


class CentreEstimator:
    """Puts every landmark at the image centre, shifted by a hair per frame seen since it was
    last closed (so any state carried over from before a close changes the result)."""

    name = "centre"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.since_close = 0
        self.closes = 0
        self.calls = 0

    def estimate(self, image_rgb: Any) -> Any:
        time.sleep(self.delay_s)
        self.calls += 1
        h, w = image_rgb.shape[:2]
        xy = np.tile([w / 2 + 0.01 * self.since_close, h / 2], (len(LANDMARKS), 1))
        self.since_close += 1
        return xy, np.full(len(LANDMARKS), 0.9)

    def info(self) -> dict[str, Any]:
        return {"backend": self.name}

    def close(self) -> None:
        self.since_close = 0
        self.closes += 1


def test_search_samples_every_nth_frame_on_its_own_thread(clip: VideoInfo) -> None:
    finder = Finder()
    search = PersonSearch(clip, finder, every=EVERY, max_frames=N_FRAMES, sample_width=160)
    samples = search.start().samples()
    assert [frame for frame, _ in samples] == list(range(0, N_FRAMES, EVERY))
    assert set(finder.shapes) == {(120, 160, 3)}  # downscaled to the sample width
    assert samples[1][1][1] == tuple(2 * v for v in _walker(1))  # boxes in frame pixels
    assert finder.thread == "person-search"
    assert finder.closed
    assert search.done


def test_a_search_that_falls_behind_takes_the_pose_pass_frames(clip: VideoInfo) -> None:
    ahead = PersonSearch(clip, Finder(), every=EVERY, max_frames=N_FRAMES).start()
    expected = ahead.samples()
    assert not ahead.fed_
    slow = PersonSearch(clip, Finder(delay_s=0.05), every=EVERY, max_frames=N_FRAMES).start()
    for i, frame in enumerate(iter_frames(clip)):  # a pose pass far faster than the search
        sample = slow.sample(i, frame)
        if sample is not None:
            slow.offer(i, sample)
    slow.end_of_frames()
    assert slow.samples() == expected  # same samples, same boxes
    assert slow.fed_


def test_search_error_is_raised_to_the_caller(clip: VideoInfo) -> None:
    finder = Finder(fail_at=2)
    search = PersonSearch(clip, finder, every=EVERY, max_frames=N_FRAMES).start()
    with pytest.raises(RuntimeError, match="sample 2"):
        search.samples()
    assert finder.closed


def test_stopped_search_ends_early(clip: VideoInfo) -> None:
    finder = Finder(delay_s=0.05)
    search = PersonSearch(clip, finder, every=EVERY, max_frames=N_FRAMES).start()
    time.sleep(0.12)
    search.stop()
    assert search.done
    assert finder.calls < N_FRAMES // EVERY
    assert finder.closed


def _track(clip: VideoInfo, estimator: CentreEstimator, finder: Finder, sink: Any = None) -> Any:
    tracking = PoseTracking(estimator, sample_s=EVERY / 30.0, people_finder=finder)
    return tracking.track(clip, frame_sink=sink)


def test_pose_pass_stops_once_the_search_saw_several_people_and_the_crop_pass_starts_afresh(
    clip: VideoInfo,
) -> None:
    estimator = CentreEstimator(delay_s=0.01)  # pose slower than the search
    tracking = _track(clip, estimator, Finder())
    assert tracking.selection_["mode"] == "crosses the frame"
    assert tracking.redone_frames_ < N_FRAMES  # stopped early
    assert tracking.selection_["redone_frames"] == tracking.redone_frames_
    assert estimator.calls == tracking.redone_frames_ + N_FRAMES  # the crop pass: every frame
    assert estimator.closes == 1
    kp = tracking.keypoints_
    assert kp.n_frames == N_FRAMES
    hips = kp.xy_px[:, LANDMARKS.index("left_hip")]
    seen = np.flatnonzero(np.isfinite(hips[:, 0]))
    # the walker's track spans samples 0..19 (frames 0..57), held 3 frames beyond
    assert seen[0] == 0
    assert seen[-1] == N_FRAMES - 1
    # the landmarks follow the walker's box (its centre moves right to left)
    assert hips[0, 0] > hips[-1, 0] + 150


def test_result_does_not_depend_on_when_the_search_finished(clip: VideoInfo) -> None:
    early = _track(clip, CentreEstimator(delay_s=0.01), Finder())
    late = _track(clip, CentreEstimator(), Finder(delay_s=0.1))
    assert late.redone_frames_ == N_FRAMES  # the whole-frame pass ended first
    assert early.redone_frames_ < late.redone_frames_
    assert np.array_equal(early.keypoints_.xy_px, late.keypoints_.xy_px, equal_nan=True)


def test_one_person_keeps_the_whole_frame_pass(clip: VideoInfo) -> None:
    class Alone(Finder):
        def detect(self, frame_bgr: Any) -> list[tuple[int, int, int, int]]:
            super().detect(frame_bgr)
            return [_walker(self.calls - 1)]

    estimator = CentreEstimator()
    tracking = _track(clip, estimator, Alone())
    assert tracking.selection_ == {"mode": "whole frame", "people_seen": 1}
    assert tracking.redone_frames_ == 0
    assert estimator.calls == N_FRAMES
    assert estimator.closes == 0


def test_frames_of_the_final_pass_are_kept_for_the_annotated_video(clip: VideoInfo) -> None:
    geometry = OutputGeometry.of(clip, max_side_px=160)
    kept = RenderFrames(clip, geometry)
    _track(clip, CentreEstimator(delay_s=0.01), Finder(), sink=kept)
    frames = kept.frames(N_FRAMES)
    assert frames is not None
    levels = [round(float(f.mean()) / 4) for f in frames]
    assert levels == list(range(N_FRAMES))  # every frame, in order, at the output size
    assert kept.frames(N_FRAMES + 1) is None  # a frame that was never decoded


def test_kept_frames_give_up_past_their_memory_budget(clip: VideoInfo) -> None:
    geometry = OutputGeometry.of(clip)
    assert not RenderFrames(clip, geometry, max_bytes=10_000).enabled  # too long to start
    kept = RenderFrames(clip, geometry, max_bytes=W * H * 3 * N_FRAMES // 8)
    frame = np.random.default_rng(1).integers(0, 255, (H, W, 3), dtype=np.uint8)
    for i in range(N_FRAMES):  # noise does not compress: the budget is passed
        kept(i, frame)
    assert not kept.enabled
    assert kept.frames(N_FRAMES) is None


def test_a_search_without_its_own_decoder_gets_the_same_samples(clip: VideoInfo) -> None:
    expected = PersonSearch(clip, Finder(), every=EVERY, max_frames=N_FRAMES).start().samples()
    fed = PersonSearch(clip, Finder(), every=EVERY, max_frames=N_FRAMES, own_decoder=False)
    assert fed.fed_
    fed.start()
    for i, frame in enumerate(iter_frames(clip)):
        sample = fed.sample(i, frame)
        if sample is not None:
            fed.offer(i, sample)
    fed.end_of_frames()
    assert fed.samples() == expected


def test_the_pose_pass_decodes_each_frame_once_for_the_search(
    clip: VideoInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    real = cv2.VideoCapture

    def counting(*args: Any) -> Any:
        opened.append(str(args[0]))
        return real(*args)

    monkeypatch.setattr(cv2, "VideoCapture", counting)
    tracking = PoseTracking(
        CentreEstimator(),
        sample_s=EVERY / 30.0,
        people_finder=Finder(),
        search_own_decoder=False,
    ).track(clip)
    assert tracking.selection_["mode"] == "crosses the frame"
    # one decoder for the whole-frame pass (it feeds the search), one for the crop pass
    assert len(opened) == 2


def test_lookahead_is_bounded_by_memory() -> None:
    def video(w: int, h: int, n: int) -> VideoInfo:
        return VideoInfo(Path("x.mp4"), 30.0, n, w, h, 0, n / 30.0, "avc1")

    assert lookahead_depth(video(1768, 994, 230), 640) == 194  # 640x360 RGB, 691 kB each
    assert lookahead_depth(video(1080, 1920, 600), 640) == LOOKAHEAD_BYTES // (640 * 1138 * 3)
    assert lookahead_depth(video(320, 240, 60), 640) == 60  # the whole clip fits
    assert lookahead_depth(video(320, 240, 4), 640) == 8


def test_the_search_decodes_on_its_own_up_to_30_fps(clip: VideoInfo) -> None:
    assert search_decodes_on_its_own(clip)  # 30 fps
    assert not search_decodes_on_its_own(replace(clip, fps=60.0))
    assert OWN_DECODER_MAX_FPS < 50.0


class LevelFinder(Finder):
    """A slow :class:`Finder` that also records each sample's grey level."""

    def __init__(self) -> None:
        super().__init__(delay_s=0.01)
        self.levels: list[int] = []

    def detect(self, frame_bgr: Any) -> list[tuple[int, int, int, int]]:
        self.levels.append(round(float(frame_bgr.mean())))
        return super().detect(frame_bgr)


def test_samples_from_the_decoding_thread_keep_their_own_pixels(clip: VideoInfo) -> None:
    # the decoding thread decodes each frame into the previous one's array: a sample the
    # slow search looks at later must still show its own frame (grey level 4 x its index)
    finder = LevelFinder()
    PoseTracking(
        CentreEstimator(), sample_s=EVERY / 30.0, people_finder=finder, search_own_decoder=False
    ).track(clip)
    expected = [4 * i for i in range(0, N_FRAMES, EVERY)]
    assert len(finder.levels) == len(expected)
    assert all(abs(a - b) <= 1 for a, b in zip(finder.levels, expected, strict=True))  # MJPG
