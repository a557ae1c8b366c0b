"""Frame reading with the per-frame preparation on the decoding thread, and PoseTracking's
mapping of landmarks back to frame pixels (a fake estimator; no pose model needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.keypoints import LANDMARKS
from runnersknee.gait.pose import prepare_frame
from runnersknee.gait.pose_tracking import PoseTracking
from runnersknee.gait.video import iter_frames, iter_mapped_frames, probe_video

N_FRAMES = 12


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    """320x240 MJPG frames whose grey level is 20 x the frame number."""
    path = tmp_path / "grey.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (320, 240))
    for i in range(N_FRAMES):
        writer.write(np.full((240, 320, 3), 20 * i, dtype=np.uint8))
    writer.release()
    return path


def test_transform_runs_on_every_frame_in_order(clip: Path) -> None:
    info = probe_video(clip, max_seconds=60)
    levels = list(iter_mapped_frames(info, lambda f: round(float(f.mean()) / 20)))
    assert levels == list(range(N_FRAMES))
    assert len(list(iter_frames(info, max_frames=5))) == 5


def test_kept_frames_keep_their_pixels_while_mapped_frames_share_one_array(clip: Path) -> None:
    info = probe_video(clip, max_seconds=60)
    kept = list(iter_frames(info))  # new arrays: each keeps its own frame
    assert [round(float(f.mean()) / 20) for f in kept] == list(range(N_FRAMES))
    addresses = set(iter_mapped_frames(info, lambda f: f.__array_interface__["data"][0]))
    assert len(addresses) == 1  # decoded into the same array (no fresh memory per frame)


def test_prepared_images_share_no_memory_with_the_frame() -> None:
    frame = np.random.default_rng(1).integers(0, 255, (240, 320, 3), dtype=np.uint8)
    for crop, width in [(None, 100), (None, 640), ((10, 10, 50, 60), 640)]:
        rgb = prepare_frame(frame, crop, width)[0]
        assert not np.shares_memory(rgb, frame)
        if width == 640:  # not resized: the crop's pixels, as RGB
            x, y, w, h = crop or (0, 0, 320, 240)
            assert np.array_equal(rgb, frame[y : y + h, x : x + w, ::-1])
    small = cv2.resize(frame, (100, 75))
    assert np.array_equal(prepare_frame(frame, None, 100)[0], small[..., ::-1])


def test_transform_error_is_raised_to_the_consumer(clip: Path) -> None:
    def fail_on_third(frame: Any) -> int:
        level = round(float(frame.mean()) / 20)
        if level == 3:
            raise ValueError("bad frame 3")
        return level

    seen: list[int] = []
    with pytest.raises(ValueError, match="bad frame 3"):
        seen.extend(iter_mapped_frames(probe_video(clip, max_seconds=60), fail_on_third))
    assert seen == [0, 1, 2]


def test_prepare_frame_crops_scales_and_converts_to_rgb() -> None:
    frame = np.zeros((240, 320, 3), dtype=np.uint8)
    frame[..., 0] = 255  # blue in BGR
    rgb, scale, x0, y0 = prepare_frame(frame, (40, 20, 200, 160), 100)
    assert rgb.shape == (80, 100, 3)
    assert (scale, x0, y0) == (0.5, 40, 20)
    assert rgb[..., 2].min() == 255
    assert rgb[..., 0].max() == 0
    assert rgb.flags["C_CONTIGUOUS"]


class FixedEstimator:
    """Puts every landmark at (10, 5) of the image it is given; records the image sizes."""

    name = "fixed"

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def estimate(self, image_rgb: Any) -> Any:
        self.shapes.append(image_rgb.shape)
        xy = np.tile([10.0, 5.0], (len(LANDMARKS), 1))
        return xy, np.full(len(LANDMARKS), 0.9)

    def info(self) -> dict[str, Any]:
        return {"backend": self.name}

    def close(self) -> None:
        """Nothing to release."""


def test_tracking_maps_landmarks_back_through_roi_and_scale(clip: Path) -> None:
    info = probe_video(clip, max_seconds=60)
    fake = FixedEstimator()
    tracking = PoseTracking(fake, roi=(40, 20, 200, 160), processing_width_px=100).track(info)
    kp = tracking.keypoints_
    assert tracking.frames_ == kp.n_frames == N_FRAMES
    assert set(fake.shapes) == {(80, 100, 3)}
    assert np.allclose(kp.xy_px[:, :, 0], 10 / 0.5 + 40)
    assert np.allclose(kp.xy_px[:, :, 1], 5 / 0.5 + 20)
    assert np.allclose(kp.visibility, 0.9)
    assert tracking.pose_seconds_ >= 0.0


def test_roi_outside_the_frame_is_refused_from_the_decoding_thread(clip: Path) -> None:
    tracking = PoseTracking(FixedEstimator(), roi=(400, 10, 50, 50))
    with pytest.raises(InvalidInput, match="outside the 320x240 frame"):
        tracking.track(probe_video(clip, max_seconds=60))
