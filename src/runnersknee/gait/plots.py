"""Plots of joint angles: over the gait cycle (left vs right), or over time for squats.

Uses matplotlib's object API with the Agg canvas (no pyplot global state, no display).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from runnersknee.gait.events import Repetition, Stance
from runnersknee.gait.keypoints import SIDES

__all__ = ["cycle_normalise", "plot_angles"]

Array = NDArray[np.float64]
_COLOURS = {"left": "#1f77b4", "right": "#d62728"}


def cycle_normalise(
    series: Array, stances: Sequence[Stance], side: str, fps: float, points: int = 101
) -> Array:
    """(n_cycles, points) series resampled from each IC to the next IC of the same side."""
    ics = [s.ic_s for s in stances if s.side == side]
    cycles = []
    t = np.arange(series.size) / fps
    for a, b in itertools.pairwise(ics):
        grid = np.linspace(a, b, points)
        mask = (t >= a - 1 / fps) & (t <= b + 1 / fps) & np.isfinite(series)
        if mask.sum() < 5:
            continue
        cycles.append(np.interp(grid, t[mask], series[mask]))
    return np.array(cycles) if cycles else np.empty((0, points))


def plot_angles(
    series: Mapping[str, Array],
    *,
    fps: float,
    task: str,
    view: str,
    stances: Sequence[Stance] = (),
    repetitions: Sequence[Repetition] = (),
    out_stem: Path,
) -> list[Path]:
    """Write ``<stem>.svg`` and ``<stem>.png``; return the paths."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if task == "run":
        names = ["knee_flexion"] + (["fppa", "pelvic_drop"] if view == "frontal" else [])
    else:
        names = ["fppa", "knee_flexion"]
    fig = Figure(figsize=(7, 2.6 * len(names)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(names), 1, squeeze=False)[:, 0]
    for ax, name in zip(axes, names, strict=True):
        for side in SIDES:
            key = f"{name}_{side}_stance_deg" if name == "pelvic_drop" else f"{name}_{side}_deg"
            if key not in series:
                continue
            if task == "run":
                _cycle_panel(ax, series[key], stances, side, fps)
            else:
                t = np.arange(series[key].size) / fps
                ax.plot(t, series[key], color=_COLOURS[side], label=side, lw=1.2)
        if task != "run":
            for rep in repetitions:
                ax.axvline(rep.peak_s, color=_COLOURS[rep.stance_side], ls=":", lw=0.8)
            ax.set_xlabel("time (s)")
        else:
            ax.set_xlabel("gait cycle (% from initial contact)")
        ax.set_ylabel(f"{name.replace('_', ' ')} (deg)")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper right", fontsize=8)
    title = "Running" if task == "run" else task.replace("-", " ").title()
    fig.suptitle(f"{title}, {view} view: left vs right")
    paths = [out_stem.with_suffix(".svg"), out_stem.with_suffix(".png")]
    for path in paths:
        fig.savefig(path, dpi=110)
    return paths


def _cycle_panel(
    ax: object, values: Array, stances: Sequence[Stance], side: str, fps: float
) -> None:
    cycles = cycle_normalise(values, stances, side, fps)
    if cycles.shape[0] == 0:
        return
    pct = np.linspace(0, 100, cycles.shape[1])
    mean, sd = np.nanmean(cycles, axis=0), np.nanstd(cycles, axis=0)
    ax.plot(pct, mean, color=_COLOURS[side], label=f"{side} (n={cycles.shape[0]})")  # type: ignore[attr-defined]
    ax.fill_between(pct, mean - sd, mean + sd, color=_COLOURS[side], alpha=0.2)  # type: ignore[attr-defined]
