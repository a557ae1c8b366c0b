"""Gait content (error bands with citations), keypoint files and the assessment hand-off."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.content import load_citations
from runnersknee.content.gait import load_filming_guide, load_gait_content
from runnersknee.gait import synthetic
from runnersknee.gait.handoff import assessment_fields, assessment_fields_for_side
from runnersknee.gait.keypoint_io import read_keypoints, write_keypoints_csv, write_keypoints_json
from runnersknee.gait.keypoints import LANDMARKS, LEFT_RIGHT_PAIRS, index_of
from runnersknee.gait.pipeline import GaitAnalysis


def test_fppa_error_bands_are_the_knowledge_base_values() -> None:
    spec = load_gait_content().metric("fppa_deg")
    bands = {(b.kind, b.citation_ids): (b.low, b.high, b.verified) for b in spec.bands}
    assert bands[("sem", ("MUNRO-2012",))] == (2.72, 3.01, True)
    assert bands[("sdd", ("MUNRO-2012",))] == (7.54, 8.93, True)
    assert bands[("sem", ("GWYNNE-2014",))] == (2.0, 4.0, True)
    assert spec.min_count == 3  # mean of 3 trials (KB 3.3)


def test_every_citation_resolves_and_unverified_defaults_are_flagged() -> None:
    content = load_gait_content()
    registry = load_citations()
    for spec in content.metrics.values():
        assert set(spec.citation_ids) <= set(registry)
        for band in spec.bands:
            assert set(band.citation_ids) <= set(registry)
    assert content.confidence.verified is False
    assert content.foot_strike.verified is False
    assert registry["ALTMAN-DAVIS-2012"].verified is False


def test_confidence_override_checks_names() -> None:
    content = load_gait_content().with_confidence(min_steps=6)
    assert content.confidence.min_steps == 6
    with pytest.raises(InvalidInput):
        load_gait_content().with_confidence(bogus=1)


def test_foot_strike_classification() -> None:
    fs = load_gait_content().foot_strike
    assert fs.classify(20) == "rearfoot"
    assert fs.classify(3) == "midfoot"
    assert fs.classify(-10) == "forefoot"


def test_filming_guide_mentions_the_essentials() -> None:
    text = load_filming_guide()
    for word in ("60 frames per second", "hip height", "Clothing", "behind", "front"):
        assert word in text


def test_landmark_pairs_mirror_each_other() -> None:
    assert len(LANDMARKS) == 33
    for left, right in LEFT_RIGHT_PAIRS:
        assert left.removeprefix("left_") == right.removeprefix("right_")
        assert right in LANDMARKS
        if index_of(left) >= index_of("left_shoulder"):  # body landmarks alternate L, R
            assert index_of(right) == index_of(left) + 1
    with pytest.raises(InvalidInput):
        index_of("left_tail")


@pytest.mark.parametrize("writer", [write_keypoints_csv, write_keypoints_json])
def test_keypoint_file_round_trip(tmp_path: Path, writer) -> None:  # type: ignore[no-untyped-def]
    kp, _ = synthetic.running_sagittal(duration_s=2.0)
    xy = kp.xy_px.copy()
    xy[5, 3] = np.nan
    kp = kp.replace(xy_px=xy)
    path = tmp_path / ("k.csv" if writer is write_keypoints_csv else "k.json")
    writer(kp, path)
    back = read_keypoints(path)
    assert back.n_frames == kp.n_frames
    assert back.fps == pytest.approx(60.0, rel=1e-3)
    assert np.isnan(back.xy_px[5, 3]).all()
    assert np.nanmax(np.abs(back.xy_px - kp.xy_px)) < 0.01


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("a.csv", "frame,time_s\n0,0\n1,0.1\n", "missing column"),
        ("a.json", "{not json", "not a keypoint JSON"),
        ("a.txt", "x", ".csv or .json"),
        ("a.csv", "", "empty"),
    ],
)
def test_bad_keypoint_files_are_refused(
    tmp_path: Path, name: str, content: str, fragment: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(InvalidInput, match=fragment):
        read_keypoints(path)


def test_handoff_names_for_squat_and_running() -> None:
    kp, _ = synthetic.single_leg_squat(stance_side="right", fppa_deg=11.0)
    result = GaitAnalysis("frontal", "squat").analyze(kp).result_
    flat = assessment_fields(result)
    assert flat["fppa_deg_right"] == pytest.approx(11.0, abs=1.0)
    assert "fppa_deg_left" not in flat  # withheld values never appear
    side = assessment_fields_for_side(result, "right")
    assert side["fppa_sls_deg"] == pytest.approx(11.0, abs=1.0)

    kp, _ = synthetic.running_frontal(pelvic_drop_deg=(5.0, 2.0))
    result = GaitAnalysis("frontal", "run").analyze(kp).result_
    flat = assessment_fields(result)
    assert flat["pelvic_drop_deg_left"] == pytest.approx(5.0, abs=1.0)
    assert flat["cadence_spm"] == pytest.approx(172.0, abs=1.0)
    assert assessment_fields_for_side(result, "left")["pelvic_drop_deg"] == pytest.approx(
        5.0, abs=1.0
    )
    with pytest.raises(InvalidInput):
        assessment_fields_for_side(result, "middle")


def test_handoff_feeds_the_assessment_model() -> None:
    assessment_mod = pytest.importorskip("runnersknee.clinical.assessment")
    kp, _ = synthetic.single_leg_squat(stance_side="left", fppa_deg=9.0)
    result = GaitAnalysis("frontal", "step-down").analyze(kp).result_
    fields = assessment_fields_for_side(result, "left")
    assert "fppa_step_down_deg" in fields
    assert callable(getattr(assessment_mod, "apply_video_metrics", None))
