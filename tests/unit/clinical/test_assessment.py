"""Assessment values: ranges, step-down scoring, HHD units, FPI categories, video metrics."""

from __future__ import annotations

import pytest

from runnersknee.clinical.assessment import (
    Assessment,
    FootPosture,
    ForceUnit,
    HhdMeasurement,
    KneeMedialPosition,
    LimbSide,
    Movement,
    SideMeasures,
    StepDown,
    StrengthTest,
    apply_video_metrics,
)
from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.care.case_io import validate_as


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: HhdMeasurement(test=StrengthTest.HIP_ABDUCTION, force=-5), "force"),
        (lambda: FootPosture(fpi6_total=15), "fpi6_total"),
        (lambda: Movement(fppa_sls_deg=400), "fppa_sls_deg"),
        (lambda: StepDown(score=7), "score"),
        (lambda: FootPosture(navicular_drop_mm=-1), "navicular_drop_mm"),
    ],
)
def test_out_of_range_measurements_are_refused(build, field):
    with pytest.raises(InvalidInput) as err:
        build()
    assert err.value.field == field


def test_step_down_total_from_criteria_and_bands():
    sd = StepDown(
        arm_strategy_fault=True,
        trunk_lean_fault=False,
        pelvis_fault=True,
        knee_position=KneeMedialPosition.MEDIAL_TO_FOOT_BORDER,
        unsteady_stance_fault=False,
    )
    assert sd.total == 4
    assert sd.band == "poor"
    assert StepDown(score=1).band == "good"
    assert StepDown(score=2).band == "moderate"
    assert StepDown(score=3).band == "moderate"


def test_step_down_needs_score_or_all_criteria_and_they_must_agree():
    with pytest.raises(InvalidInput):
        StepDown(arm_strategy_fault=True)
    with pytest.raises(InvalidInput, match="does not match"):
        StepDown(
            score=0,
            arm_strategy_fault=True,
            trunk_lean_fault=False,
            pelvis_fault=False,
            knee_position=KneeMedialPosition.NONE,
            unsteady_stance_fault=False,
        )


def test_hhd_units_and_normalisation():
    kg = HhdMeasurement(
        test=StrengthTest.HIP_ABDUCTION, force=10, unit=ForceUnit.KG, lever_arm_m=0.8
    )
    assert kg.force_n == pytest.approx(98.0665)
    assert kg.percent_body_weight(50) == pytest.approx(20.0)
    assert kg.torque_nm_per_kg(50) == pytest.approx(98.0665 * 0.8 / 50)
    newton = HhdMeasurement(test=StrengthTest.HIP_ABDUCTION, force=98.0665)
    assert newton.force_kg == pytest.approx(10.0)
    assert newton.torque_nm_per_kg(50) is None


@pytest.mark.parametrize(
    ("total", "category"),
    [
        (12, "highly pronated"),
        (10, "highly pronated"),
        (9, "pronated"),
        (6, "pronated"),
        (5, "normal"),
        (0, "normal"),
        (-1, "supinated"),
        (-4, "supinated"),
        (-5, "highly supinated"),
        (-12, "highly supinated"),
    ],
)
def test_fpi6_categories_redmond(total, category):
    assert FootPosture(fpi6_total=total).fpi6_category == category


def test_strength_lists_a_test_once_per_side():
    m = HhdMeasurement(test=StrengthTest.HIP_ABDUCTION, force=100)
    with pytest.raises(InvalidInput):
        SideMeasures(strength=(m, m))


def test_apply_video_metrics_fills_running_and_side_values_only():
    base = Assessment()
    out = apply_video_metrics(
        base,
        {
            "cadence_spm": 164.0,
            "fppa_deg": 12.0,
            "pelvic_drop_deg": 6.5,
            "overstride": 1.0,
            "fppa_sls_deg": 15.0,
            "some_future_metric": 3.0,
        },
        "left",
    )
    assert out.running.cadence_spm == 164.0
    assert out.running.overstride is True
    assert out.left.fppa_running_deg == 12.0
    assert out.left.pelvic_drop_deg == 6.5
    assert out.left.movement.fppa_sls_deg == 15.0
    assert out.right == base.right
    assert base.running.cadence_spm is None  # the input is not changed


@pytest.mark.parametrize(
    ("metrics", "side"),
    [
        ({"cadence_spm": 400.0}, "left"),
        ({"fppa_deg": float("nan")}, "left"),
        ({"cadence_spm": 170.0}, "middle"),
    ],
)
def test_apply_video_metrics_checks_values_and_side(metrics, side):
    with pytest.raises(InvalidInput):
        apply_video_metrics(Assessment(), metrics, side)


def test_assessment_parses_with_pydantic_and_rejects_unknown_keys():
    data = {
        "left": {
            "movement": {"step_down": {"score": 2}, "fppa_sls_deg": 14},
            "strength": [{"test": "hip_abduction", "force": 12, "unit": "kg"}],
        },
        "function": {"usual_pain_nprs": 2},
    }
    parsed = validate_as(Assessment, data, prefix="assessment")
    assert parsed.side(LimbSide.LEFT).movement.step_down == StepDown(score=2)
    assert parsed.left.strength[0].unit is ForceUnit.KG
    with pytest.raises(InvalidInput, match="unknown field"):
        validate_as(Assessment, {"left": {"colour": "red"}}, prefix="assessment")
    with pytest.raises(InvalidInput) as err:
        validate_as(Assessment, {"left": {"foot": {"fpi6_total": 15}}}, prefix="assessment")
    assert "fpi6_total" in (err.value.field or "")
