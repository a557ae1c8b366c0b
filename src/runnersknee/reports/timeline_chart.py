"""The runner timeline as one figure (PNG or SVG): pain, questionnaire scores with their MCID
band, adherence, weekly km with spike runs, cadence, gait measures and the plan versions on
one shared time axis.

Matplotlib's object API (no pyplot, no global state, no display). Each panel names its unit
and says so when it has nothing to show. SVG output carries no creation date, so the same data
gives the same file.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from runnersknee.clinical.errors import InvalidInput
from runnersknee.reports.running_chart import date2num

__all__ = [
    "TIMELINE_FORMATS",
    "GaitSeries",
    "Points",
    "ScoreSeries",
    "TimelineData",
    "render_timeline",
]

#: Download formats and their media types.
TIMELINE_FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
#: Okabe-Ito colours (colour-blind friendly).
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
Points = tuple[tuple[date, float], ...]
_RC_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ScoreSeries:
    """One questionnaire's totals with its scale and, where it applies, the MCID band."""

    name: str
    minimum: float
    maximum: float
    points: Points
    band: tuple[float, float, str] | None = None


@dataclass(frozen=True, slots=True)
class GaitSeries:
    """One gait measure over the assessments (label with its unit)."""

    label: str
    unit: str
    points: Points


@dataclass(frozen=True, slots=True)
class TimelineData:
    """Everything the figure shows, dated in the clinic's local days."""

    title: str
    start: date
    end: date
    pain: tuple[tuple[str, Points], ...]
    scores: tuple[ScoreSeries, ...]
    adherence: tuple[tuple[date, int], ...]
    weekly_km: tuple[tuple[date, float], ...]
    spikes: tuple[tuple[date, float, str], ...]
    cadence: Points
    cadence_baseline: float | None
    cadence_target: tuple[float, float] | None
    gait: tuple[GaitSeries, ...]
    plans: tuple[tuple[date, str, bool], ...]


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="#555555")


def _lines(ax: Axes, series: Sequence[tuple[str, Points]], empty: str) -> None:
    drawn = False
    for index, (name, points) in enumerate(series):
        if points:
            days, values = zip(*points, strict=True)
            ax.plot(
                date2num(days), values, "o-", ms=3, lw=1.2, label=name, color=_COLOURS[index % 7]
            )
            drawn = True
    if drawn:
        ax.legend(loc="upper left", fontsize="x-small", ncols=3)
    else:
        _empty(ax, empty)


def _pain(ax: Axes, data: TimelineData) -> None:
    _lines(ax, data.pain, "No pain logged in these weeks")
    ax.set_ylim(0, 10)
    ax.set_ylabel("pain (0-10)")
    ax.set_title("Pain during, after and the next morning", loc="left", fontsize="small")


def _score(ax: Axes, score: ScoreSeries) -> None:
    if score.band is not None:
        low, high, label = score.band
        ax.axhspan(low, high, color="#56B4E9", alpha=0.25, label=label)
    _lines(ax, [(score.name, score.points)], f"No {score.name} score in these weeks")
    ax.set_ylim(score.minimum, score.maximum)
    ax.set_ylabel("points")
    ax.set_title(f"{score.name} total", loc="left", fontsize="small")


def _bars(ax: Axes, bars: Sequence[tuple[date, float]], colour: str) -> bool:
    shown = [(d, v) for d, v in bars if v > 0]
    if shown:
        days, values = zip(*shown, strict=True)
        ax.bar(date2num([d + timedelta(days=3) for d in days]), values, width=6, color=colour)
    return bool(shown)


def _adherence(ax: Axes, data: TimelineData) -> None:
    if not _bars(ax, [(d, float(n)) for d, n in data.adherence], "#009E73"):
        _empty(ax, "No exercises logged in these weeks")
    ax.set_ylim(0, 7)
    ax.set_ylabel("days / week")
    ax.set_title("Adherence: days with exercises logged", loc="left", fontsize="small")


def _running(ax: Axes, data: TimelineData) -> None:
    drawn = _bars(ax, data.weekly_km, "#0072B2")
    for day, km, label in data.spikes:
        if not data.start <= day <= data.end:
            continue
        ax.plot(date2num([day]), [km], "v", color="#D55E00", ms=7)
        ax.annotate(
            label,
            (date2num([day])[0], km),
            fontsize="x-small",
            xytext=(3, 3),
            textcoords="offset points",
            color="#D55E00",
        )
    if not drawn and not data.spikes:
        _empty(ax, "No runs in these weeks")
    ax.set_ylabel("km")
    ax.set_title(
        "Weekly km (bars); spike runs > 10 % over the 30-day longest (triangles, km)",
        loc="left",
        fontsize="small",
    )


def _cadence(ax: Axes, data: TimelineData) -> None:
    if data.cadence_target is not None:
        ax.axhspan(*data.cadence_target, color="#56B4E9", alpha=0.25, label="target +5-10 %")
    if data.cadence_baseline is not None:
        ax.axhline(data.cadence_baseline, color="#555555", ls="--", lw=1, label="baseline")
    _lines(ax, [("runs", data.cadence)], "No cadence in these weeks")
    ax.set_ylabel("steps/min")
    ax.set_title("Cadence", loc="left", fontsize="small")


def _gait(ax: Axes, series: Sequence[GaitSeries], unit: str) -> None:
    _lines(ax, [(g.label, g.points) for g in series], "No gait measures recorded")
    ax.set_ylabel(unit)
    ax.set_title(f"Gait measures of the assessments ({unit})", loc="left", fontsize="small")


def _plans(axes: Sequence[Axes], data: TimelineData) -> None:
    for day, label, signed in data.plans:
        if not data.start <= day <= data.end:
            continue
        for ax in axes:
            ax.axvline(
                date2num([day])[0],
                color="#009E73" if signed else "#999999",
                ls="-" if signed else ":",
                lw=1,
            )
        axes[0].annotate(
            label,
            (date2num([day])[0], 1.0),
            xycoords=("data", "axes fraction"),
            fontsize="x-small",
            rotation=90,
            va="top",
            ha="right",
            color="#333333",
        )


def render_timeline(data: TimelineData, fmt: str) -> bytes:
    """The figure as PNG or SVG bytes."""
    if fmt not in TIMELINE_FORMATS:
        raise InvalidInput(
            "choose png or svg", field="format", allowed=list(TIMELINE_FORMATS), got=fmt
        )
    units = sorted({g.unit for g in data.gait}) or ["°"]
    panels = 5 + max(len(data.scores), 1) + len(units) - 1
    figure = Figure(figsize=(10, 1.9 * panels + 0.8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = list(figure.subplots(panels, 1, sharex=True, squeeze=False)[:, 0])
    _pain(axes[0], data)
    scores = data.scores or (ScoreSeries("Questionnaire", 0, 100, ()),)
    for ax, score in zip(axes[1:], scores, strict=False):
        _score(ax, score)
    rest = axes[1 + len(scores) :]
    _adherence(rest[0], data)
    _running(rest[1], data)
    _cadence(rest[2], data)
    for ax, unit in zip(rest[3:], units, strict=True):
        _gait(ax, [g for g in data.gait if g.unit == unit], unit)
    _plans(axes, data)
    last = axes[-1]
    last.set_xlim(*date2num([data.start, data.end + timedelta(days=1)]))
    last.xaxis_date()
    last.set_xlabel("date (plan versions: green = signed, dotted = draft)")
    figure.suptitle(data.title)
    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    # SVG text stays text (searchable, read by screen readers), not glyph outlines. The
    # settings are matplotlib's process-wide rcParams: one render changes them at a time.
    with _RC_LOCK, rc_context({"svg.fonttype": "none", "svg.hashsalt": "runnersknee-timeline"}):
        figure.savefig(out, format=fmt, metadata=metadata, dpi=100)
    return out.getvalue()
