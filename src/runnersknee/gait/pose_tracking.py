"""Pose over every frame of a video: a fixed crop prepared on the decoding thread, or a crop
that follows one person, and the person search on sampled frames (:mod:`.person`).

The estimator is any :class:`~runnersknee.gait.pose.PoseEstimator` (default: the Tasks
backend, :func:`~runnersknee.gait.pose.new_estimator`). The frame-level parts (read-ahead,
the crop prepared on the decoding thread, landmarks per frame) are in :mod:`.pose_frames`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from typing import TYPE_CHECKING, Any, Self

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.keypoints import KeypointSeries
from runnersknee.gait.pose import (
    Box,
    Frame,
    PoseEstimator,
    expand_box,
    new_estimator,
    prepare_frame,
)
from runnersknee.gait.pose_frames import (
    LOOKAHEAD_BYTES,
    OWN_DECODER_MAX_FPS,
    FixedCropPreparation,
    FoundLandmarks,
    follow_person,
    lookahead_depth,
    search_decodes_on_its_own,
)
from runnersknee.gait.video import VideoInfo, iter_frames, iter_mapped_frames

if TYPE_CHECKING:
    from runnersknee.gait.person import FrameSink, PeopleFinder, PersonTrack
    from runnersknee.gait.person_search import PersonSearch

__all__ = [
    "LOOKAHEAD_BYTES",
    "OWN_DECODER_MAX_FPS",
    "PoseTracking",
    "lookahead_depth",
    "search_decodes_on_its_own",
]


class PoseTracking:
    """Run a pose estimator over every frame of a video, in a region of interest.

    Parameters
    ----------
    estimator
        A :class:`PoseEstimator` (default: a new Tasks estimator at the video's frame rate).
    roi
        Fixed region of interest (x, y, w, h) in upright-frame pixels, or None.
    person
        1-based person number, left to right in the first frame (see
        :func:`runnersknee.gait.person.detect_people`);
        the crop then follows that person's landmarks. None (and no ``roi``): people are
        found every ``sample_s`` seconds and, when more than one is seen, the one who crosses
        the frame is followed (:mod:`runnersknee.gait.person`).
    processing_width_px
        Crops wider than this are downscaled before inference (landmarks are mapped back).
    sample_s
        Sampling interval of the person search (0 switches the search off).
    people_finder
        What finds the people on the sampled frames (default: a
        :class:`~runnersknee.gait.person.PeopleDetector` for up to 3 people).
    search_own_decoder
        Whether the search decodes the video itself or takes its samples from the pose
        pass's decoding thread (default: by frame rate, :func:`search_decodes_on_its_own`).

    Attributes
    ----------
    keypoints_
        The raw :class:`KeypointSeries` (pixels of the upright frame).
    pose_seconds_
        Time spent inside the estimator.
    frames_
        Frames processed.
    selection_
        How the person was chosen (for provenance).
    estimator_info_
        The estimator's :meth:`~runnersknee.gait.pose.PoseEstimator.info`.
    redone_frames_
        Frames estimated on the whole frame before the search chose a person to follow,
        and estimated again in the crop around that person.
    """

    def __init__(
        self,
        estimator: PoseEstimator | None = None,
        roi: Box | None = None,
        person: int | None = None,
        processing_width_px: int = 640,
        sample_s: float = 0.5,
        *,
        people_finder: PeopleFinder | None = None,
        search_own_decoder: bool | None = None,
    ) -> None:
        self.estimator = estimator
        self.roi = roi
        self.person = person
        self.processing_width_px = processing_width_px
        self.sample_s = sample_s
        self.people_finder = people_finder
        self.search_own_decoder = search_own_decoder

    def get_params(self) -> dict[str, Any]:
        """Parameters for provenance."""
        return {
            "roi": list(self.roi) if self.roi else None,
            "person": self.person,
            "processing_width_px": self.processing_width_px,
            "sample_s": self.sample_s,
        }

    def _initial_roi(self, frame: Frame) -> Box | None:
        h, w = frame.shape[:2]
        roi = self.roi
        if roi is not None:
            x, y, rw, rh = roi
            if x + 16 > w or y + 16 > h:
                raise InvalidInput(
                    f"roi {roi} lies outside the {w}x{h} frame",
                    field="roi",
                    allowed=f"inside {w}x{h}",
                    got=list(roi),
                )
            roi = (x, y, min(rw, w - x), min(rh, h - y))
        if self.person is None:
            return roi
        base = frame if roi is None else frame[roi[1] : roi[1] + roi[3], roi[0] : roi[0] + roi[2]]
        from runnersknee.gait.person import detect_people

        people = detect_people(base)
        if not 1 <= self.person <= len(people):
            raise InvalidInput(
                f"person {self.person} requested but {len(people)} people were found "
                "in the first frame",
                field="person",
                allowed=f"1..{len(people)}" if people else "no person detected",
                got=self.person,
            )
        x, y, bw, bh = people[self.person - 1]
        if roi is not None:
            x, y = x + roi[0], y + roi[1]
        return expand_box((x, y, bw, bh), w, h, margin=0.25)

    def track(
        self,
        video: VideoInfo,
        *,
        progress: Callable[[int], None] | None = None,
        frame_sink: FrameSink | None = None,
    ) -> Self:
        """Estimate landmarks on every frame; return self.

        With a fixed crop (no ``person`` to follow) the frames are cropped, resized and
        converted to RGB on the decoding thread, overlapping with inference. By default the
        person search runs at the same time on its own thread, on samples the decoding
        thread hands over as it decodes them, ahead of inference
        (:class:`~runnersknee.gait.person_search.PersonSearch`). With one person in view the
        whole-frame pass stands. When the search has seen several people, the whole-frame
        pass stops as soon as the search is over (or has ended first) and the chosen person
        is followed from the start in a crop, by the estimator started afresh: the landmarks
        do not depend on how far the first pass got. ``frame_sink`` gets every frame of the
        final pass (on the decoding thread).
        """
        estimator = self.estimator or new_estimator("tasks", video.fps)
        found = FoundLandmarks(video.frame_count + 16)
        self.selection_: dict[str, Any] = {"mode": "roi" if self.roi else "person"}
        self.redone_frames_ = 0
        seconds = 0.0
        if self.person is None:
            found, seconds = self._search_and_follow(estimator, video, found, progress, frame_sink)
        else:
            self._track_person(estimator, video, found, progress, frame_sink)
        self.frames_ = found.n
        self.pose_seconds_ = seconds + found.seconds
        self.estimator_info_ = estimator.info()
        self.keypoints_ = KeypointSeries(
            xy_px=found.xy[: found.n],
            visibility=found.vis[: found.n],
            fps=video.fps,
            width_px=video.width_px,
            height_px=video.height_px,
            source=f"video:{video.path.name}",
        )
        return self

    def _search_and_follow(
        self,
        estimator: PoseEstimator,
        video: VideoInfo,
        found: FoundLandmarks,
        progress: Callable[[int], None] | None,
        frame_sink: FrameSink | None,
    ) -> tuple[FoundLandmarks, float]:
        """The whole-frame pass beside the person search, then, when several people were
        seen, the pass that follows the chosen one. Returns the final pass's landmarks and the
        inference seconds of the pass that was redone."""
        search = self._search(video, found.capacity)
        try:
            complete = self._fixed_crop_pass(
                estimator, video, found, progress, search=search, frame_sink=frame_sink
            )
            chosen = self._crossing_person(search.samples()) if search else None
        finally:
            if search is not None:
                search.stop()
        if chosen is None and not complete:  # several people seen means one is chosen
            raise RuntimeError("the person search stopped the pose pass but chose nobody")
        if chosen is None:
            return found, 0.0
        from runnersknee.gait.person import track_person

        seconds, self.redone_frames_ = found.seconds, found.n
        found = FoundLandmarks(found.capacity)
        estimator.close()  # start afresh: the crop pass must not depend on the first pass
        dropped = track_person(
            estimator,
            video,
            found,
            chosen,
            pad_frames=round(self.sample_s * video.fps),
            processing_width_px=self.processing_width_px,
            progress=progress,
            frame_sink=frame_sink,
        )
        self.selection_.update(dropped_frames=dropped, redone_frames=self.redone_frames_)
        return found, seconds

    def _search(self, video: VideoInfo, capacity: int) -> PersonSearch | None:
        """The person search, started (None with a fixed ROI or ``sample_s`` 0)."""
        if self.roi or self.sample_s <= 0:
            return None
        from runnersknee.gait.person import PeopleDetector
        from runnersknee.gait.person_search import PersonSearch

        finder = self.people_finder or PeopleDetector(max_people=3)
        every = max(1, round(self.sample_s * video.fps))
        own = self.search_own_decoder
        own = search_decodes_on_its_own(video) if own is None else own
        search = PersonSearch(video, finder, every=every, max_frames=capacity, own_decoder=own)
        return search.start()

    def _fixed_crop_pass(
        self,
        estimator: PoseEstimator,
        video: VideoInfo,
        found: FoundLandmarks,
        progress: Callable[[int], None] | None,
        *,
        search: PersonSearch | None,
        frame_sink: FrameSink | None,
    ) -> bool:
        """Estimate on every frame with a fixed crop (prepared on the decoding thread, which
        also hands the person search its samples, up to :func:`lookahead_depth` frames ahead
        of inference). Once the search has seen several people, this pass will be done again
        in the chosen person's crop: it stops estimating (and preparing) and goes on decoding
        only to feed the search until the search has finished (at once if the search decodes
        on its own). Returns whether every frame was estimated (when not, the progress is
        taken back to 0)."""
        prepare = FixedCropPreparation(
            self._initial_roi, self.processing_width_px, frame_sink, search
        )
        fed = search is not None and search.fed_
        depth = lookahead_depth(video, self.processing_width_px) if fed else 8
        estimating = True
        frames = iter_mapped_frames(video, prepare, max_frames=found.capacity, depth=depth)
        with closing(frames):
            for i, prepared in enumerate(frames):
                if search is not None:
                    estimating = estimating and not search.several_people
                    if not estimating and (search.done or not search.fed_):
                        break  # the search has chosen (or decodes on its own)
                if estimating and prepared:
                    found.estimate(estimator, i, prepared)
                    if progress is not None:
                        progress(1)
                else:
                    estimating = False
        if search is not None:
            search.end_of_frames()
        if not estimating and progress is not None:
            progress(-found.n)
        return estimating

    def _crossing_person(self, samples: list[tuple[int, list[Box]]]) -> PersonTrack | None:
        """The track of the person who crosses the frame, or None when one person (or
        nobody) was seen."""
        from runnersknee.gait.person import choose_person, link_tracks, people_seen

        tracks = link_tracks(samples)
        seen = people_seen(tracks)
        self.selection_ = {"mode": "whole frame", "people_seen": seen}
        chosen = choose_person(tracks) if seen > 1 else None
        if chosen is not None:
            self.selection_.update(mode="crosses the frame", track=chosen.to_dict())
        return chosen

    def _track_person(
        self,
        estimator: PoseEstimator,
        video: VideoInfo,
        found: FoundLandmarks,
        progress: Callable[[int], None] | None,
        frame_sink: FrameSink | None,
    ) -> None:
        crop: Box | None = None
        for i, frame in enumerate(iter_frames(video, max_frames=found.capacity)):
            if frame_sink is not None:
                frame_sink(i, frame)
            if i == 0:
                crop = self._initial_roi(frame)
            prepared = prepare_frame(frame, crop, self.processing_width_px)
            if found.estimate(estimator, i, prepared) and crop is not None:
                h, w = frame.shape[:2]
                crop = follow_person(crop, found.xy[i], found.vis[i], w, h)
            if progress is not None:
                progress(1)
