"""Angle math and sign conventions (docs/angle-conventions.md), left and right."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.gait import kinematics as kin


def pts(*xy: tuple[float, float]) -> list[np.ndarray]:
    return [np.array([p], dtype=float) for p in xy]


def test_knee_flexion_zero_when_straight_and_90_at_right_angle() -> None:
    hip, knee, ankle = pts((0, 0), (0, 100), (0, 200))
    assert kin.knee_flexion_deg(hip, knee, ankle)[0] == pytest.approx(0.0)
    hip, knee, ankle = pts((0, 0), (0, 100), (-100, 100))
    assert kin.knee_flexion_deg(hip, knee, ankle)[0] == pytest.approx(90.0)


@pytest.mark.parametrize("side_sign", [-1.0, 1.0], ids=["leg-on-image-left", "leg-on-image-right"])
@pytest.mark.parametrize("knee_towards_midline", [True, False], ids=["valgus", "varus"])
def test_fppa_sign_follows_knee_relative_to_midline(
    side_sign: float, knee_towards_midline: bool
) -> None:
    # this hip at x = 100*side_sign, the other hip at the opposite side: midline is x = 0
    hip = np.array([[100 * side_sign, 0.0]])
    other = np.array([[-100 * side_sign, 0.0]])
    ankle = np.array([[100 * side_sign, 200.0]])
    shift = -10 * side_sign if knee_towards_midline else 10 * side_sign
    knee = np.array([[100 * side_sign + shift, 100.0]])
    value = kin.fppa_deg(hip, knee, ankle, other)[0]
    expected = 2 * np.degrees(np.arctan(10 / 100))
    assert value == pytest.approx(expected if knee_towards_midline else -expected)


@settings(derandomize=True, max_examples=60)
@given(
    offset=st.floats(-40, 40),
    dx=st.floats(-500, 500),
    mirror=st.booleans(),
)
def test_fppa_invariant_to_translation_and_mirroring(
    offset: float, dx: float, mirror: bool
) -> None:
    hip, knee, ankle, other = (
        np.array([[x, y]]) for x, y in ((50, 0), (50 + offset, 100), (50, 200), (-50, 0))
    )
    base = kin.fppa_deg(hip, knee, ankle, other)[0]
    f = -1.0 if mirror else 1.0
    moved = [np.array([[f * p[0, 0] + dx, p[0, 1]]]) for p in (hip, knee, ankle, other)]
    assert kin.fppa_deg(*moved)[0] == pytest.approx(base, abs=1e-9)


@pytest.mark.parametrize("stance_on_left_of_image", [True, False])
def test_pelvic_drop_positive_when_swing_hip_is_lower(stance_on_left_of_image: bool) -> None:
    sx = 0.0 if stance_on_left_of_image else 100.0
    stance = np.array([[sx, 100.0]])
    swing = np.array([[100.0 - sx, 100.0 + 100.0 * np.tan(np.radians(5))]])  # lower in image
    assert kin.pelvic_drop_deg(stance, swing)[0] == pytest.approx(5.0)
    assert kin.pelvic_drop_deg(swing, stance)[0] == pytest.approx(-5.0)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_trunk_forward_lean_positive_towards_travel(facing: float) -> None:
    hip = np.array([[0.0, 100.0]])
    shoulder = np.array([[facing * 100 * np.tan(np.radians(10)), 0.0]])
    assert kin.trunk_forward_lean_deg(hip, shoulder, facing)[0] == pytest.approx(10.0)
    assert kin.trunk_forward_lean_deg(hip, shoulder, -facing)[0] == pytest.approx(-10.0)


@pytest.mark.parametrize("facing", [1.0, -1.0])
def test_foot_angle_positive_when_toes_up(facing: float) -> None:
    heel = np.array([[0.0, 100.0]])
    toe = np.array([[facing * 100.0, 100.0 - 100 * np.tan(np.radians(12))]])
    assert kin.foot_angle_deg(heel, toe, facing)[0] == pytest.approx(12.0)
    assert kin.facing_sign(heel, toe) == facing


def test_lateral_trunk_lean_positive_towards_stance_side() -> None:
    hip_mid = np.array([[0.0, 100.0]])
    stance, swing = np.array([[-50.0, 100.0]]), np.array([[50.0, 100.0]])
    shoulder = np.array([[-100 * np.tan(np.radians(7)), 0.0]])
    assert kin.lateral_trunk_lean_deg(hip_mid, shoulder, stance, swing)[0] == pytest.approx(7.0)
    assert kin.lateral_trunk_lean_deg(hip_mid, shoulder, swing, stance)[0] == pytest.approx(-7.0)


def test_knee_medial_offset_in_hip_widths() -> None:
    this_hip, other_hip = np.array([[0.0, 0.0]]), np.array([[200.0, 0.0]])
    knee, ankle = np.array([[20.0, 100.0]]), np.array([[0.0, 200.0]])
    assert kin.knee_medial_offset(knee, ankle, this_hip, other_hip)[0] == pytest.approx(0.1)
    mirrored = [np.array([[-p[0, 0], p[0, 1]]]) for p in (knee, ankle, this_hip, other_hip)]
    assert kin.knee_medial_offset(*mirrored)[0] == pytest.approx(0.1)
