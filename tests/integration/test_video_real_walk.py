"""Real footage against a hand count: the Sports2D demo clip (a woman walking across the
frame, a second person in the background). Truth and how it was counted:
tests/data/video/sports2d_demo_walk.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from runnersknee.config import Settings
from runnersknee.services.video.analysis import VideoAnalysis, analyze_video
from tests.integration.real_clips import wheel_member

pytestmark = [pytest.mark.video, pytest.mark.slow]

TRUTH_FILE = Path(__file__).parents[1] / "data" / "video" / "sports2d_demo_walk.toml"


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return tomllib.loads(TRUTH_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def walk(truth: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> VideoAnalysis:
    requirement, _, member = str(truth["clip"]).partition(":")
    clip = wheel_member(requirement, member)
    return analyze_video(
        clip,
        view=truth["view"],
        task=truth["task"],
        settings=Settings(),
        out_dir=tmp_path_factory.mktemp("walk"),
    )


def test_follows_the_walker_not_the_person_in_the_background(walk: VideoAnalysis) -> None:
    selection = walk.document["provenance"]["person_selection"]
    assert selection["mode"] == "crosses the frame"
    assert selection["people_seen"] >= 2
    assert selection["track"]["travel_px"] > 800  # the walker crosses most of the 1768 px


def test_direction_of_travel(walk: VideoAnalysis, truth: dict[str, Any]) -> None:
    assert walk.document["direction"]["main"] == truth["direction"]


def test_contacts_within_two_frames_of_the_hand_count(
    walk: VideoAnalysis, truth: dict[str, Any]
) -> None:
    fps, tol = truth["fps"], truth["contact_tolerance_frames"]
    counted = truth["contact_frames"]
    kept = [s["ic_s"] * fps for s in walk.document["steps"]["detail"] if s["kept"]]
    inside = [f for f in kept if counted[0] - tol <= f <= counted[-1] + tol]
    assert len(inside) == len(counted), (inside, counted)  # none missed, none extra
    for frame, hand in zip(inside, counted, strict=True):
        assert abs(frame - hand) <= tol, (frame, hand)


def test_cadence_within_three_steps_per_minute(walk: VideoAnalysis, truth: dict[str, Any]) -> None:
    cadence = walk.document["metrics"]["cadence_spm"]
    assert cadence["withheld_reason"] is None
    assert cadence["value"] == pytest.approx(
        truth["cadence_spm"], abs=truth["cadence_tolerance_spm"]
    )
    assert cadence["n"] >= 4
    assert cadence["n"] + cadence["n_rejected"] == len(cadence["steps"])
    assert 0.0 < cadence["confidence"]["score"] <= 1.0


def test_every_metric_is_reported_or_withheld_with_a_reason(walk: VideoAnalysis) -> None:
    for name, metric in walk.document["metrics"].items():
        assert metric["unit"], name
        assert metric["convention"], name
        if metric["withheld_reason"] is None:
            assert metric["value"] is not None, name
            assert metric["confidence"]["score"] >= 0.3, name
        else:
            assert metric["value"] is None, name
    outputs = walk.outputs
    assert outputs["annotated_mp4"].stat().st_size > 10_000
