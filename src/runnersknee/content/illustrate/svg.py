"""Drawing a scene: an orthographic camera, the figure (near limbs dark, far limbs grey, drawn
back to front), props and the floor, as a standalone, accessible SVG."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from runnersknee.clinical.errors import ContentError
from runnersknee.content.illustrate.pose import HEAD_R, pose_joints
from runnersknee.content.illustrate.scene import Prop, Scene
from runnersknee.content.illustrate.vectors import Vec, add, dot, mul

__all__ = ["render_svg"]

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
        toward2 = add(mul(toward, math.cos(el)), mul(z, math.sin(el)))
        up = add(mul(z, math.cos(el)), mul(toward, -math.sin(el)))
        return cls(right, up, toward2)

    def xy(self, p: Vec) -> tuple[float, float]:
        return dot(p, self.right), dot(p, self.up)

    def depth(self, p: Vec) -> float:
        return dot(p, self.toward)


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
        depth = cam.depth(mul(add(joints[a], joints[b]), 0.5))
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
            f'<circle cx="{_f(hx)}" cy="{_f(hy)}" r="{_f(HEAD_R * canvas.scale)}" '
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
        add(pose["head"], mul(axis, d))
        for pose in poses
        for axis in ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
        for d in (HEAD_R, -HEAD_R)
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
