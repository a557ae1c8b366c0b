"""2D angle math and sign conventions (pure numpy, vectorised over frames).

All inputs are (n, 2) pixel arrays in image coordinates (x right, **y down**). Every
convention below is also written in docs/angle-conventions.md; keep the two in step.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FOOT_ANGLE_CONVENTION",
    "FPPA_CONVENTION",
    "KNEE_FLEXION_CONVENTION",
    "KNEE_MEDIAL_OFFSET_CONVENTION",
    "LATERAL_TRUNK_LEAN_CONVENTION",
    "OVERSTRIDE_CONVENTION",
    "PELVIC_DROP_CONVENTION",
    "TRUNK_FORWARD_LEAN_CONVENTION",
    "facing_sign",
    "foot_angle_deg",
    "fppa_deg",
    "knee_flexion_deg",
    "knee_medial_offset",
    "lateral_trunk_lean_deg",
    "pelvic_drop_deg",
    "segment_length",
    "trunk_forward_lean_deg",
]

Array = NDArray[np.float64]

#: Knee flexion (sagittal): 0° = thigh and shank in line (straight knee), positive = flexed.
#: 180° minus the hip-knee-ankle angle; 2D, so hyperextension also reads as a small positive.
KNEE_FLEXION_CONVENTION = "0 deg = straight knee; positive = flexion"
#: FPPA (frontal): angle between hip→knee and the extension of knee→ankle; positive = valgus
#: (knee medial to the hip-ankle line), negative = varus (knowledge base 3.3).
FPPA_CONVENTION = "positive = valgus (knee medial to the hip-ankle line); negative = varus"
#: Pelvic drop (frontal): tilt of the hip line from horizontal; positive = the hip of the
#: side *opposite* the stance limb is lower (contralateral pelvic drop).
PELVIC_DROP_CONVENTION = "positive = contralateral (swing-side) hip lower than stance-side hip"
#: Trunk forward lean (sagittal): hip-midpoint→shoulder-midpoint line from vertical;
#: positive = leaning towards the direction of travel.
TRUNK_FORWARD_LEAN_CONVENTION = "0 deg = upright; positive = forward (direction of travel)"
#: Lateral trunk lean (frontal): same line from vertical; positive = towards the stance side.
LATERAL_TRUNK_LEAN_CONVENTION = "0 deg = upright; positive = towards the stance-limb side"
#: Overstride (sagittal): horizontal heel position minus hip-midpoint position at initial
#: contact, divided by leg length; positive = heel ahead of the hips.
OVERSTRIDE_CONVENTION = "positive = heel ahead of the hip midpoint, in leg lengths"
#: Foot angle (sagittal): heel→toe line from horizontal; positive = toes up (dorsiflexed foot).
FOOT_ANGLE_CONVENTION = "0 deg = foot level; positive = toes higher than heel"
#: Knee-over-foot (frontal): horizontal knee position minus ankle position, divided by the
#: hip width; positive = knee medial to the ankle.
KNEE_MEDIAL_OFFSET_CONVENTION = "positive = knee medial to the ankle, in hip widths"


def _up(v: Array) -> Array:
    """Image vectors (y down) → mathematical vectors (y up)."""
    out = np.array(v, dtype=np.float64, copy=True)
    out[..., 1] = -out[..., 1]
    return out


def _angle_between_deg(a: Array, b: Array) -> Array:
    """Unsigned angle between vectors a and b (rows), degrees in [0, 180]."""
    dot = np.sum(a * b, axis=-1)
    cross = a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
    return np.asarray(np.degrees(np.abs(np.arctan2(cross, dot))), dtype=np.float64)


def segment_length(a: Array, b: Array) -> Array:
    """Euclidean distance between two points per frame (pixels)."""
    return np.asarray(np.linalg.norm(np.asarray(b) - np.asarray(a), axis=-1), dtype=np.float64)


def knee_flexion_deg(hip: Array, knee: Array, ankle: Array) -> Array:
    """Knee flexion: angle between thigh (hip→knee) and shank (knee→ankle) directions."""
    return _angle_between_deg(knee - hip, ankle - knee)


def _medial_sign(this_hip: Array, other_hip: Array) -> Array:
    """+1 where the body midline (other hip) lies at larger x than this hip, else −1."""
    return np.where(other_hip[..., 0] >= this_hip[..., 0], 1.0, -1.0)


def fppa_deg(hip: Array, knee: Array, ankle: Array, other_hip: Array) -> Array:
    """Frontal-plane projection angle of one leg (positive = valgus).

    The magnitude is the deviation of the shank from the extended thigh line; the sign is
    positive when the knee lies medially (towards the other hip) of the hip-ankle line, which
    does not depend on whether the camera films from the front or the back.
    """
    magnitude = _angle_between_deg(knee - hip, ankle - knee)
    line = ankle - hip
    rel = knee - hip
    # horizontal offset of the knee from the hip-ankle line, at the knee's height
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(np.abs(line[..., 1]) > 1e-9, rel[..., 1] / line[..., 1], 0.5)
    offset_x = rel[..., 0] - t * line[..., 0]
    sign = np.sign(offset_x * _medial_sign(hip, other_hip))
    return np.asarray(magnitude * np.where(sign == 0, 1.0, sign), dtype=np.float64)


def pelvic_drop_deg(stance_hip: Array, swing_hip: Array) -> Array:
    """Pelvic drop: positive when the swing-side hip is lower than the stance-side hip."""
    dx = np.abs(swing_hip[..., 0] - stance_hip[..., 0])
    dy_down = swing_hip[..., 1] - stance_hip[..., 1]  # image y grows downwards
    return np.asarray(np.degrees(np.arctan2(dy_down, dx)), dtype=np.float64)


def facing_sign(heel: Array, toe: Array) -> float:
    """+1 if the person faces +x in the image (toes right of heels), −1 otherwise, 0 unknown."""
    dx = (np.asarray(toe) - np.asarray(heel))[..., 0]
    dx = dx[np.isfinite(dx)]
    if dx.size == 0:
        return 0.0
    med = float(np.median(dx))
    return 0.0 if med == 0 else float(np.sign(med))


def trunk_forward_lean_deg(hip_mid: Array, shoulder_mid: Array, facing: float | Array) -> Array:
    """Trunk lean from vertical; positive = towards the direction of travel (``facing``)."""
    v = _up(shoulder_mid - hip_mid)
    return np.asarray(np.degrees(np.arctan2(facing * v[..., 0], v[..., 1])), dtype=np.float64)


def lateral_trunk_lean_deg(
    hip_mid: Array, shoulder_mid: Array, stance_hip: Array, swing_hip: Array
) -> Array:
    """Lateral trunk lean from vertical; positive = towards the stance side."""
    v = _up(shoulder_mid - hip_mid)
    towards_stance = np.where(stance_hip[..., 0] >= swing_hip[..., 0], 1.0, -1.0)
    return np.asarray(
        np.degrees(np.arctan2(towards_stance * v[..., 0], v[..., 1])), dtype=np.float64
    )


def foot_angle_deg(heel: Array, toe: Array, facing: float | Array) -> Array:
    """Heel→toe line from horizontal; positive = toes higher than heel."""
    v = _up(toe - heel)
    return np.asarray(np.degrees(np.arctan2(v[..., 1], facing * v[..., 0])), dtype=np.float64)


def knee_medial_offset(knee: Array, ankle: Array, this_hip: Array, other_hip: Array) -> Array:
    """Knee horizontal position relative to the ankle, in hip widths; positive = medial."""
    width = np.abs(other_hip[..., 0] - this_hip[..., 0])
    medial = _medial_sign(this_hip, other_hip)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (knee[..., 0] - ankle[..., 0]) * medial / np.where(width > 0, width, np.nan)
    return np.asarray(out, dtype=np.float64)
