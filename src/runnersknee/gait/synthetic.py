"""Synthetic keypoint sequences from a simple 2D kinematic model, with their true metrics.

Used as ground truth by the tests and for demos without video. The model is deliberately
smooth (two harmonics per stride), so a 6 Hz zero-lag low-pass barely changes it. True values
are computed from the model itself on a dense (1 kHz) time grid, using the same event
definitions as the pipeline (initial contact = heel furthest ahead of the hip midpoint).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.keypoints import LANDMARKS, SIDES, KeypointSeries, Side, index_of

__all__ = ["SyntheticTruth", "running_frontal", "running_sagittal", "single_leg_squat"]

Array = NDArray[np.float64]

# Knee flexion over one stride (phase 0..2π), degrees: IC ≈ 19°, stance peak ≈ 36°,
# swing peak ≈ 100° (coefficients of 1, cos φ, sin φ, cos 2φ, sin 2φ).
_KNEE = (46.58, -25.01, -19.05, 3.63, 21.47)
_THIGH = (10.0, 22.0, 5.14)
#: Side view: the far and near hips are drawn 2 px apart; each leg hangs from its own hip.
_HIP_DX: dict[Side, float] = {
    "left": -2.0,
    "right": 2.0,
}  # mean, amplitude, phase of the thigh angle from vertical (deg)


@dataclass(frozen=True, slots=True)
class SyntheticTruth:
    """True metric values of a synthetic sequence, by metric name and side."""

    cadence_spm: float
    per_side: dict[str, dict[Side, float]] = field(default_factory=dict)
    overall: dict[str, float] = field(default_factory=dict)


def _knee_deg(phi: Array, offset: float) -> Array:
    a0, a1, b1, a2, b2 = _KNEE
    return np.asarray(
        offset
        + a0
        + a1 * np.cos(phi)
        + b1 * np.sin(phi)
        + a2 * np.cos(2 * phi)
        + b2 * np.sin(2 * phi),
        dtype=np.float64,
    )


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


def _leg_sagittal(
    phi: Array,
    hip: tuple[Array, Array],
    *,
    facing: float,
    lt: float,
    ls: float,
    offset: float,
    foot_ic_deg: float,
) -> dict[str, tuple[Array, Array]]:
    mean, amp, ph = _THIGH
    theta = np.radians(mean + amp * np.cos(phi - ph))
    kappa = np.radians(_knee_deg(phi, offset))
    kx = hip[0] + facing * lt * np.sin(theta)
    ky = hip[1] + lt * np.cos(theta)
    ax = kx + facing * ls * np.sin(theta - kappa)
    ay = ky + ls * np.cos(theta - kappa)
    alpha = np.radians(foot_ic_deg - 15.0 + 15.0 * np.cos(phi - 5.57))
    foot = 0.26 * (lt + ls) / 2
    ux, uy = facing * np.cos(alpha), -np.sin(alpha)  # heel→toe unit vector (image coords)
    hx, hy = ax - 0.25 * foot * ux, ay - 0.25 * foot * uy + 0.05 * foot
    return {
        "knee": (kx, ky),
        "ankle": (ax, ay),
        "heel": (hx, hy),
        "foot_index": (hx + foot * ux, hy + foot * uy),
    }


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

    def pose(t: Array) -> tuple[Array, dict[Side, dict[str, tuple[Array, Array]]], Array]:
        phi_l = 2 * np.pi * cadence_spm / 120.0 * t
        hip = (np.full(t.size, 500.0), 400.0 + 0.012 * body_px * np.cos(2 * phi_l))
        lt = ls = 0.245 * body_px
        legs: dict[Side, dict[str, tuple[Array, Array]]] = {}
        for k, side in enumerate(SIDES):
            phi = phi_l + np.pi * k
            own_hip = (hip[0] + _HIP_DX[side], hip[1])
            legs[side] = _leg_sagittal(
                phi,
                own_hip,
                facing=facing,
                lt=lt,
                ls=ls,
                offset=knee_offset_deg[k],
                foot_ic_deg=foot_ic_deg[k],
            )
        return np.stack(hip, axis=-1), legs, phi_l

    t = np.arange(round(duration_s * fps)) / fps
    hip, legs, _ = pose(t)
    xy, vis = _empty(t.size)
    lean = np.radians(trunk_lean_deg)
    torso = 0.3 * body_px
    shoulder = (hip[:, 0] + facing * torso * np.sin(lean), hip[:, 1] - torso * np.cos(lean))
    for side, dx in _HIP_DX.items():
        _put(xy, f"{side}_hip", hip[:, 0] + dx, hip[:, 1])
        _put(xy, f"{side}_shoulder", shoulder[0] + dx, shoulder[1])
        for part, (x, y) in legs[side].items():
            _put(xy, f"{side}_{part}", x, y)
    _head_and_arms(xy, shoulder, shoulder, torso)
    if speed_px_s:
        start = 500.0 - facing * speed_px_s * duration_s / 2 if start_x_px is None else start_x_px
        xy[:, :, 0] += start - 500.0 + facing * speed_px_s * t[:, None]
    kp = _finish(xy, vis, fps, noise_px=noise_px, seed=seed, source="synthetic:running_sagittal")
    return kp, _sagittal_truth(
        pose,
        cadence_spm=cadence_spm,
        duration_s=duration_s,
        facing=facing,
        trunk_lean_deg=trunk_lean_deg,
        body_px=body_px,
    )


def _sagittal_truth(
    pose: Callable[[Array], tuple[Array, dict[Side, dict[str, tuple[Array, Array]]], Array]],
    *,
    cadence_spm: float,
    duration_s: float,
    facing: float,
    trunk_lean_deg: float,
    body_px: float,
) -> SyntheticTruth:
    """True per-side values on a dense grid, with the pipeline's event definitions."""
    dense = np.arange(0, duration_s, 0.0005)
    hip, legs, _ = pose(dense)
    leg_len = 2 * 0.245 * body_px
    out: dict[str, dict[Side, list[float]]] = {}
    for side in SIDES:
        heel_fwd = (legs[side]["heel"][0] - hip[:, 0]) * facing
        toe_fwd = (legs[side]["foot_index"][0] - hip[:, 0]) * facing
        ics = [
            i
            for i in range(1, dense.size - 1)
            if heel_fwd[i] >= heel_fwd[i - 1]
            and heel_fwd[i] > heel_fwd[i + 1]
            and 0.3 < dense[i] < duration_s - 0.3
        ]
        tos = [
            i
            for i in range(1, dense.size - 1)
            if toe_fwd[i] <= toe_fwd[i - 1] and toe_fwd[i] < toe_fwd[i + 1]
        ]
        hx, hy = hip[:, 0] + _HIP_DX[side], hip[:, 1]
        kx, ky = legs[side]["knee"]
        ax, ay = legs[side]["ankle"]
        v1 = np.stack([kx - hx, ky - hy], -1)
        v2 = np.stack([ax - kx, ay - ky], -1)
        knee = np.degrees(
            np.abs(np.arctan2(v1[:, 0] * v2[:, 1] - v1[:, 1] * v2[:, 0], np.sum(v1 * v2, -1)))
        )
        hx_, hy_ = legs[side]["heel"]
        tx, ty = legs[side]["foot_index"]
        foot = np.degrees(np.arctan2(-(ty - hy_), facing * (tx - hx_)))
        rec = out.setdefault("knee_flexion_at_contact_deg", {}).setdefault(side, [])
        rec += [knee[i] for i in ics]
        peaks = out.setdefault("knee_flexion_peak_stance_deg", {}).setdefault(side, [])
        for i in ics:
            after = [j for j in tos if j > i]
            if after:
                peaks.append(_first_local_max(knee[i : after[0] + 1]))
        out.setdefault("overstride_ratio", {}).setdefault(side, []).extend(
            heel_fwd[i] / leg_len for i in ics
        )
        out.setdefault("foot_strike_angle_deg", {}).setdefault(side, []).extend(
            foot[i] for i in ics
        )
    per_side = {
        name: {s: float(np.mean(v)) if v else float("nan") for s, v in sides.items()}
        for name, sides in out.items()
    }
    per_side["trunk_lean_deg"] = {"left": trunk_lean_deg, "right": trunk_lean_deg}
    return SyntheticTruth(cadence_spm=cadence_spm, per_side=per_side)


def _first_local_max(seg: Array) -> float:
    """The first interior local maximum of a segment (its maximum if none)."""
    for j in range(1, seg.size - 1):
        if seg[j] >= seg[j - 1] and seg[j] > seg[j + 1]:
            return float(seg[j])
    return float(np.max(seg))


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
    width = 0.16 * body_px
    cx, ground = 500.0, 400.0 + 0.5 * body_px
    hip_y = 400.0 + 0.01 * body_px * np.cos(2 * phi_l)
    xy, vis = _empty(n)
    hips: dict[Side, tuple[Array, Array]] = {}
    stance_u: dict[Side, Array] = {}
    for k, side in enumerate(SIDES):
        phi = np.mod(phi_l + np.pi * k, 2 * np.pi)
        u = phi / (2 * np.pi * duty)
        stance_u[side] = np.where(u < 1.0, u, np.nan)
    for k, side in enumerate(SIDES):
        sign = -1.0 if side == "left" else 1.0  # posterior view: left on the image left
        other: Side = "right" if side == "left" else "left"
        # this hip drops while the *other* leg is in stance
        u_other = stance_u[other]
        drop = np.radians(pelvic_drop_deg[1 - k]) * np.sin(np.pi * np.nan_to_num(u_other))
        hips[side] = (
            np.full(n, cx + sign * width / 2),
            hip_y + width * np.tan(drop) * np.isfinite(u_other),
        )
    for k, side in enumerate(SIDES):
        sign = -1.0 if side == "left" else 1.0
        hx, hy = hips[side]
        u = stance_u[side]
        phi = np.mod(phi_l + np.pi * k, 2 * np.pi)
        swing_u = (phi - 2 * np.pi * duty) / (2 * np.pi * (1 - duty))
        ay = np.where(np.isfinite(u), ground, ground - 0.12 * body_px * np.sin(np.pi * swing_u))
        ax = hx.copy()
        span = ay - hy
        fppa = np.radians(fppa_deg[k]) * np.sin(np.pi * np.nan_to_num(u))
        e = np.tan(fppa / 2) * span / 2  # medial offset of the knee (towards the midline)
        kx = hx - sign * e
        ky = hy + span / 2
        _put(xy, f"{side}_hip", hx, hy)
        _put(xy, f"{side}_knee", kx, ky)
        _put(xy, f"{side}_ankle", ax, ay)
        _put(xy, f"{side}_heel", ax, ay + 0.02 * body_px)
        _put(xy, f"{side}_foot_index", ax, ay + 0.03 * body_px)
        _put(xy, f"{side}_shoulder", np.full(n, cx + sign * 0.22 * body_px), hip_y - 0.3 * body_px)
    _head_and_arms(
        xy,
        (xy[:, index_of("left_shoulder"), 0], xy[:, index_of("left_shoulder"), 1]),
        (xy[:, index_of("right_shoulder"), 0], xy[:, index_of("right_shoulder"), 1]),
        0.3 * body_px,
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
    n = t.size
    local = np.mod(t - pause_s, period)
    active = (t >= pause_s) & (local < rep_s)
    s = np.where(active, (1 - np.cos(2 * np.pi * local / rep_s)) / 2, 0.0)
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
    xy, vis = _empty(n)
    other: Side = "right" if stance_side == "left" else "left"
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
    lean = np.radians(lateral_trunk_lean_deg) * s
    torso = 0.3 * body_px
    mid_x = (hx + other_hx) / 2
    sx = mid_x + stance_sign * torso * np.sin(lean)
    sy = hip_y - torso * np.cos(lean)
    half = 0.2 * body_px
    _put(xy, f"{stance_side}_shoulder", sx + stance_sign * half, sy)
    _put(xy, f"{other}_shoulder", sx - stance_sign * half, sy)
    _head_and_arms(
        xy,
        (xy[:, index_of("left_shoulder"), 0], xy[:, index_of("left_shoulder"), 1]),
        (xy[:, index_of("right_shoulder"), 0], xy[:, index_of("right_shoulder"), 1]),
        torso,
    )
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


def _finish(
    xy: Array, vis: Array, fps: float, *, noise_px: float, seed: int, source: str
) -> KeypointSeries:
    if noise_px > 0:
        xy = xy + np.random.default_rng(seed).normal(0.0, noise_px, xy.shape)
    return KeypointSeries(
        xy_px=xy, visibility=vis, fps=fps, width_px=1000, height_px=1000, source=source
    )
