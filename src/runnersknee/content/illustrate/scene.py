"""What an illustration shows (keyframes of joint angles, props, camera) and reading it from
the exercise TOML, with a clear error for a bad value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runnersknee.clinical.errors import ContentError
from runnersknee.content.illustrate.vectors import Vec

__all__ = [
    "ANGLE_NAMES",
    "JOINT_NAMES",
    "PROP_KINDS",
    "Keyframe",
    "Prop",
    "Scene",
    "scene_from_mapping",
]

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
