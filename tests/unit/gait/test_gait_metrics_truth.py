"""Metrics against a kinematic model with known values: < 1 step/min and < 1 degree."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from runnersknee.gait import synthetic
from runnersknee.gait.pipeline import GaitAnalysis


def analyse(kp, view: str, task: str):  # type: ignore[no-untyped-def]
    return GaitAnalysis(view=view, task=task).analyze(kp).result_


@pytest.mark.parametrize(
    ("cadence", "fps", "facing", "noise"),
    [(170.0, 60.0, 1.0, 0.0), (155.0, 30.0, -1.0, 0.0), (182.0, 120.0, 1.0, 1.0)],
)
def test_running_sagittal_metrics_match_truth(
    cadence: float, fps: float, facing: float, noise: float
) -> None:
    kp, truth = synthetic.running_sagittal(
        cadence_spm=cadence, fps=fps, facing=facing, noise_px=noise, knee_offset_deg=(0.0, 5.0)
    )
    result = analyse(kp, "sagittal", "run")
    assert result.status == "ok"
    assert result.metrics["cadence_spm"].overall.value == pytest.approx(cadence, abs=1.0)
    for name in (
        "knee_flexion_at_contact_deg",
        "knee_flexion_peak_stance_deg",
        "trunk_lean_deg",
        "foot_strike_angle_deg",
    ):
        for side in ("left", "right"):
            got = result.metrics[name].side(side)
            assert got is not None
            assert got.withheld_reason is None
            assert got.value == pytest.approx(truth.per_side[name][side], abs=1.0), (name, side)
    for side in ("left", "right"):
        got = result.metrics["overstride_ratio"].side(side)
        assert got is not None
        assert got.value == pytest.approx(truth.per_side["overstride_ratio"][side], abs=0.01)


def test_left_right_are_not_swapped() -> None:
    kp, truth = synthetic.running_sagittal(knee_offset_deg=(0.0, 8.0))
    m = analyse(kp, "sagittal", "run").metrics["knee_flexion_at_contact_deg"]
    assert m.right is not None
    assert m.left is not None
    assert m.right.value - m.left.value == pytest.approx(8.0, abs=0.5)
    assert (
        truth.per_side["knee_flexion_at_contact_deg"]["right"]
        > truth.per_side["knee_flexion_at_contact_deg"]["left"]
    )


def test_foot_strike_patterns_per_side() -> None:
    kp, _ = synthetic.running_sagittal(foot_ic_deg=(15.0, -8.0))
    m = analyse(kp, "sagittal", "run").metrics["foot_strike_angle_deg"]
    assert m.left is not None
    assert m.left.label == "rearfoot"
    assert m.right is not None
    assert m.right.label == "forefoot"


@pytest.mark.parametrize(("drop", "fppa"), [((6.0, 3.0), (8.0, -4.0)), ((-2.0, 7.5), (-6.0, 10.0))])
def test_running_frontal_pelvic_drop_and_fppa(
    drop: tuple[float, float], fppa: tuple[float, float]
) -> None:
    kp, truth = synthetic.running_frontal(pelvic_drop_deg=drop, fppa_deg=fppa, cadence_spm=176.0)
    result = analyse(kp, "frontal", "run")
    assert result.metrics["cadence_spm"].overall.value == pytest.approx(176.0, abs=1.0)
    for i, side in enumerate(("left", "right")):
        got_drop = result.metrics["pelvic_drop_deg"].side(side)
        got_fppa = result.metrics["fppa_stance_deg"].side(side)
        assert got_drop is not None
        assert got_fppa is not None
        assert got_drop.value == pytest.approx(drop[i], abs=1.0)
        assert got_fppa.value == pytest.approx(fppa[i], abs=1.0)
        assert np.sign(got_fppa.value) == np.sign(fppa[i])
        assert truth.per_side["pelvic_drop_deg"][side] == drop[i]


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("fppa", [14.0, -6.0], ids=["valgus", "varus"])
@pytest.mark.parametrize("task", ["squat", "step-down"])
def test_single_leg_fppa_per_repetition(side: str, fppa: float, task: str) -> None:
    kp, truth = synthetic.single_leg_squat(stance_side=side, fppa_deg=fppa, repetitions=4)  # type: ignore[arg-type]
    result = analyse(kp, "frontal", task)
    metric = result.metrics["fppa_deg"]
    got = metric.side(side)
    other = metric.side("right" if side == "left" else "left")
    assert got is not None
    assert got.withheld_reason is None
    assert got.n == 4
    assert got.value == pytest.approx(fppa, abs=1.0)
    assert all(v == pytest.approx(fppa, abs=1.0) for v in got.per_step)
    assert other is not None
    assert other.withheld_reason is not None
    assert result.metrics["repetitions"].overall.value == 4
    depth = result.metrics["depth_ratio"].side(side)
    assert depth is not None
    assert depth.value == pytest.approx(truth.per_side["depth_ratio"][side], abs=0.01)
    lean = result.metrics["lateral_trunk_lean_deg"].side(side)
    assert lean is not None
    assert lean.value == pytest.approx(5.0, abs=1.0)
    kinds = {b.kind for b in metric.bands}
    assert kinds == {"sem", "sdd"}


def test_fppa_withheld_with_fewer_than_three_repetitions() -> None:
    kp, _ = synthetic.single_leg_squat(repetitions=2)
    result = analyse(kp, "frontal", "squat")
    fppa = result.metrics["fppa_deg"]
    assert fppa.withheld
    assert "at least 3" in (fppa.overall.withheld_reason or "")
    assert fppa.to_dict()["value"] is None


def test_wrong_view_withholds_everything_with_reason() -> None:
    kp, _ = synthetic.running_frontal()
    result = analyse(kp, "sagittal", "run")
    assert result.status == "no_reliable_result"
    assert not result.view_check.ok
    assert all(m.withheld for m in result.metrics.values())
    assert any("looks frontal" in r for r in result.reasons())


def test_poor_visibility_withholds() -> None:
    kp, _ = synthetic.running_sagittal()
    kp = kp.replace(visibility=np.full_like(kp.visibility, 0.35))
    result = analyse(kp, "sagittal", "run")
    reason = result.metrics["knee_flexion_at_contact_deg"].overall.withheld_reason or ""
    assert "poorly visible" in reason
    assert result.metrics["cadence_spm"].overall.confidence.score < 0.5


def test_no_person_gives_no_reliable_result() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=2.0)
    empty = kp.replace(
        xy_px=np.full_like(kp.xy_px, np.nan), visibility=np.zeros_like(kp.visibility)
    )
    result = analyse(empty, "sagittal", "run")
    assert result.status == "no_reliable_result"
    assert result.frames_with_person == 0
    assert "no person was detected in the video" in result.reasons()


def test_confidence_tracks_count() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=1.6)  # a handful of steps only
    m = analyse(kp, "sagittal", "run").metrics["knee_flexion_at_contact_deg"]
    assert m.left is not None
    assert m.left.withheld_reason is not None
    assert m.left.confidence.n < m.left.confidence.min_n
    assert 0 < m.left.confidence.score < 1


def test_provenance_records_parameters() -> None:
    from runnersknee.gait.signals import SignalProcessing

    kp, _ = synthetic.running_sagittal(duration_s=3.0)
    g = GaitAnalysis("sagittal", "run", signals=SignalProcessing(cutoff_hz=8.0)).analyze(kp)
    params = g.result_.provenance["pipeline"]["params"]
    assert params["signals"]["cutoff_hz"] == 8.0
    assert params["signals"]["filter_order"] == 4
    assert "numpy" in g.result_.provenance["pipeline"]["versions"]
    doc = g.result_.to_dict()
    assert set(doc["metrics"]["cadence_spm"]) >= {
        "value",
        "unit",
        "sd",
        "n",
        "error",
        "confidence",
        "withheld_reason",
    }
    assert dataclasses.is_dataclass(g.result_)
