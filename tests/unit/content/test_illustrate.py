"""The stick-figure renderer: joint-angle geometry, SVG validity and input checking."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.errors import ContentError
from runnersknee.content.illustrate.pose import pose_joints
from runnersknee.content.illustrate.scene import (
    ANGLE_NAMES,
    Keyframe,
    Prop,
    Scene,
    scene_from_mapping,
)
from runnersknee.content.illustrate.svg import render_svg

SVG = "{http://www.w3.org/2000/svg}"


def frame(**angles: float) -> Keyframe:
    return Keyframe(tuple(sorted(angles.items())))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, abs_tol=1e-9)


def test_standing_pose_stands_on_the_floor_with_head_on_top() -> None:
    joints = pose_joints(frame())
    assert close(min(p[2] for p in joints.values()), 0.0)
    assert joints["head"][2] > joints["neck"][2] > joints["pelvis"][2] > joints["r_knee"][2]
    assert close(joints["r_knee"][0], joints["r_hip"][0])
    assert joints["l_hip"][1] > joints["r_hip"][1]  # y points to the person's left
    assert joints["r_toe"][0] > joints["r_ankle"][0]  # feet point forward (+x)


def test_hip_flexion_90_puts_the_thigh_forward_at_hip_height() -> None:
    joints = pose_joints(frame(r_hip_flex=90))
    thigh = [k - h for k, h in zip(joints["r_knee"], joints["r_hip"], strict=True)]
    assert close(thigh[0], 0.44)
    assert close(thigh[2], 0.0)


def test_knee_flexion_moves_the_ankle_behind_the_knee() -> None:
    joints = pose_joints(frame(r_knee_flex=90))
    assert close(joints["r_ankle"][2], joints["r_knee"][2])
    assert joints["r_ankle"][0] < joints["r_knee"][0]


def test_forward_pitch_with_matching_hip_flexion_keeps_the_legs_vertical() -> None:
    joints = pose_joints(frame(pitch=30, r_hip_flex=30))
    assert close(joints["r_knee"][0], joints["r_hip"][0])
    assert joints["neck"][0] > joints["pelvis"][0]  # trunk leans forward


def test_roll_minus_90_lies_on_the_right_side_left_side_up() -> None:
    joints = pose_joints(frame(roll=-90))
    assert joints["l_hip"][2] > joints["r_hip"][2]
    assert close(joints["neck"][2], joints["pelvis"][2])


def test_leg_twist_turns_the_knee_outward_about_the_hip_ankle_line() -> None:
    bent = {"roll": -90.0, "l_hip_flex": 45.0, "l_knee_flex": 90.0}
    before = pose_joints(Keyframe(tuple(sorted(bent.items())), "pelvis", (0.0, 0.0, 0.0)))
    after = pose_joints(
        Keyframe(tuple(sorted({**bent, "l_leg_twist": 40.0}.items())), "pelvis", (0.0, 0.0, 0.0))
    )
    assert after["l_knee"][2] > before["l_knee"][2] + 0.05  # top knee opens upward
    for axis in range(3):
        assert math.isclose(after["l_ankle"][axis], before["l_ankle"][axis], abs_tol=1e-9)


def test_anchor_places_the_named_joint() -> None:
    joints = pose_joints(Keyframe((), "r_ankle", (1.0, 2.0, 0.3)))
    assert joints["r_ankle"] == pytest.approx((1.0, 2.0, 0.3))


def test_render_has_accessible_title_and_escapes_text() -> None:
    scene = Scene(title="Squat <deep> & slow", description="A & B", keyframes=(frame(),))
    root = ET.fromstring(render_svg(scene))
    assert root.tag == f"{SVG}svg"
    assert root.findtext(f"{SVG}title") == "Squat <deep> & slow"
    assert root.findtext(f"{SVG}desc") == "A & B"
    assert root.get("role") == "img"


def test_render_is_deterministic_and_draws_ghost_keyframes_faint() -> None:
    scene = Scene("Bend", "bend", (frame(), frame(r_knee_flex=60)))
    svg = render_svg(scene)
    assert svg == render_svg(scene)
    assert svg.count('<g opacity="0.3">') == 1
    assert svg.count('<g opacity="1">') == 1


def test_render_refuses_a_scene_without_keyframes() -> None:
    with pytest.raises(ContentError):
        render_svg(Scene("Empty", "", ()))


angle_values = st.floats(min_value=-120, max_value=120, allow_nan=False)


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(ANGLE_NAMES)), angle_values, max_size=8))
def test_any_pose_renders_inside_the_viewbox(angles: dict[str, float]) -> None:
    svg = render_svg(Scene("Pose", "random pose", (Keyframe(tuple(sorted(angles.items()))),)))
    root = ET.fromstring(svg)
    width, height = (float(v) for v in (root.get("viewBox") or "").split()[2:])
    assert width == 320
    assert 150 <= height <= 280
    for name, value in re.findall(r' (x1|x2|cx|y1|y2|cy)="(-?[\d.]+)"', svg):
        limit = width if name.startswith(("x", "c")) and name != "cy" else height
        assert -0.1 <= float(value) <= limit + 0.1, (name, value)


def test_a_lying_figure_gets_a_shorter_picture_and_arms_are_thinner_than_legs() -> None:
    lying = render_svg(Scene("Lie", "lying", (frame(pitch=-90),)))
    standing = render_svg(Scene("Stand", "standing", (frame(),)))
    heights = [float(ET.fromstring(s).get("height") or 0) for s in (lying, standing)]
    assert heights[0] < heights[1]
    widths = {float(w) for w in re.findall(r'stroke-width="([\d.]+)" stroke-linecap', standing)}
    assert len(widths) == 2  # legs and trunk at full width, arms at a share of it
    assert max(widths) >= 9


def test_labels_sit_above_or_below_their_joint() -> None:
    props = (Prop("label", joint="r_knee", text="knee"), Prop("label", joint="r_toe", text="toe",
             place="below"))  # fmt: skip
    svg = render_svg(Scene("Stand", "standing", (frame(),), props))
    knee_y = float(re.findall(r'<text x="[\d.]+" y="([\d.]+)"', svg)[0])
    toe_y = float(re.findall(r'<text x="[\d.]+" y="([\d.]+)"', svg)[1])
    assert toe_y > knee_y
    assert 'paint-order="stroke"' in svg  # a white halo keeps the words readable on lines
    with pytest.raises(ContentError):
        scene_from_mapping(
            {"keyframe": [{}], "prop": [{"kind": "label", "text": "x", "place": "left"}]},
            title="T",
            slug="t",
        )


def test_scene_from_mapping_reads_keyframes_props_and_camera() -> None:
    scene = scene_from_mapping(
        {
            "desc": "d",
            "azimuth_deg": 90,
            "keyframe": [{"r_hip_flex": 30, "anchor": "r_ankle", "anchor_at": [0, 0, 0.2]}],
            "prop": [{"kind": "box", "at": [0, 0, 0], "size": [0.3, 0.3, 0.2]}],
        },
        title="T",
        slug="t",
    )
    assert scene.azimuth_deg == 90
    assert scene.keyframes[0].angle("r_hip_flex") == 30
    assert scene.keyframes[0].anchor_at == (0.0, 0.0, 0.2)
    assert scene.props[0].kind == "box"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"keyframe": []}, "at least one keyframe"),
        ({"keyframe": [{"r_elbow_twist": 10}]}, "unknown angle"),
        ({"keyframe": [{"r_hip_flex": "a lot"}]}, "must be a number"),
        ({"keyframe": [{"r_hip_flex": 999}]}, "within ±360"),
        ({"keyframe": [{"anchor": "r_ankle"}]}, "go together"),
        ({"keyframe": [{"anchor": "tail", "anchor_at": [0, 0, 0]}]}, "unknown joint"),
        ({"keyframe": [{}], "prop": [{"kind": "piano"}]}, "prop kind"),
        ({"keyframe": [{}], "prop": [{"kind": "box", "at": [0, 0]}]}, "x, y, z"),
    ],
)
def test_scene_from_mapping_names_the_problem(raw: dict[str, object], message: str) -> None:
    with pytest.raises(ContentError, match=message):
        scene_from_mapping(raw, title="T", slug="t")
