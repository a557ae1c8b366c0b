"""Synthetic keypoint sequences from a simple 2D kinematic model, with their true metrics.

Used as ground truth by the tests and for demos without video. The side-view stride model and
its true values live in :mod:`runnersknee.gait.synthetic_stride`; this module draws the
landmarks of the side, back and front views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.keypoints import LANDMARKS, SIDES, KeypointSeries, Side, index_of
from runnersknee.gait.synthetic_stride import HIP_DX, Legs, Pose, sagittal_pose, sagittal_truth

__all__ = ["SyntheticTruth", "running_frontal", "running_sagittal", "single_leg_squat"]

Array = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SyntheticTruth:
    """True metric values of a synthetic sequence, by metric name and side."""

    cadence_spm: float
    per_side: dict[str, dict[Side, float]] = field(default_factory=dict)
    overall: dict[str, float] = field(default_factory=dict)


def _empty(n: int) -> tuple[Array, Array]:
    return np.full((n, len(LANDMARKS), 2), np.nan), np.full((n, len(LANDMARKS)), 0.95)


def _put(xy: Array, name: str, x: Array, y: Array) -> None:
    xy[:, index_of(name), 0] = x
    xy[:, index_of(name), 1] = y


def _head_and_arms(
    xy: Array, sh_l: tuple[Array, Array], sh_r: tuple[Array, Array], up: float
) -> None:
    """Fill face and arm landmarks above / below the shoulders (not used by metrics)."""
    cx = (sh_l[0] + sh_r[0]) / 2
    cy = (sh_l[1] + sh_r[1]) / 2
    for name in LANDMARKS[:11]:
        dx = -0.05 * up if "left" in name else 0.05 * up if "right" in name else 0.0
        _put(xy, name, cx + dx, cy - 0.35 * up)
    for side, (sx, sy) in (("left", sh_l), ("right", sh_r)):
        _put(xy, f"{side}_elbow", sx, sy + 0.3 * up)
        for part in ("wrist", "pinky", "index", "thumb"):
            _put(xy, f"{side}_{part}", sx, sy + 0.55 * up)


def running_sagittal(
    *,
    cadence_spm: float = 170.0,
    fps: float = 60.0,
    duration_s: float = 8.0,
    facing: float = 1.0,
    knee_offset_deg: tuple[float, float] = (0.0, 4.0),
    trunk_lean_deg: float = 8.0,
    foot_ic_deg: tuple[float, float] = (15.0, 2.0),
    body_px: float = 600.0,
    noise_px: float = 0.0,
    seed: int = 0,
    speed_px_s: float = 0.0,
    start_x_px: float | None = None,
) -> tuple[KeypointSeries, SyntheticTruth]:
    """A runner filmed from the side; ``knee_offset_deg`` = (left, right).

    With ``speed_px_s`` 0 the runner stays in place (treadmill); otherwise the whole body
    moves at that speed in the facing direction, starting with the hips at ``start_x_px``
    (default: centred on x = 500 over the clip). Relative positions, hence the truth, are
    the same either way.
    """
    pose: Pose = partial(
        sagittal_pose,
        cadence_spm=cadence_spm,
        body_px=body_px,
        facing=facing,
        knee_offset_deg=knee_offset_deg,
        foot_ic_deg=foot_ic_deg,
    )
    t = np.arange(round(duration_s * fps)) / fps
    hip, legs, _ = pose(t)
    xy, vis = _draw_sagittal(
        hip, legs, facing=facing, trunk_lean_deg=trunk_lean_deg, body_px=body_px
    )
    if speed_px_s:
        start = 500.0 - facing * speed_px_s * duration_s / 2 if start_x_px is None else start_x_px
        xy[:, :, 0] += start - 500.0 + facing * speed_px_s * t[:, None]
    kp = _finish(xy, vis, fps, noise_px=noise_px, seed=seed, source="synthetic:running_sagittal")
    per_side = sagittal_truth(pose, duration_s=duration_s, facing=facing, body_px=body_px)
    per_side["trunk_lean_deg"] = {"left": trunk_lean_deg, "right": trunk_lean_deg}
    return kp, SyntheticTruth(cadence_spm=cadence_spm, per_side=per_side)


def _draw_sagittal(
    hip: Array, legs: Legs, *, facing: float, trunk_lean_deg: float, body_px: float
) -> tuple[Array, Array]:
    """Landmark positions and visibilities of the side view from the pose."""
    xy, vis = _empty(hip.shape[0])
    lean = np.radians(trunk_lean_deg)
    torso = 0.3 * body_px
    shoulder = (hip[:, 0] + facing * torso * np.sin(lean), hip[:, 1] - torso * np.cos(lean))
    for side, dx in HIP_DX.items():
        _put(xy, f"{side}_hip", hip[:, 0] + dx, hip[:, 1])
        _put(xy, f"{side}_shoulder", shoulder[0] + dx, shoulder[1])
        for part, (x, y) in legs[side].items():
            _put(xy, f"{side}_{part}", x, y)
    _head_and_arms(xy, shoulder, shoulder, torso)
    return xy, vis


def running_frontal(
    *,
    cadence_spm: float = 172.0,
    fps: float = 60.0,
    duration_s: float = 8.0,
    pelvic_drop_deg: tuple[float, float] = (6.0, 3.0),
    fppa_deg: tuple[float, float] = (8.0, -4.0),
    duty: float = 0.4,
    body_px: float = 600.0,
    noise_px: float = 0.0,
    seed: int = 0,
) -> tuple[KeypointSeries, SyntheticTruth]:
    """A treadmill runner filmed from behind; drop and FPPA peak at mid-stance (left, right)."""
    t = np.arange(round(duration_s * fps)) / fps
    n = t.size
    phi_l = 2 * np.pi * cadence_spm / 120.0 * t
    cx, ground = 500.0, 400.0 + 0.5 * body_px
    hip_y = 400.0 + 0.01 * body_px * np.cos(2 * phi_l)
    xy, vis = _empty(n)
    stance_u: dict[Side, Array] = {}
    for k, side in enumerate(SIDES):
        phi = np.mod(phi_l + np.pi * k, 2 * np.pi)
        u = phi / (2 * np.pi * duty)
        stance_u[side] = np.where(u < 1.0, u, np.nan)
    hips = _frontal_hips(stance_u, hip_y, pelvic_drop_deg, cx=cx, width=0.16 * body_px)
    for k, side in enumerate(SIDES):
        phi = np.mod(phi_l + np.pi * k, 2 * np.pi)
        swing_u = (phi - 2 * np.pi * duty) / (2 * np.pi * (1 - duty))
        _frontal_leg(
            xy,
            side,
            hips[side],
            stance_u[side],
            swing_u,
            fppa_deg[k],
            ground=ground,
            body_px=body_px,
        )
        sign = -1.0 if side == "left" else 1.0
        _put(xy, f"{side}_shoulder", np.full(n, cx + sign * 0.22 * body_px), hip_y - 0.3 * body_px)
    _head_and_arms(
        xy, _landmark(xy, "left_shoulder"), _landmark(xy, "right_shoulder"), 0.3 * body_px
    )
    kp = _finish(xy, vis, fps, noise_px=noise_px, seed=seed, source="synthetic:running_frontal")
    truth = SyntheticTruth(
        cadence_spm=cadence_spm,
        per_side={
            "pelvic_drop_deg": {"left": pelvic_drop_deg[0], "right": pelvic_drop_deg[1]},
            "fppa_stance_deg": {"left": fppa_deg[0], "right": fppa_deg[1]},
        },
    )
    return kp, truth


def _frontal_hips(
    stance_u: dict[Side, Array],
    hip_y: Array,
    pelvic_drop_deg: tuple[float, float],
    *,
    cx: float,
    width: float,
) -> dict[Side, tuple[Array, Array]]:
    """Hip positions seen from behind: each hip drops while the *other* leg is in stance."""
    hips: dict[Side, tuple[Array, Array]] = {}
    for k, side in enumerate(SIDES):
        sign = -1.0 if side == "left" else 1.0  # posterior view: left on the image left
        other: Side = "right" if side == "left" else "left"
        u_other = stance_u[other]
        drop = np.radians(pelvic_drop_deg[1 - k]) * np.sin(np.pi * np.nan_to_num(u_other))
        hips[side] = (
            np.full(hip_y.size, cx + sign * width / 2),
            hip_y + width * np.tan(drop) * np.isfinite(u_other),
        )
    return hips


def _frontal_leg(  # noqa: PLR0917 - one leg of one side
    xy: Array,
    side: Side,
    hip: tuple[Array, Array],
    u: Array,
    swing_u: Array,
    fppa_deg: float,
    *,
    ground: float,
    body_px: float,
) -> None:
    """Knee, ankle and foot of one leg seen from behind; FPPA peaks at mid-stance."""
    sign = -1.0 if side == "left" else 1.0
    hx, hy = hip
    ay = np.where(np.isfinite(u), ground, ground - 0.12 * body_px * np.sin(np.pi * swing_u))
    ax = hx.copy()
    span = ay - hy
    fppa = np.radians(fppa_deg) * np.sin(np.pi * np.nan_to_num(u))
    e = np.tan(fppa / 2) * span / 2  # medial offset of the knee (towards the midline)
    kx = hx - sign * e
    ky = hy + span / 2
    _put(xy, f"{side}_hip", hx, hy)
    _put(xy, f"{side}_knee", kx, ky)
    _put(xy, f"{side}_ankle", ax, ay)
    _put(xy, f"{side}_heel", ax, ay + 0.02 * body_px)
    _put(xy, f"{side}_foot_index", ax, ay + 0.03 * body_px)


def _landmark(xy: Array, name: str) -> tuple[Array, Array]:
    """The x and y columns of one landmark."""
    return xy[:, index_of(name), 0], xy[:, index_of(name), 1]


def single_leg_squat(
    *,
    stance_side: Side = "left",
    fppa_deg: float = 12.0,
    repetitions: int = 5,
    depth_ratio: float = 0.25,
    lateral_trunk_lean_deg: float = 5.0,
    rep_s: float = 2.5,
    pause_s: float = 0.6,
    fps: float = 30.0,
    body_px: float = 600.0,
    noise_px: float = 0.0,
    seed: int = 0,
) -> tuple[KeypointSeries, SyntheticTruth]:
    """Single-leg squats filmed from the front; FPPA on the stance leg at the deepest point."""
    period = rep_s + pause_s
    t = np.arange(round((pause_s + repetitions * period) * fps)) / fps
    local = np.mod(t - pause_s, period)
    active = (t >= pause_s) & (local < rep_s)
    s = np.where(active, (1 - np.cos(2 * np.pi * local / rep_s)) / 2, 0.0)
    xy, vis = _empty(t.size)
    hx, other_hx, hip_y = _squat_legs(
        xy, stance_side, s, fppa_deg=fppa_deg, depth_ratio=depth_ratio, body_px=body_px
    )
    lean = np.radians(lateral_trunk_lean_deg) * s
    torso = 0.3 * body_px
    stance_sign = 1.0 if stance_side == "left" else -1.0
    mid_x = (hx + other_hx) / 2
    sx = mid_x + stance_sign * torso * np.sin(lean)
    sy = hip_y - torso * np.cos(lean)
    half = 0.2 * body_px
    _put(xy, f"{stance_side}_shoulder", sx + stance_sign * half, sy)
    _put(xy, f"{_other(stance_side)}_shoulder", sx - stance_sign * half, sy)
    _head_and_arms(xy, _landmark(xy, "left_shoulder"), _landmark(xy, "right_shoulder"), torso)
    kp = _finish(xy, vis, fps, noise_px=noise_px, seed=seed, source="synthetic:single_leg_squat")
    truth = SyntheticTruth(
        cadence_spm=float("nan"),
        per_side={
            "fppa_deg": {stance_side: fppa_deg},
            "depth_ratio": {stance_side: depth_ratio},
            "lateral_trunk_lean_deg": {stance_side: lateral_trunk_lean_deg},
        },
        overall={"repetitions": float(repetitions)},
    )
    return kp, truth


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def _squat_legs(
    xy: Array, stance_side: Side, s: Array, *, fppa_deg: float, depth_ratio: float, body_px: float
) -> tuple[Array, Array, Array]:
    """Both legs of a front-view squat at depth fraction ``s``; returns the hips' x and y."""
    n = s.size
    leg = 0.49 * body_px
    ground = 400.0 + leg
    # anterior view: the person's left appears on the image right
    stance_sign = 1.0 if stance_side == "left" else -1.0
    ax = 500.0 + stance_sign * 0.08 * body_px
    hip_y = ground - leg + depth_ratio * leg * s
    width = 0.16 * body_px
    hx = np.full(n, ax)
    other_hx = hx - stance_sign * width
    span_peak = ground - (ground - leg + depth_ratio * leg)
    e_peak = np.tan(np.radians(fppa_deg) / 2) * span_peak / 2
    span = ground - hip_y
    kx = hx - stance_sign * e_peak * s  # medial = towards the other hip
    other = _other(stance_side)
    _put(xy, f"{stance_side}_hip", hx, hip_y)
    _put(xy, f"{stance_side}_knee", kx, hip_y + span / 2)
    _put(xy, f"{stance_side}_ankle", np.full(n, ax), np.full(n, ground))
    _put(xy, f"{stance_side}_heel", np.full(n, ax), np.full(n, ground + 0.02 * body_px))
    _put(xy, f"{stance_side}_foot_index", np.full(n, ax), np.full(n, ground + 0.04 * body_px))
    _put(xy, f"{other}_hip", other_hx, hip_y)
    _put(xy, f"{other}_knee", other_hx, hip_y + 0.25 * leg)
    _put(xy, f"{other}_ankle", other_hx, hip_y + 0.45 * leg)
    _put(xy, f"{other}_heel", other_hx, hip_y + 0.47 * leg)
    _put(xy, f"{other}_foot_index", other_hx, hip_y + 0.5 * leg)
    return hx, other_hx, hip_y


def _finish(
    xy: Array, vis: Array, fps: float, *, noise_px: float, seed: int, source: str
) -> KeypointSeries:
    if noise_px > 0:
        xy = xy + np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)
    return KeypointSeries(
        xy_px=xy, visibility=vis, fps=fps, width_px=1000, height_px=1000, source=source
    )
