"""The person search beside the pose pass: people found on every ``every``-th frame by a
background thread, ahead of the pose pass when there is CPU to spare.

Two ways to get the samples. With ``own_decoder=False`` (what :mod:`.pose_tracking` uses) the
pose pass's decoding thread hands each sample over as it decodes it
(:meth:`PersonSearch.offer`); that thread runs far ahead of pose inference (a look-ahead
queue), so the search still ends early, and every frame is decoded once. With
``own_decoder=True`` the search decodes the video itself (frames not sampled are decoded,
not converted) and switches to the pose pass's samples when the pose pass catches up with it
(a busy machine): on a one-person clip that second decoder cost ~4 ms CPU per 1080x1920 frame.
"""

from __future__ import annotations

import threading
from contextlib import closing
from typing import Self

from runnersknee.gait.person import PeopleFinder, PersonTrack, link_sample, people_seen
from runnersknee.gait.pose import Box, Frame
from runnersknee.gait.video import VideoInfo, iter_mapped_frames

__all__ = ["PersonSearch"]


def _scaled(box: Box, factor: float) -> Box:
    x, y, w, h = (round(v * factor) for v in box)
    return x, y, w, h


class PersonSearch:
    """People on every ``every``-th frame (downscaled to ``sample_width`` px), found by
    ``finder`` on a background thread.

    The pose pass prepares the samples the search has not reached with :meth:`sample` (on
    its decoding thread), hands them over with :meth:`offer`, and calls
    :meth:`end_of_frames` at the end. With ``own_decoder`` the search also decodes the video
    itself; when the pose pass gets ``margin`` samples ahead of it, it stops its own decoder
    and takes those (``fed_`` becomes True). Without, ``fed_`` is True from the start.
    :attr:`done` says whether the search has finished; :meth:`samples` waits for it and
    re-raises its error; :meth:`stop` ends it. The finder is used and closed on the search
    thread.
    """

    def __init__(
        self,
        video: VideoInfo,
        finder: PeopleFinder,
        *,
        every: int,
        max_frames: int,
        sample_width: int = 640,
        margin: int = 2,
        own_decoder: bool = True,
    ) -> None:
        self._video, self._finder, self._every = video, finder, max(1, every)
        self._max_samples = -(-max_frames // self._every)
        self._width, self._margin = sample_width, margin
        self._samples: list[tuple[int, list[Box]]] = []
        self._error: BaseException | None = None
        self._stop, self._done = threading.Event(), threading.Event()
        self._changed = threading.Condition()
        self._next = 0  # the next sample the search needs (a frame index)
        self._offered: dict[int, tuple[Frame, float]] = {}  # samples from the pose pass
        self._ended = False  # the pose pass has decoded every frame
        self._own = own_decoder
        self.fed_ = not own_decoder  # samples come from the pose pass from now on
        self._tracks: list[PersonTrack] = []
        self._several = threading.Event()
        self._thread = threading.Thread(target=self._run, name="person-search", daemon=True)

    def start(self) -> Self:
        """Start searching; return self."""
        self._thread.start()
        return self

    def _small(self, frame: Frame) -> tuple[Frame, float]:
        import cv2

        h, w = frame.shape[:2]
        scale = min(1.0, self._width / w)
        if scale >= 1:  # a copy: the decoder reuses the frame's array for the next frame
            return frame.copy(), scale
        return cv2.resize(frame, (round(w * scale), round(h * scale))), scale

    def sample(self, i: int, frame: Frame) -> tuple[Frame, float] | None:
        """Frame ``i`` downscaled for the search if it is a sample the search has not reached
        (None otherwise; cheap): called on the pose pass's decoding thread."""
        if i % self._every or self._done.is_set():
            return None
        with self._changed:
            if i < self._next:
                return None  # searched already
        return self._small(frame)

    def offer(self, i: int, sample: tuple[Frame, float]) -> None:
        """Sample ``i`` (from :meth:`sample`), as the pose pass reaches it: kept for the
        search; once the pose pass is ``margin`` samples ahead of the search, the search
        stops decoding on its own and takes these."""
        with self._changed:
            if i < self._next:
                return
            self._offered[i] = sample
            if i >= self._next + self._margin * self._every:
                self.fed_ = True  # the pose pass is ahead: stop decoding twice
            self._changed.notify_all()

    def end_of_frames(self) -> None:
        """The pose pass has decoded every frame (a fed search can finish)."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def _search(self, i: int, small: Frame, scale: float) -> None:
        boxes = [_scaled(b, 1.0 / scale) for b in self._finder.detect(small)]
        self._samples.append((i, boxes))
        link_sample(self._tracks, i, boxes)
        if people_seen(self._tracks) > 1:
            self._several.set()

    @property
    def several_people(self) -> bool:
        """True as soon as the samples so far show more than one person (each on more than
        one sample): the search will then end with a person to follow, whatever comes next."""
        return self._several.is_set()

    def _claim(self, i: int) -> bool:
        """Take sample ``i`` from the search's own decoder (False: switch to the pass's)."""
        with self._changed:
            if self.fed_ or self._stop.is_set():
                return False
            self._next = i + self._every
            for old in [k for k in self._offered if k < self._next]:
                del self._offered[old]
            return True

    def _own_decoder(self) -> bool:
        """Samples from the search's own decoder; False if the pose pass caught up first."""
        frames = iter_mapped_frames(
            self._video, self._small, every=self._every, max_frames=self._max_samples
        )
        with closing(frames):
            for k, (small, scale) in enumerate(frames):
                if not self._claim(k * self._every):
                    return False
                self._search(k * self._every, small, scale)
        return True

    def _from_pose_pass(self) -> None:
        """Samples from the pose pass's decoding thread, in order, until it has ended."""
        while True:
            with self._changed:
                self._changed.wait_for(
                    lambda: self._next in self._offered or self._ended or self._stop.is_set()
                )
                if self._stop.is_set() or self._next not in self._offered:
                    return
                i = self._next
                small, scale = self._offered.pop(i)
                self._next = i + self._every
            self._search(i, small, scale)

    def _run(self) -> None:
        try:
            if not self._own or not self._own_decoder():
                self._from_pose_pass()
        except BaseException as exc:  # noqa: BLE001 - re-raised by samples()
            self._error = exc
        finally:
            self._finder.close()
            self._done.set()

    @property
    def done(self) -> bool:
        """True once every sample has been searched (or the search failed)."""
        return self._done.is_set()

    def samples(self) -> list[tuple[int, list[Box]]]:
        """(frame index, people's boxes in frame pixels) per sample; waits for the search."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._samples

    def stop(self) -> None:
        """End the search (if still running) and wait for its thread."""
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join()
