"""The side-view running model: one stride of a 2D leg, and the true metrics it implies.

The model is deliberately smooth (two harmonics per stride), so a 6 Hz zero-lag low-pass
barely changes it. True values are computed from the model itself on a dense (2 kHz) time
grid, using the same event definitions as the pipeline (initial contact = heel furthest ahead
of the hip midpoint).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.keypoints import SIDES, Side

__all__ = ["HIP_DX", "Legs", "Pose", "sagittal_pose", "sagittal_truth"]

Array = NDArray[np.float64]
#: Leg landmarks (knee, ankle, heel, foot_index) as (x, y) columns, by side.
Legs = dict[Side, dict[str, tuple[Array, Array]]]
#: Times → hip midpoint (n × 2), legs and left-leg phase.
Pose = Callable[[Array], tuple[Array, Legs, Array]]

# Knee flexion over one stride (phase 0..2π), degrees: IC ≈ 19°, stance peak ≈ 36°,
# swing peak ≈ 100° (coefficients of 1, cos φ, sin φ, cos 2φ, sin 2φ).
_KNEE = (46.58, -25.01, -19.05, 3.63, 21.47)
#: Mean, amplitude and phase of the thigh angle from vertical (deg).
_THIGH = (10.0, 22.0, 5.14)
#: Side view: the far and near hips are drawn 2 px apart; each leg hangs from its own hip.
HIP_DX: dict[Side, float] = {"left": -2.0, "right": 2.0}


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


def sagittal_pose(
    t: Array,
    *,
    cadence_spm: float,
    body_px: float,
    facing: float,
    knee_offset_deg: tuple[float, float],
    foot_ic_deg: tuple[float, float],
) -> tuple[Array, Legs, Array]:
    """Hip midpoint (n × 2), leg landmarks by side and left-leg phase at times ``t``."""
    phi_l = 2 * np.pi * cadence_spm / 120.0 * t
    hip = (np.full(t.size, 500.0), 400.0 + 0.012 * body_px * np.cos(2 * phi_l))
    lt = ls = 0.245 * body_px
    legs: Legs = {}
    for k, side in enumerate(SIDES):
        phi = phi_l + np.pi * k
        own_hip = (hip[0] + HIP_DX[side], hip[1])
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


def sagittal_truth(
    pose: Pose,
    *,
    duration_s: float,
    facing: float,
    body_px: float,
) -> dict[str, dict[Side, float]]:
    """True per-side values by metric on a dense grid, with the pipeline's event definitions."""
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
        hx, hy = hip[:, 0] + HIP_DX[side], hip[:, 1]
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
    return {
        name: {s: float(np.mean(v)) if v else float("nan") for s, v in sides.items()}
        for name, sides in out.items()
    }


def _first_local_max(seg: Array) -> float:
    """The first interior local maximum of a segment (its maximum if none)."""
    for j in range(1, seg.size - 1):
        if seg[j] >= seg[j - 1] and seg[j] > seg[j + 1]:
            return float(seg[j])
    return float(np.max(seg))
