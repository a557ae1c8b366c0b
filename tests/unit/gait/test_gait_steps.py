"""Step screening, robust aggregation, honest confidence and direction of travel."""

from __future__ import annotations

import numpy as np
import pytest

from runnersknee.content.gait import load_gait_content
from runnersknee.gait import steps as st
from runnersknee.gait import synthetic
from runnersknee.gait.direction import detect_direction
from runnersknee.gait.events import Stance
from runnersknee.gait.keypoints import KeypointSeries
from runnersknee.gait.pipeline import GaitAnalysis


def analyse(kp: KeypointSeries, view: str = "sagittal", task: str = "run") -> GaitAnalysis:
    return GaitAnalysis(view=view, task=task).analyze(kp)


def test_robust_centre_and_spread_ignore_one_wild_value() -> None:
    med, spread = st.robust_centre_spread([96.0, 97.0, 98.0, 97.0, 150.0])
    assert med == 97.0
    assert spread == pytest.approx(1.4826)


def test_screen_values_rejects_implausible_outliers_and_missing() -> None:
    values = [st.StepValue(i * 0.6, "left", v) for i, v in enumerate([14, 15, 16, 13, -108, 15])]
    values.append(st.StepValue(4.0, "left", float("nan")))
    values.append(st.StepValue(4.6, "left", 40.0))  # plausible, but far from the others
    out = st.screen_values(values, (-45.0, 50.0), 3.5)
    reasons = [v.reason for v in out]
    assert reasons[4] == st.IMPLAUSIBLE
    assert reasons[6] == st.NO_VALUE
    assert reasons[7] == st.OUTLIER
    assert [v.value for v in out if v.reason is None] == [14, 15, 16, 13, 15]
    assert st.reason_counts(out) == {st.IMPLAUSIBLE: 1, st.NO_VALUE: 1, st.OUTLIER: 1}


def _screen(kp: KeypointSeries, stances: list[Stance], task: str = "walk") -> list[str | None]:
    content = load_gait_content()
    screening = st.StepScreening(content.steps, content.confidence.min_visibility)
    direction = detect_direction(kp)
    checks = screening.screen(kp, stances, task=task, view="sagittal", direction=direction).steps_
    return [c.reason for c in checks]


def test_screening_rejects_short_stance_and_too_soon_contacts() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=6.0)
    stances = [
        Stance("left", 1.0, 1.6),
        Stance("right", 1.55, 2.2),
        Stance("right", 1.65, 1.75),  # 0.1 s stance, 0.1 s after the right contact before
        Stance("left", 2.1, 2.7),
        Stance("right", 2.2, 2.8),  # 0.1 s after the left contact: walking steps are longer
    ]
    reasons = _screen(kp, stances)
    assert reasons[0] is None
    assert reasons[1] is None
    assert reasons[2] == st.SHORT_STANCE
    assert reasons[3] is None
    assert reasons[4] == st.TOO_SOON


def test_screening_rejects_steps_at_the_frame_edge_and_poorly_visible_limbs() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=4.0)
    xy, vis = kp.xy_px.copy(), kp.visibility.copy()
    i_edge, i_dim = round(1.0 * kp.fps), round(2.0 * kp.fps)
    xy[i_edge, :, 0] += 1000.0 - np.nanmax(xy[i_edge, :, 0]) - 2  # touches the right border
    vis[i_dim, 23::2] = 0.1  # left hip, knee, ankle, heel, toe hardly visible
    reasons = _screen(
        kp.replace(xy_px=xy, visibility=vis),
        [Stance("left", 1.0, None), Stance("left", 2.0, None), Stance("right", 2.5, None)],
        task="run",
    )
    assert reasons == [st.EDGE, st.POOR_VISIBILITY, None]


def test_spurious_contacts_do_not_move_the_cadence() -> None:
    """Garbage feet on the last second (a person leaving the frame): cadence stays true."""
    kp, truth = synthetic.running_sagittal(cadence_spm=160.0, duration_s=8.0)
    xy = kp.xy_px.copy()
    rng = np.random.default_rng(1)
    tail = slice(round(7.0 * kp.fps), None)
    xy[tail, 25:33, 0] += rng.normal(0.0, 60.0, xy[tail, 25:33, 0].shape)
    result = analyse(kp.replace(xy_px=xy)).result_
    cadence = result.metrics["cadence_spm"].overall
    assert cadence.withheld_reason is None
    assert cadence.value == pytest.approx(truth.cadence_spm, abs=1.0)
    document = result.to_dict()
    assert document["metrics"]["cadence_spm"]["n"] == cadence.n
    assert document["steps"]["kept"] + document["steps"]["rejected"] == len(
        document["steps"]["detail"]
    )


def test_confidence_falls_with_disagreement_and_small_person() -> None:
    same_knees = (0.0, 0.0)
    clean = analyse(synthetic.running_sagittal(knee_offset_deg=same_knees)[0]).result_
    noisy = analyse(synthetic.running_sagittal(knee_offset_deg=same_knees, noise_px=10.0)[0])
    small = analyse(synthetic.running_sagittal(knee_offset_deg=same_knees, body_px=120.0)[0])
    name = "knee_flexion_at_contact_deg"
    c_clean = clean.metrics[name].overall.confidence
    c_noisy = noisy.result_.metrics[name].overall.confidence
    c_small = small.result_.metrics[name].overall.confidence
    assert c_noisy.agreement < c_clean.agreement
    assert c_noisy.score < c_clean.score
    assert c_small.person_size < 1.0
    assert c_small.score < c_clean.score
    assert small.result_.person_height is not None
    assert clean.person_height is not None
    assert small.result_.person_height < clean.person_height


def test_few_steps_lower_confidence_and_withhold_below_the_minimum() -> None:
    long = analyse(synthetic.running_sagittal(duration_s=8.0)[0]).result_
    short = analyse(synthetic.running_sagittal(duration_s=2.2)[0]).result_
    cad_long = long.metrics["cadence_spm"].overall
    cad_short = short.metrics["cadence_spm"].overall
    assert cad_long.confidence.count_factor == 1.0
    assert cad_short.confidence.count_factor < 1.0
    knee = short.metrics["knee_flexion_at_contact_deg"].left
    assert knee is not None
    assert knee.withheld_reason is not None
    assert "at least 4 needed" in knee.withheld_reason


def test_view_mismatch_zeroes_confidence_with_a_reason() -> None:
    kp, _ = synthetic.running_frontal()
    result = analyse(kp, view="sagittal").result_
    for metric in result.metrics.values():
        assert metric.overall.confidence.score == 0.0
        assert "looks frontal" in (metric.overall.withheld_reason or "")


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_direction_of_travel_and_signed_angles(facing: float) -> None:
    kp, truth = synthetic.running_sagittal(
        facing=facing, speed_px_s=250.0, body_px=300.0, duration_s=3.0
    )
    analysis = analyse(kp)
    expected = "left_to_right" if facing > 0 else "right_to_left"
    assert analysis.direction_.main == expected
    trunk = analysis.result_.metrics["trunk_lean_deg"].overall
    assert trunk.value == pytest.approx(truth.per_side["trunk_lean_deg"]["left"], abs=1.0)


def test_treadmill_is_in_place_facing_the_feet() -> None:
    kp, _ = synthetic.running_sagittal(facing=-1.0)
    direction = detect_direction(kp)
    assert direction.main == "in_place"
    assert direction.main_facing == -1.0


def test_change_of_direction_splits_passes_and_keeps_signs() -> None:
    out, truth = synthetic.running_sagittal(
        facing=1.0, speed_px_s=250.0, body_px=300.0, duration_s=3.0, start_x_px=125.0
    )
    back, _ = synthetic.running_sagittal(
        facing=-1.0, speed_px_s=250.0, body_px=300.0, duration_s=3.0, start_x_px=875.0
    )
    kp = out.replace(
        xy_px=np.concatenate([out.xy_px, back.xy_px]),
        visibility=np.concatenate([out.visibility, back.visibility]),
    )
    analysis = analyse(kp)
    directions = [p.direction for p in analysis.direction_.passes]
    assert directions == ["left_to_right", "turning", "right_to_left"]
    passes = {c.pass_index for c in analysis.steps_ if c.kept}
    assert passes == {0, 2}
    trunk = analysis.result_.metrics["trunk_lean_deg"]
    assert trunk.overall.value == pytest.approx(truth.per_side["trunk_lean_deg"]["left"], abs=1.0)
    assert analysis.result_.to_dict()["direction"]["passes"][1]["direction"] == "turning"


def test_walk_task_is_accepted_and_uses_walking_limits() -> None:
    kp, truth = synthetic.running_sagittal(cadence_spm=100.0, duration_s=10.0)
    result = analyse(kp, task="walk").result_
    assert result.task == "walk"
    assert result.metrics["cadence_spm"].overall.value == pytest.approx(100.0, abs=1.0)
    # the same stepping read as running has implausible step times: nothing kept
    as_run = analyse(kp, task="run").result_
    assert as_run.metrics["cadence_spm"].overall.withheld_reason is not None
    assert truth.cadence_spm == 100.0


def test_walking_towards_the_camera_is_not_side_on() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=3.0, body_px=300.0)
    grow = np.linspace(1.0, 1.9, kp.n_frames)[:, None, None]  # ~30 % bigger per second
    centre = np.array([500.0, 500.0])
    xy = centre + (kp.xy_px - centre) * grow
    analysis = analyse(kp.replace(xy_px=xy))
    assert analysis.direction_.main == "towards_camera"
    assert all(c.reason == st.NOT_SIDE_ON for c in analysis.steps_)
    assert analysis.result_.metrics["cadence_spm"].withheld
