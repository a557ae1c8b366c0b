"""The running chart: weekly distance, per-run spikes and cadence against the target band.

Matplotlib's object API (no pyplot, no global state); SVG or PNG chosen by the file suffix.
SVG output carries no creation date, so the same data gives the same file.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.load import CadenceSummary, RunSpike, SpikeCategory, WeeklyLoad

__all__ = ["CHART_SUFFIXES", "SPIKE_COLOURS", "date2num", "render_running_chart"]

CHART_SUFFIXES = (".svg", ".png")
#: Colour per spike category (colour-blind friendly Okabe-Ito palette).
SPIKE_COLOURS = {
    SpikeCategory.NONE: "#009E73",
    SpikeCategory.SMALL: "#E69F00",
    SpikeCategory.MODERATE: "#D55E00",
    SpikeCategory.LARGE: "#CC79A7",
    SpikeCategory.NO_REFERENCE: "#999999",
}


def date2num(moments: Sequence[date]) -> list[float]:
    """Matplotlib day numbers (days since its default epoch 1970-01-01 UTC)."""
    epoch = date(1970, 1, 1).toordinal()
    return [
        m.timestamp() / 86400 if isinstance(m, datetime) else float(m.toordinal() - epoch)
        for m in moments
    ]


def _weekly(ax: Axes, weeks: Sequence[WeeklyLoad]) -> None:
    ax.bar(
        date2num([w.week_start + timedelta(days=3) for w in weeks]),
        [w.distance_m / 1000 for w in weeks],
        width=6,
        color="#0072B2",
    )
    ax.set_ylabel("km per week")
    ax.set_title("Weekly distance (change from the week before: information only)")


def _spikes(ax: Axes, spikes: Sequence[RunSpike]) -> None:
    for category, colour in SPIKE_COLOURS.items():
        members = [s for s in spikes if s.category is category]
        if members:
            ax.scatter(
                date2num([s.start for s in members]),
                [s.distance_m / 1000 for s in members],
                color=colour,
                label=category.value.replace("_", " "),
                s=18,
            )
    ax.set_ylabel("km per run")
    ax.set_title("Runs by single-session spike (Frandsen 2025)")
    if spikes:
        ax.legend(loc="upper left", fontsize="small")


def _cadence(ax: Axes, cadence: CadenceSummary) -> None:
    points = cadence.points
    if points:
        ax.plot(date2num([p.start for p in points]), [p.cadence_spm for p in points], "o-", ms=3)
    if cadence.target_low_spm and cadence.target_high_spm and cadence.baseline_spm:
        ax.axhspan(cadence.target_low_spm, cadence.target_high_spm, color="#56B4E9", alpha=0.3)
        ax.axhline(cadence.baseline_spm, color="#555555", linestyle="--", linewidth=1)
    ax.set_ylabel("steps/min")
    ax.set_title("Cadence: baseline (dashed) and target +5-10 % (band)")


def render_running_chart(
    out: Path,
    weeks: Sequence[WeeklyLoad],
    spikes: Sequence[RunSpike],
    cadence: CadenceSummary,
) -> Path:
    """Write the three-panel chart to ``out`` (``.svg`` or ``.png``) and return the path."""
    suffix = out.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise InvalidInput(
            f"chart file must end in .svg or .png (got {out.name})",
            field="chart",
            allowed=list(CHART_SUFFIXES),
            got=out.name,
        )
    figure = Figure(figsize=(9, 9), layout="constrained")
    axes = figure.subplots(3, 1, sharex=True)
    _weekly(axes[0], weeks)
    _spikes(axes[1], spikes)
    _cadence(axes[2], cadence)
    axes[2].xaxis_date()
    figure.autofmt_xdate()
    metadata = {"Date": None} if suffix == ".svg" else {}
    figure.savefig(out, format=suffix[1:], metadata=metadata)
    return out
