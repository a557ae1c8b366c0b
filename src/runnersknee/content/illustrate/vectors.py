"""3-D vector maths of the stick figure (tuples, metres)."""

from __future__ import annotations

import math

__all__ = ["Vec", "add", "blend", "cross", "dot", "mul", "norm", "rotate"]

Vec = tuple[float, float, float]


def add(*vs: Vec) -> Vec:
    return (sum(v[0] for v in vs), sum(v[1] for v in vs), sum(v[2] for v in vs))


def mul(v: Vec, k: float) -> Vec:
    return (v[0] * k, v[1] * k, v[2] * k)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(v: Vec) -> Vec:
    length = math.sqrt(dot(v, v))
    return mul(v, 1.0 / length) if length > 1e-12 else v


def rotate(v: Vec, axis: Vec, angle_rad: float) -> Vec:
    """Rodrigues rotation of ``v`` about the unit ``axis``."""
    c, s = math.cos(angle_rad), math.sin(angle_rad)
    return add(mul(v, c), mul(cross(axis, v), s), mul(axis, dot(axis, v) * (1 - c)))


def blend(a: Vec, b: Vec, angle_deg: float) -> Vec:
    """``a`` turned toward ``b`` (both unit, orthogonal) by ``angle_deg``."""
    r = math.radians(angle_deg)
    return add(mul(a, math.cos(r)), mul(b, math.sin(r)))
