"""Landmark signal cleaning: visibility gating, outlier rejection, gap filling, low-pass.

Defaults follow Sports2D / Pose2Sim (product/anchor-systems.md, part C1): keep keypoints with
likelihood ≥ 0.3, Hampel outlier filter (window 7), interpolate short gaps, then a zero-lag
(forward-backward) Butterworth low-pass of order 4 at 6 Hz.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait.keypoints import KeypointSeries

__all__ = [
    "SignalProcessing",
    "butterworth_zero_lag",
    "fill_gaps",
    "hampel_mask",
    "true_runs",
]

Array = NDArray[np.float64]


def true_runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open (start, stop) index ranges where ``mask`` is True."""
    padded = np.concatenate(([False], np.asarray(mask, dtype=bool), [False]))
    diff = np.diff(padded.astype(np.int8))
    starts = np.flatnonzero(diff == 1)
    stops = np.flatnonzero(diff == -1)
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True)]


def hampel_mask(x: Array, window: int, n_sigma: float) -> NDArray[np.bool_]:
    """True where a sample is an outlier: farther than ``n_sigma`` scaled MADs from the
    median of its centred window (``window`` samples). nan samples are never outliers."""
    x = np.asarray(x, dtype=np.float64)
    half = window // 2
    if x.size == 0:
        return np.zeros(0, dtype=bool)
    padded = np.concatenate((np.full(half, np.nan), x, np.full(half, np.nan)))
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    counts = np.isfinite(win).sum(axis=1)
    enough = counts >= 3
    med = np.full(x.size, np.nan)
    mad = np.full(x.size, np.nan)
    if enough.any():
        sub = win[enough]
        med[enough] = np.nanmedian(sub, axis=1)
        mad[enough] = 1.4826 * np.nanmedian(np.abs(sub - med[enough, None]), axis=1)
    with np.errstate(invalid="ignore"):
        out = np.isfinite(x) & enough & (mad > 0) & (np.abs(x - med) > n_sigma * mad)
    return np.asarray(out, dtype=bool)


def fill_gaps(x: Array, max_gap: int) -> Array:
    """Linearly interpolate interior nan gaps of at most ``max_gap`` samples."""
    y = np.array(x, dtype=np.float64, copy=True)
    finite = np.isfinite(y)
    if finite.sum() < 2:
        return y
    idx = np.arange(y.size)
    first, last = np.flatnonzero(finite)[[0, -1]]
    for start, stop in true_runs(~finite):
        if start <= first or stop > last or stop - start > max_gap:
            continue
        y[start:stop] = np.interp(idx[start:stop], idx[finite], y[finite])
    return y


@lru_cache(maxsize=64)
def _low_pass_design(order: int, wn: float) -> tuple[tuple[float, ...], ...]:
    from scipy.signal import butter  # SciPy on use: importing it takes ~1 s

    sos = butter(order, wn, btype="low", output="sos")
    return tuple(tuple(float(v) for v in row) for row in sos)


def _low_pass_sos(order: int, wn: float) -> Array:
    """The Butterworth design, computed once per (order, cut-off): ``process`` filters 66
    coordinate series with the same design, and designing it cost more than filtering.
    A fresh array each time (scipy's filter wants a writable one)."""
    return np.array(_low_pass_design(order, wn), dtype=np.float64)


def butterworth_zero_lag(x: Array, fps: float, cutoff_hz: float, order: int) -> Array:
    """Forward-backward Butterworth low-pass, applied to each finite stretch separately.

    Stretches too short for the filter's padding are left unfiltered. The cut-off is capped
    at 0.8 × Nyquist for low frame rates.
    """
    from scipy.signal import sosfiltfilt

    y = np.array(x, dtype=np.float64, copy=True)
    nyquist = fps / 2.0
    wn = min(cutoff_hz, 0.8 * nyquist) / nyquist
    sos = _low_pass_sos(order, wn)
    min_len = 3 * (2 * sos.shape[0] + 1)
    for start, stop in true_runs(np.isfinite(y)):
        if stop - start > min_len:
            y[start:stop] = sosfiltfilt(sos, y[start:stop])
    return y


class SignalProcessing:
    """Clean the landmark trajectories of a :class:`KeypointSeries`.

    Parameters
    ----------
    min_visibility
        Landmarks below this visibility are treated as missing (Sports2D default 0.3).
    hampel_window
        Samples in the centred outlier window (Sports2D default 7).
    hampel_n_sigma
        Outlier threshold in scaled MADs (3 ≈ 99.7 % for normal noise).
    max_gap_s
        Longest gap (seconds) filled by linear interpolation; longer gaps stay missing.
    cutoff_hz
        Low-pass cut-off (Sports2D/Pose2Sim default 6 Hz).
    filter_order
        Butterworth order (Sports2D default 4); applied forwards and backwards (zero lag).

    Attributes
    ----------
    keypoints_
        The cleaned series (same shape; nan where still missing).
    valid_fraction_
        (33,) fraction of frames where each landmark passed the visibility gate.
    outliers_removed_
        Total number of samples rejected as outliers.
    """

    def __init__(
        self,
        *,
        min_visibility: float = 0.3,
        hampel_window: int = 7,
        hampel_n_sigma: float = 3.0,
        max_gap_s: float = 0.2,
        cutoff_hz: float = 6.0,
        filter_order: int = 4,
    ) -> None:
        self.min_visibility = min_visibility
        self.hampel_window = hampel_window
        self.hampel_n_sigma = hampel_n_sigma
        self.max_gap_s = max_gap_s
        self.cutoff_hz = cutoff_hz
        self.filter_order = filter_order

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters (for provenance)."""
        return {
            "min_visibility": self.min_visibility,
            "hampel_window": self.hampel_window,
            "hampel_n_sigma": self.hampel_n_sigma,
            "max_gap_s": self.max_gap_s,
            "cutoff_hz": self.cutoff_hz,
            "filter_order": self.filter_order,
        }

    def _check(self) -> None:
        if not 0.0 <= self.min_visibility <= 1.0:
            raise InvalidInput("min_visibility must be in 0..1", field="min_visibility")
        if self.cutoff_hz <= 0 or self.filter_order < 1:
            raise InvalidInput("cutoff_hz and filter_order must be positive", field="cutoff_hz")
        if self.hampel_window < 3:
            raise InvalidInput("hampel_window must be at least 3", field="hampel_window")

    def process(self, keypoints: KeypointSeries) -> Self:
        """Gate, de-spike, fill and filter every landmark coordinate; return self."""
        self._check()
        xy = np.array(keypoints.xy_px, dtype=np.float64, copy=True)
        gate = keypoints.visibility >= self.min_visibility
        xy[~gate] = np.nan
        self.valid_fraction_ = gate.mean(axis=0) if keypoints.n_frames else np.zeros(len(gate.T))
        max_gap = max(1, round(self.max_gap_s * keypoints.fps))
        removed = 0
        for k in range(xy.shape[1]):
            bad = np.zeros(xy.shape[0], dtype=bool)
            for c in range(2):
                bad |= hampel_mask(xy[:, k, c], self.hampel_window, self.hampel_n_sigma)
            removed += int(bad.sum())
            xy[bad, k, :] = np.nan
            for c in range(2):
                filled = fill_gaps(xy[:, k, c], max_gap)
                xy[:, k, c] = butterworth_zero_lag(
                    filled, keypoints.fps, self.cutoff_hz, self.filter_order
                )
        self.outliers_removed_ = removed
        self.keypoints_ = keypoints.replace(xy_px=xy)
        return self
