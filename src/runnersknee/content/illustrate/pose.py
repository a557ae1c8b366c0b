"""The skeleton of a pose: every joint's world position from the keyframe's angles (sign
conventions in the package docstring)."""

from __future__ import annotations

import math

from runnersknee.content.illustrate.scene import Keyframe
from runnersknee.content.illustrate.vectors import (
    Vec,
    add,
    blend,
    cross,
    dot,
    mul,
    norm,
    rotate,
)

__all__ = ["HEAD_R", "pose_joints"]

# Segment lengths in metres (an adult of about 1.75 m).
_TRUNK, _NECK = 0.52, 0.14
#: Head radius (the drawing fits and draws the head with it).
HEAD_R = 0.1
_HIP_HALF, _SHOULDER_HALF = 0.09, 0.17
_THIGH, _SHANK, _FOOT, _HEEL = 0.44, 0.43, 0.19, 0.05
_UPPER_ARM, _FOREARM = 0.30, 0.27


def _body_axes(frame: Keyframe) -> tuple[Vec, Vec, Vec]:
    """The person's anterior, left and up axes in world coordinates."""
    a, left, up = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
    pitch = frame.angle("pitch")
    up, a = blend(up, a, pitch), blend(a, mul(up, -1.0), pitch)
    roll = frame.angle("roll")
    up, left = blend(up, left, roll), blend(left, mul(up, -1.0), roll)
    yaw = math.radians(frame.angle("yaw"))
    z = (0.0, 0.0, 1.0)
    return rotate(a, z, yaw), rotate(left, z, yaw), rotate(up, z, yaw)


def _limb(axes: tuple[Vec, Vec, Vec], side: float, flex: float, abd: float) -> tuple[Vec, Vec]:
    """Direction of a proximal segment and its anterior vector (flexion then abduction)."""
    a, left, up = axes
    sagittal = blend(mul(up, -1.0), a, flex)
    direction = blend(sagittal, mul(left, side), abd)
    anterior = blend(a, up, flex)
    return norm(direction), norm(anterior)


def _leg(joints: dict[str, Vec], frame: Keyframe, axes: tuple[Vec, Vec, Vec], s: str) -> None:
    side = 1.0 if s == "l" else -1.0
    hip = joints[f"{s}_hip"]
    thigh, front = _limb(axes, side, frame.angle(f"{s}_hip_flex"), frame.angle(f"{s}_hip_abd"))
    knee_flex = frame.angle(f"{s}_knee_flex")
    shank = blend(thigh, mul(front, -1.0), knee_flex)
    foot_front = blend(front, thigh, knee_flex)
    foot = norm(blend(foot_front, mul(shank, -1.0), frame.angle(f"{s}_ankle_df")))
    knee = add(hip, mul(thigh, _THIGH))
    ankle = add(knee, mul(shank, _SHANK))
    toe = add(ankle, mul(foot, _FOOT))
    heel = add(ankle, mul(foot, -_HEEL))
    twist = frame.angle(f"{s}_leg_twist")
    if twist:
        axis = norm(add(ankle, mul(hip, -1.0)))
        outward = dot(cross(axis, add(knee, mul(hip, -1.0))), mul(axes[1], side))
        angle = math.radians(twist) * (1.0 if outward >= 0 else -1.0)
        knee, toe, heel = (
            add(hip, rotate(add(p, mul(hip, -1.0)), axis, angle)) for p in (knee, toe, heel)
        )
    joints.update({f"{s}_knee": knee, f"{s}_ankle": ankle, f"{s}_toe": toe, f"{s}_heel": heel})


def _arm(joints: dict[str, Vec], frame: Keyframe, axes: tuple[Vec, Vec, Vec], s: str) -> None:
    side = 1.0 if s == "l" else -1.0
    shoulder = joints[f"{s}_shoulder"]
    upper, front = _limb(
        axes, side, frame.angle(f"{s}_shoulder_flex"), frame.angle(f"{s}_shoulder_abd")
    )
    fore = blend(upper, front, frame.angle(f"{s}_elbow_flex"))
    elbow = add(shoulder, mul(upper, _UPPER_ARM))
    joints[f"{s}_elbow"] = elbow
    joints[f"{s}_wrist"] = add(elbow, mul(fore, _FOREARM))


def pose_joints(frame: Keyframe) -> dict[str, Vec]:
    """World positions of every joint of ``frame``, placed on the floor or at its anchor."""
    axes = _body_axes(frame)
    _, left, up = axes
    origin: Vec = (0.0, 0.0, 0.0)
    neck = mul(up, _TRUNK)
    joints: dict[str, Vec] = {"pelvis": origin, "neck": neck, "head": add(neck, mul(up, _NECK))}
    for s, side in (("r", -1.0), ("l", 1.0)):
        joints[f"{s}_hip"] = mul(left, side * _HIP_HALF)
        joints[f"{s}_shoulder"] = add(neck, mul(left, side * _SHOULDER_HALF), mul(up, -0.03))
        _leg(joints, frame, axes, s)
        _arm(joints, frame, axes, s)
    if frame.anchor is not None and frame.anchor_at is not None:
        shift = add(frame.anchor_at, mul(joints[frame.anchor], -1.0))
    else:
        body = [p[2] for name, p in joints.items() if name != "head"]
        lowest = min(*body, joints["head"][2] - HEAD_R)
        mid = mul(add(joints["r_ankle"], joints["l_ankle"]), 0.5)
        shift = (-mid[0], -mid[1], -lowest)
    return {name: add(p, shift) for name, p in joints.items()}
