"""Stick-figure illustrations: a pose given as joint angles → a small, accessible SVG.

The figure is a 3-D stick skeleton projected orthographically, so one model draws standing,
lying and side-lying exercises. Every angle is in degrees; sign conventions (written once):

* Body orientation: ``pitch`` > 0 leans the trunk forward (90 = prone, −90 = supine);
  ``roll`` > 0 tilts the trunk toward the person's left (−90 = lying on the right side,
  left side up); ``yaw`` turns the whole body about the vertical.
* Legs (prefix ``r_``/``l_``): ``hip_flex`` > 0 thigh forward; ``hip_abd`` > 0 thigh away from
  the midline; ``knee_flex`` > 0 knee bent (0 = straight); ``ankle_df`` > 0 toes toward the
  shin; ``leg_twist`` > 0 turns the knee outward about the hip–ankle line (clamshell).
* Arms: ``shoulder_flex`` > 0 arm forward/up; ``shoulder_abd`` > 0 arm out to the side;
  ``elbow_flex`` > 0 elbow bent.

World axes: x forward (person's front at rest), y to the person's left, z up; metres.
Camera: ``azimuth_deg`` 0 looks at the person's right side (facing picture right), 90 looks
at the front; ``elevation_deg`` raises the camera. The floor is ``z = 0``: each keyframe is
dropped onto it unless it names an ``anchor`` joint and where that joint must be.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from runnersknee.clinical.errors import ContentError

__all__ = [
    "ANGLE_NAMES",
    "JOINT_NAMES",
    "Keyframe",
    "Prop",
    "Scene",
    "pose_joints",
    "render_svg",
    "scene_from_mapping",
]

Vec = tuple[float, float, float]

_LIMB_ANGLES = ("hip_flex", "hip_abd", "knee_flex", "ankle_df", "leg_twist")
_ARM_ANGLES = ("shoulder_flex", "shoulder_abd", "elbow_flex")
ANGLE_NAMES: frozenset[str] = frozenset(
    {"pitch", "roll", "yaw"}
    | {f"{side}_{name}" for side in "rl" for name in _LIMB_ANGLES + _ARM_ANGLES}
)
JOINT_NAMES: frozenset[str] = frozenset(
    {"pelvis", "neck", "head"}
    | {
        f"{side}_{name}"
        for side in "rl"
        for name in ("hip", "knee", "ankle", "toe", "heel", "shoulder", "elbow", "wrist")
    }
)
PROP_KINDS = frozenset({"box", "mirror", "band", "tape", "pack", "arrow", "label"})

# Segment lengths in metres (an adult of about 1.75 m).
_TRUNK, _NECK, _HEAD_R = 0.52, 0.14, 0.1
_HIP_HALF, _SHOULDER_HALF = 0.09, 0.17
_THIGH, _SHANK, _FOOT, _HEEL = 0.44, 0.43, 0.19, 0.05
_UPPER_ARM, _FOREARM = 0.30, 0.27

#: The drawing is 320 wide and at most 280 high: a flat (lying) figure gets a shorter
#: picture, so at phone width it is as large as the width allows and the page stays short.
_WIDTH, _HEIGHT, _MIN_HEIGHT, _MARGIN = 320, 280, 150, 12.0
#: Near limbs dark blue, far limbs mid grey (4.8:1 on white), trunk and head near-black: the
#: two legs stay apart at phone size and every line has at least 3:1 contrast.
_NEAR, _FAR, _TRUNK_COLOUR = "#1e3a8a", "#6b7280", "#111827"
_STROKE = 10.0
#: Arms are drawn thinner than legs and trunk, so an arm is never read as a leg.
_ARM_SHARE = 0.6
#: From this camera elevation the floor is drawn as a mat under the person, not a line.
_MAT_ELEVATION = 30.0


@dataclass(frozen=True, slots=True)
class Keyframe:
    """One pose: joint angles (degrees) plus an optional anchor joint and its position."""

    angles: tuple[tuple[str, float], ...] = ()
    anchor: str | None = None
    anchor_at: Vec | None = None

    def angle(self, name: str) -> float:
        """The angle ``name`` in degrees (0 when not given)."""
        return dict(self.angles).get(name, 0.0)


@dataclass(frozen=True, slots=True)
class Prop:
    """Scenery: a box/mirror (``at`` corner + ``size``), a band or arrow between joints,
    tape or an ice pack on a joint, or a text label at a point or above/below a joint."""

    kind: str
    at: Vec | None = None
    size: Vec | None = None
    joint: str | None = None
    to_joint: str | None = None
    text: str = ""
    #: Where a label on a joint goes: ``above`` or ``below`` it.
    place: str = "above"


@dataclass(frozen=True, slots=True)
class Scene:
    """What one illustration shows: keyframes (first ones drawn faint), props, camera."""

    title: str
    description: str
    keyframes: tuple[Keyframe, ...]
    props: tuple[Prop, ...] = ()
    azimuth_deg: float = 0.0
    elevation_deg: float = 0.0
    slug: str = "figure"


# --------------------------------------------------------------------------- vector maths


def _add(*vs: Vec) -> Vec:
    return (sum(v[0] for v in vs), sum(v[1] for v in vs), sum(v[2] for v in vs))


def _mul(v: Vec, k: float) -> Vec:
    return (v[0] * k, v[1] * k, v[2] * k)


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _norm(v: Vec) -> Vec:
    length = math.sqrt(_dot(v, v))
    return _mul(v, 1.0 / length) if length > 1e-12 else v


def _rotate(v: Vec, axis: Vec, angle_rad: float) -> Vec:
    """Rodrigues rotation of ``v`` about the unit ``axis``."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return _add(_mul(v, c), _mul(_cross(axis, v), s), _mul(axis, _dot(axis, v) * (1 - c)))


def _blend(a: Vec, b: Vec, angle_deg: float) -> Vec:
    """``a`` turned toward ``b`` (both unit, orthogonal) by ``angle_deg``."""
    r = math.radians(angle_deg)
    return _add(_mul(a, math.cos(r)), _mul(b, math.sin(r)))


# --------------------------------------------------------------------------- skeleton


def _body_axes(frame: Keyframe) -> tuple[Vec, Vec, Vec]:
    """The person's anterior, left and up axes in world coordinates."""
    a, left, up = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
    pitch = frame.angle("pitch")
    up, a = _blend(up, a, pitch), _blend(a, _mul(up, -1.0), pitch)
    roll = frame.angle("roll")
    up, left = _blend(up, left, roll), _blend(left, _mul(up, -1.0), roll)
    yaw = math.radians(frame.angle("yaw"))
    z = (0.0, 0.0, 1.0)
    return _rotate(a, z, yaw), _rotate(left, z, yaw), _rotate(up, z, yaw)


def _limb(axes: tuple[Vec, Vec, Vec], side: float, flex: float, abd: float) -> tuple[Vec, Vec]:
    """Direction of a proximal segment and its anterior vector (flexion then abduction)."""
    a, left, up = axes
    sagittal = _blend(_mul(up, -1.0), a, flex)
    direction = _blend(sagittal, _mul(left, side), abd)
    anterior = _blend(a, up, flex)
    return _norm(direction), _norm(anterior)


def _leg(joints: dict[str, Vec], frame: Keyframe, axes: tuple[Vec, Vec, Vec], s: str) -> None:
    side = 1.0 if s == "l" else -1.0
    hip = joints[f"{s}_hip"]
    thigh, front = _limb(axes, side, frame.angle(f"{s}_hip_flex"), frame.angle(f"{s}_hip_abd"))
    knee_flex = frame.angle(f"{s}_knee_flex")
    shank = _blend(thigh, _mul(front, -1.0), knee_flex)
    foot_front = _blend(front, thigh, knee_flex)
    foot = _norm(_blend(foot_front, _mul(shank, -1.0), frame.angle(f"{s}_ankle_df")))
    knee = _add(hip, _mul(thigh, _THIGH))
    ankle = _add(knee, _mul(shank, _SHANK))
    toe = _add(ankle, _mul(foot, _FOOT))
    heel = _add(ankle, _mul(foot, -_HEEL))
    twist = frame.angle(f"{s}_leg_twist")
    if twist:
        axis = _norm(_add(ankle, _mul(hip, -1.0)))
        outward = _dot(_cross(axis, _add(knee, _mul(hip, -1.0))), _mul(axes[1], side))
        angle = math.radians(twist) * (1.0 if outward >= 0 else -1.0)
        knee, toe, heel = (
            _add(hip, _rotate(_add(p, _mul(hip, -1.0)), axis, angle)) for p in (knee, toe, heel)
        )
    joints.update({f"{s}_knee": knee, f"{s}_ankle": ankle, f"{s}_toe": toe, f"{s}_heel": heel})


def _arm(joints: dict[str, Vec], frame: Keyframe, axes: tuple[Vec, Vec, Vec], s: str) -> None:
    side = 1.0 if s == "l" else -1.0
    shoulder = joints[f"{s}_shoulder"]
    upper, front = _limb(
        axes, side, frame.angle(f"{s}_shoulder_flex"), frame.angle(f"{s}_shoulder_abd")
    )
    fore = _blend(upper, front, frame.angle(f"{s}_elbow_flex"))
    elbow = _add(shoulder, _mul(upper, _UPPER_ARM))
    joints[f"{s}_elbow"] = elbow
    joints[f"{s}_wrist"] = _add(elbow, _mul(fore, _FOREARM))


def pose_joints(frame: Keyframe) -> dict[str, Vec]:
    """World positions of every joint of ``frame``, placed on the floor or at its anchor."""
    axes = _body_axes(frame)
    _, left, up = axes
    origin: Vec = (0.0, 0.0, 0.0)
    neck = _mul(up, _TRUNK)
    joints: dict[str, Vec] = {"pelvis": origin, "neck": neck, "head": _add(neck, _mul(up, _NECK))}
    for s, side in (("r", -1.0), ("l", 1.0)):
        joints[f"{s}_hip"] = _mul(left, side * _HIP_HALF)
        joints[f"{s}_shoulder"] = _add(neck, _mul(left, side * _SHOULDER_HALF), _mul(up, -0.03))
        _leg(joints, frame, axes, s)
        _arm(joints, frame, axes, s)
    if frame.anchor is not None and frame.anchor_at is not None:
        shift = _add(frame.anchor_at, _mul(joints[frame.anchor], -1.0))
    else:
        body = [p[2] for name, p in joints.items() if name != "head"]
        lowest = min(*body, joints["head"][2] - _HEAD_R)
        mid = _mul(_add(joints["r_ankle"], joints["l_ankle"]), 0.5)
        shift = (-mid[0], -mid[1], -lowest)
    return {name: _add(p, shift) for name, p in joints.items()}


# --------------------------------------------------------------------------- projection


@dataclass(frozen=True, slots=True)
class _Camera:
    right: Vec
    up: Vec
    toward: Vec

    @classmethod
    def of(cls, azimuth_deg: float, elevation_deg: float) -> _Camera:
        az, el = math.radians(azimuth_deg), math.radians(elevation_deg)
        toward: Vec = (math.sin(az), -math.cos(az), 0.0)
        right: Vec = (math.cos(az), math.sin(az), 0.0)
        z: Vec = (0.0, 0.0, 1.0)
        toward2 = _add(_mul(toward, math.cos(el)), _mul(z, math.sin(el)))
        up = _add(_mul(z, math.cos(el)), _mul(toward, -math.sin(el)))
        return cls(right, up, toward2)

    def xy(self, p: Vec) -> tuple[float, float]:
        return _dot(p, self.right), _dot(p, self.up)

    def depth(self, p: Vec) -> float:
        return _dot(p, self.toward)


_SEGMENTS = (
    ("pelvis", "neck", "trunk"),
    *((f"{s}_hip", f"{s}_knee", s) for s in "rl"),
    *((f"{s}_knee", f"{s}_ankle", s) for s in "rl"),
    *((f"{s}_heel", f"{s}_toe", s) for s in "rl"),
    *((f"{s}_shoulder", f"{s}_elbow", s) for s in "rl"),
    *((f"{s}_elbow", f"{s}_wrist", s) for s in "rl"),
    ("r_hip", "l_hip", "trunk"),
    ("r_shoulder", "l_shoulder", "trunk"),
)


class _Canvas:
    """Maps world points to pixel coordinates that fit every drawn point in the viewBox
    (its height follows the figure's shape, between :data:`_MIN_HEIGHT` and :data:`_HEIGHT`)."""

    def __init__(self, camera: _Camera, points: Iterable[Vec]) -> None:
        self.camera = camera
        xy = [camera.xy(p) for p in points]
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        span_x = max(max(xs) - min(xs), 0.3)
        span_y = max(max(ys) - min(ys), 0.3)
        wide = (_WIDTH - 2 * _MARGIN) / span_x
        self.height = round(min(_HEIGHT, max(_MIN_HEIGHT, span_y * wide + 2 * _MARGIN)))
        self.scale = min(wide, (self.height - 2 * _MARGIN) / span_y)
        self.cx, self.cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def px(self, p: Vec) -> tuple[float, float]:
        x, y = self.camera.xy(p)
        return (
            _WIDTH / 2 + (x - self.cx) * self.scale,
            self.height / 2 - (y - self.cy) * self.scale,
        )


def _f(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def _figure(canvas: _Canvas, joints: dict[str, Vec], opacity: float) -> list[str]:
    cam = canvas.camera
    near = "r" if cam.depth(joints["r_hip"]) >= cam.depth(joints["l_hip"]) else "l"
    full = _STROKE * min(1.0, canvas.scale / 120)
    items: list[tuple[float, str]] = []
    for a, b, group in _SEGMENTS:
        colour = _TRUNK_COLOUR if group == "trunk" else (_NEAR if group == near else _FAR)
        arm = a.endswith(("shoulder", "elbow")) and b.endswith(("elbow", "wrist"))
        width = _f(full * (_ARM_SHARE if arm else 1.0))
        (x1, y1), (x2, y2) = canvas.px(joints[a]), canvas.px(joints[b])
        depth = cam.depth(_mul(_add(joints[a], joints[b]), 0.5))
        items.append(
            (
                depth,
                f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" '
                f'stroke="{colour}" stroke-width="{width}" stroke-linecap="round"/>',
            )
        )
    hx, hy = canvas.px(joints["head"])
    items.append(
        (
            cam.depth(joints["head"]),
            f'<circle cx="{_f(hx)}" cy="{_f(hy)}" r="{_f(_HEAD_R * canvas.scale)}" '
            f'fill="{_TRUNK_COLOUR}"/>',
        )
    )
    items.sort(key=lambda item: item[0])
    body = "".join(svg for _, svg in items)
    return [f'<g opacity="{opacity:g}">{body}</g>']


def _box_corners(prop: Prop) -> list[Vec]:
    at, size = prop.at or (0.0, 0.0, 0.0), prop.size or (0.1, 0.1, 0.1)
    return [
        (at[0] + i * size[0], at[1] + j * size[1], at[2] + k * size[2])
        for i in (0, 1)
        for j in (0, 1)
        for k in (0, 1)
    ]


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (monotone chain), counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def turn(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def _prop_svg(
    canvas: _Canvas, prop: Prop, first: dict[str, Vec], last: dict[str, Vec], slug: str
) -> str:
    if prop.kind in {"box", "mirror"}:
        hull = _hull([canvas.px(c) for c in _box_corners(prop)])
        fill = "#dbeafe" if prop.kind == "mirror" else "#e5e7eb"
        points = " ".join(f"{_f(x)},{_f(y)}" for x, y in hull)
        return f'<polygon points="{points}" fill="{fill}" stroke="#6b7280" stroke-width="1.5"/>'
    if prop.kind == "label":  # at a point, or just above a joint of the last pose
        if prop.joint is not None and prop.at is None:
            x, y = canvas.px(last[prop.joint])
            y += 30 if prop.place == "below" else -16
        else:
            x, y = canvas.px(prop.at or (0.0, 0.0, 0.0))
        x = min(max(x, 60.0), _WIDTH - 60.0)  # keep a label of a few words inside
        return (
            f'<text x="{_f(x)}" y="{_f(y)}" font-family="sans-serif" font-size="15" '
            'font-weight="700" fill="#111827" stroke="#ffffff" stroke-width="4" '
            f'paint-order="stroke" text-anchor="middle">{escape(prop.text)}</text>'
        )
    joint = prop.joint or "pelvis"
    if prop.kind == "band":
        (x1, y1), (x2, y2) = canvas.px(last[joint]), canvas.px(last[prop.to_joint or joint])
        return (
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="#dc2626" '
            'stroke-width="3" stroke-linecap="round"/>'
        )
    if prop.kind == "arrow":
        (x1, y1), (x2, y2) = canvas.px(first[joint]), canvas.px(last[joint])
        return (
            f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="#1d4ed8" '
            f'stroke-width="3" stroke-dasharray="6 4" marker-end="url(#{slug}-arrow)"/>'
        )
    x, y = canvas.px(last[joint])
    if prop.kind == "tape":
        return (
            f'<rect x="{_f(x - 9)}" y="{_f(y - 3)}" width="18" height="6" rx="2" '
            'fill="#f59e0b" stroke="#b45309" stroke-width="1"/>'
        )
    return (  # pack
        f'<rect x="{_f(x - 10)}" y="{_f(y - 8)}" width="20" height="16" rx="4" '
        'fill="#bfdbfe" stroke="#2563eb" stroke-width="1"/>'
    )


def _floor(canvas: _Canvas, scene: Scene, poses: list[dict[str, Vec]]) -> str:
    """The floor: a line seen from the side; from above, a mat under the person."""
    if scene.elevation_deg < _MAT_ELEVATION:
        ground_y = canvas.px((0.0, 0.0, 0.0))[1]
        return (
            f'<line x1="0" y1="{_f(ground_y)}" x2="{_WIDTH}" y2="{_f(ground_y)}" '
            'stroke="#6b7280" stroke-width="2"/>'
        )
    xs = [p[0] for pose in poses for p in pose.values()]
    ys = [p[1] for pose in poses for p in pose.values()]
    pad = 0.35
    corners = [
        (x, y, 0.0)
        for x, y in (
            (min(xs) - pad, min(ys) - pad),
            (max(xs) + pad, min(ys) - pad),
            (max(xs) + pad, max(ys) + pad),
            (min(xs) - pad, max(ys) + pad),
        )
    ]
    points = " ".join(f"{_f(x)},{_f(y)}" for x, y in (canvas.px(c) for c in corners))
    return f'<polygon points="{points}" fill="#e8eef5" stroke="#6b7280" stroke-width="1.5"/>'


def render_svg(scene: Scene) -> str:
    """Render ``scene`` to a standalone SVG string (deterministic for equal input)."""
    if not scene.keyframes:
        raise ContentError(f"illustration {scene.slug!r} has no keyframe", where=scene.slug)
    camera = _Camera.of(scene.azimuth_deg, scene.elevation_deg)
    poses = [pose_joints(frame) for frame in scene.keyframes]
    points: list[Vec] = [p for pose in poses for p in pose.values()]
    points += [
        _add(pose["head"], _mul(axis, d))
        for pose in poses
        for axis in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
        for d in (_HEAD_R, -_HEAD_R)
    ]
    points += [
        c for prop in scene.props if prop.kind in {"box", "mirror"} for c in _box_corners(prop)
    ]
    points += [prop.at for prop in scene.props if prop.kind == "label" and prop.at is not None]
    canvas = _Canvas(camera, points)
    slug = escape(scene.slug, quote=True)
    height = canvas.height
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{slug}-title {slug}-desc">',
        f'<title id="{slug}-title">{escape(scene.title)}</title>',
        f'<desc id="{slug}-desc">{escape(scene.description)}</desc>',
        f'<defs><marker id="{slug}-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="5" '
        'markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#1d4ed8"/></marker></defs>',
        f'<rect width="{_WIDTH}" height="{height}" fill="#ffffff"/>',
        _floor(canvas, scene, poses),
    ]
    parts += [
        _prop_svg(canvas, p, poses[0], poses[-1], slug)
        for p in scene.props
        if p.kind in {"box", "mirror"}
    ]
    for index, pose in enumerate(poses):
        parts += _figure(canvas, pose, 1.0 if index == len(poses) - 1 else 0.3)
    parts += [
        _prop_svg(canvas, p, poses[0], poses[-1], slug)
        for p in scene.props
        if p.kind not in {"box", "mirror"}
    ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- parsing


def _vec(raw: Any, where: str) -> Vec:
    if not isinstance(raw, list | tuple) or len(raw) != 3:
        raise ContentError(f"{where}: expected [x, y, z] in metres, got {raw!r}", where=where)
    try:
        return (float(raw[0]), float(raw[1]), float(raw[2]))
    except (TypeError, ValueError) as exc:
        raise ContentError(f"{where}: [x, y, z] must be numbers", where=where) from exc


def _joint(raw: Any, where: str) -> str | None:
    if raw is None:
        return None
    if raw not in JOINT_NAMES:
        raise ContentError(
            f"{where}: unknown joint {raw!r}; allowed: {', '.join(sorted(JOINT_NAMES))}",
            where=where,
        )
    return str(raw)


def _keyframe(raw: Mapping[str, Any], where: str) -> Keyframe:
    angles: list[tuple[str, float]] = []
    for name, value in raw.items():
        if name in {"anchor", "anchor_at"}:
            continue
        if name not in ANGLE_NAMES:
            raise ContentError(f"{where}: unknown angle {name!r}", where=where)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ContentError(f"{where}: angle {name} must be a number", where=where)
        if not -360 <= value <= 360:
            raise ContentError(f"{where}: angle {name} must be within ±360°", where=where)
        angles.append((name, float(value)))
    anchor = _joint(raw.get("anchor"), where)
    anchor_at = _vec(raw["anchor_at"], where) if "anchor_at" in raw else None
    if (anchor is None) != (anchor_at is None):
        raise ContentError(f"{where}: anchor and anchor_at go together", where=where)
    return Keyframe(tuple(sorted(angles)), anchor, anchor_at)


def _prop(raw: Mapping[str, Any], where: str) -> Prop:
    kind = raw.get("kind")
    if kind not in PROP_KINDS:
        raise ContentError(
            f"{where}: prop kind must be one of {', '.join(sorted(PROP_KINDS))}", where=where
        )
    return Prop(
        kind=str(kind),
        at=_vec(raw["at"], where) if "at" in raw else None,
        size=_vec(raw["size"], where) if "size" in raw else None,
        joint=_joint(raw.get("joint"), where),
        to_joint=_joint(raw.get("to_joint"), where),
        text=str(raw.get("text", "")),
        place=_place(raw.get("place", "above"), where),
    )


def _place(raw: Any, where: str) -> str:
    if raw not in ("above", "below"):
        raise ContentError(f"{where}: a label's place is above or below", where=where)
    return str(raw)


def scene_from_mapping(raw: Mapping[str, Any], *, title: str, slug: str) -> Scene:
    """Build a :class:`Scene` from TOML data (``keyframe``, ``prop``, camera and ``desc``)."""
    frames = raw.get("keyframe", [])
    if not frames:
        raise ContentError(f"illustration {slug!r} needs at least one keyframe", where=slug)
    return Scene(
        title=title,
        description=str(raw.get("desc", title)),
        keyframes=tuple(_keyframe(f, f"{slug} keyframe {i}") for i, f in enumerate(frames, 1)),
        props=tuple(_prop(p, f"{slug} prop {i}") for i, p in enumerate(raw.get("prop", []), 1)),
        azimuth_deg=float(raw.get("azimuth_deg", 0.0)),
        elevation_deg=float(raw.get("elevation_deg", 0.0)),
        slug=slug,
    )
