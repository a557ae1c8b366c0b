"""Small server-side SVG charts (no JavaScript): lines over dates, and weekly bars.

Every chart carries ``role="img"``, a ``<title>`` and a ``<desc>`` listing its values, so it
is readable without sight. All text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

__all__ = ["Band", "Series", "bar_chart", "line_chart"]

_PALETTE = ("#1b5e8c", "#b3261e", "#2e7d32", "#6a3d9a")
_W, _H, _PAD_L, _PAD_R, _PAD_T, _PAD_B = 640, 240, 44, 12, 16, 36


@dataclass(frozen=True, slots=True)
class Series:
    """Named points (date, value)."""

    name: str
    points: tuple[tuple[date, float], ...]


@dataclass(frozen=True, slots=True)
class Band:
    """A shaded horizontal band (e.g. an MCID range around the baseline)."""

    low: float
    high: float
    label: str


def _x(day: date, first: date, span: int) -> float:
    return _PAD_L + (day - first).days / max(span, 1) * (_W - _PAD_L - _PAD_R)


def _y(value: float, low: float, high: float) -> float:
    value = min(max(value, low), high)
    return _H - _PAD_B - (value - low) / (high - low) * (_H - _PAD_T - _PAD_B)


def _frame(title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" role="img" '
        f'class="chart" aria-label="{escape(title, {chr(34): "&quot;"})}">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(body)}</svg>"
    )


def _axes(low: float, high: float, first: date, last: date) -> list[str]:
    out = [
        f'<line x1="{_PAD_L}" y1="{_H - _PAD_B}" x2="{_W - _PAD_R}" y2="{_H - _PAD_B}" '
        'stroke="#555"/>',
        f'<line x1="{_PAD_L}" y1="{_PAD_T}" x2="{_PAD_L}" y2="{_H - _PAD_B}" stroke="#555"/>',
    ]
    for value in (low, (low + high) / 2, high):
        y = _y(value, low, high)
        out.append(
            f'<text x="{_PAD_L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#222">{value:g}</text>'
        )
    for day, anchor, x in ((first, "start", _PAD_L), (last, "end", _W - _PAD_R)):
        out.append(
            f'<text x="{x}" y="{_H - 12}" text-anchor="{anchor}" font-size="12" '
            f'fill="#222">{day.isoformat()}</text>'
        )
    return out


def line_chart(
    title: str,
    series: Sequence[Series],
    low: float,
    high: float,
    bands: Sequence[Band] = (),
) -> str:
    """Lines of ``series`` on a ``low``–``high`` axis, with optional shaded bands."""
    points = [p for s in series for p in s.points]
    if not points or high <= low:
        return _frame(title, "No data yet.", [])
    first = min(d for d, _ in points)
    last = max(d for d, _ in points)
    span = (last - first).days
    body = _axes(low, high, first, last)
    for band in bands:
        top, bottom = _y(band.high, low, high), _y(band.low, low, high)
        body.append(
            f'<rect x="{_PAD_L}" y="{top:.1f}" width="{_W - _PAD_L - _PAD_R}" '
            f'height="{max(bottom - top, 1):.1f}" fill="#f2c94c" fill-opacity="0.25"/>'
            f'<text x="{_W - _PAD_R - 4}" y="{top + 14:.1f}" text-anchor="end" font-size="11" '
            f'fill="#5c4400">{escape(band.label)}</text>'
        )
    desc: list[str] = []
    for index, line in enumerate(series):
        colour = _PALETTE[index % len(_PALETTE)]
        coords = [(_x(d, first, span), _y(v, low, high)) for d, v in line.points]
        if coords:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            body.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
            body.extend(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in coords
            )
        body.append(
            f'<text x="{_PAD_L + 8 + index * 150}" y="{_PAD_T + 2}" font-size="12" '
            f'fill="{colour}">{escape(line.name)}</text>'
        )
        values = ", ".join(f"{d.isoformat()}: {v:g}" for d, v in line.points)
        desc.append(f"{line.name}: {values or 'no values'}.")
    return _frame(title, " ".join(desc), body)


def bar_chart(title: str, bars: Sequence[tuple[str, float]], high: float) -> str:
    """Vertical bars (label, value) on a 0–``high`` axis."""
    if not bars or high <= 0:
        return _frame(title, "No data yet.", [])
    width = (_W - _PAD_L - _PAD_R) / len(bars)
    body = [
        f'<line x1="{_PAD_L}" y1="{_H - _PAD_B}" x2="{_W - _PAD_R}" y2="{_H - _PAD_B}" '
        'stroke="#555"/>'
    ]
    for index, (label, value) in enumerate(bars):
        top = _y(value, 0, high)
        x = _PAD_L + index * width
        body.append(
            f'<rect x="{x + 2:.1f}" y="{top:.1f}" width="{max(width - 4, 1):.1f}" '
            f'height="{_H - _PAD_B - top:.1f}" fill="#1b5e8c"/>'
        )
        if len(bars) <= 12:
            body.append(
                f'<text x="{x + width / 2:.1f}" y="{_H - 12}" text-anchor="middle" '
                f'font-size="11" fill="#222">{escape(label)}</text>'
            )
    desc = ", ".join(f"{label}: {value:g}" for label, value in bars)
    return _frame(title, desc, body)
