"""Small server-side SVG charts (no JavaScript): lines over dates, and weekly bars.

Every chart carries ``role="img"``, a ``<title>`` and a ``<desc>`` listing its values, so it
is readable without sight. All text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape

__all__ = ["Band", "Marker", "Series", "bar_chart", "line_chart", "weekly_load_chart"]

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


@dataclass(frozen=True, slots=True)
class Marker:
    """A point event on a weekly chart (e.g. a spike run): day, value, label, severity."""

    day: date
    value: float
    label: str
    severe: bool = False


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


def _nice_top(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if value <= step * 5:
            return float(step * max(1, -(-value // step)))
    return float(value)


def weekly_load_chart(
    title: str, weeks: Sequence[tuple[date, float]], markers: Sequence[Marker] = ()
) -> str:
    """Bars per week (Monday, value) and markers on the day they happened.

    A severe marker is a filled red triangle with a black outline; others an outlined orange
    triangle. Each marker is also named in ``<desc>`` (so the chart reads without colour).
    """
    if not weeks:
        return _frame(title, "No data yet.", [])
    top = _nice_top(max([v for _, v in weeks] + [m.value for m in markers] + [1.0]) * 1.1)
    width = (_W - _PAD_L - _PAD_R) / len(weeks)
    first = weeks[0][0]
    body = _axes(0.0, top, first, weeks[-1][0])
    for index, (_, value) in enumerate(weeks):
        bar_top = _y(value, 0, top)
        body.append(
            f'<rect x="{_PAD_L + index * width + 2:.1f}" y="{bar_top:.1f}" '
            f'width="{max(width - 4, 1):.1f}" height="{_H - _PAD_B - bar_top:.1f}" '
            'fill="#1b5e8c" fill-opacity="0.8"/>'
        )
    for mark in markers:
        x = _PAD_L + (mark.day - first).days / 7 * width + width / 14
        y = _y(mark.value, 0, top)
        fill, stroke = ("#b3261e", "#000") if mark.severe else ("#fff", "#b35900")
        body.append(
            f'<path d="M{x:.1f},{y - 7:.1f} L{x - 6:.1f},{y + 4:.1f} L{x + 6:.1f},{y + 4:.1f} Z" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"><title>'
            f"{escape(mark.day.isoformat())}: {escape(mark.label)}</title></path>"
        )
    if markers:
        body.append(
            f'<text x="{_W - _PAD_R}" y="{_PAD_T + 2}" text-anchor="end" font-size="12" '
            'fill="#222">▲ spike (red: above 30 %)</text>'
        )
    values = ", ".join(f"week of {d.isoformat()}: {v:.1f}" for d, v in weeks)
    marks = "; ".join(f"{m.day.isoformat()}: {m.value:.1f} ({m.label})" for m in markers)
    desc = f"{values}." + (f" Marked: {marks}." if marks else " No spikes.")
    return _frame(title, desc, body)
