"""Signal cleaning: outliers, gaps, zero-lag low-pass, visibility gating."""

from __future__ import annotations

import numpy as np
import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.gait import synthetic
from runnersknee.gait.signals import (
    SignalProcessing,
    butterworth_zero_lag,
    fill_gaps,
    hampel_mask,
    true_runs,
)


def test_true_runs() -> None:
    assert true_runs(np.array([0, 1, 1, 0, 1], dtype=bool)) == [(1, 3), (4, 5)]


def test_hampel_flags_a_spike_only() -> None:
    x = np.sin(np.linspace(0, 6, 120))
    x[50] += 5.0
    mask = hampel_mask(x, 7, 3.0)
    assert mask[50]
    assert mask.sum() == 1


def test_fill_gaps_interpolates_short_interior_gaps_only() -> None:
    x = np.arange(20, dtype=float)
    x[[0, 5, 6, 12, 13, 14, 15, 16]] = np.nan
    y = fill_gaps(x, max_gap=3)
    assert np.isnan(y[0])  # leading gap stays
    assert y[5:7] == pytest.approx([5.0, 6.0])
    assert np.isnan(y[12:17]).all()  # 5 samples > max_gap


def test_butterworth_is_zero_lag_and_removes_high_frequency() -> None:
    fps = 60.0
    t = np.arange(600) / fps
    slow = np.sin(2 * np.pi * 1.5 * t)
    fast = 0.5 * np.sin(2 * np.pi * 20 * t)
    y = butterworth_zero_lag(slow + fast, fps, 6.0, 4)
    inner = slice(60, -60)
    assert np.max(np.abs(y[inner] - slow[inner])) < 0.01  # no lag, no 20 Hz left


def test_butterworth_caps_cutoff_below_nyquist() -> None:
    x = np.random.default_rng(1).normal(size=200)
    y = butterworth_zero_lag(x, 10.0, 6.0, 4)  # 6 Hz > Nyquist 5 Hz: capped, no error
    assert np.isfinite(y).all()


def test_visibility_gate_turns_landmarks_missing() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=2.0)
    vis = kp.visibility.copy()
    vis[:, 25] = 0.1  # left knee hidden everywhere
    proc = SignalProcessing(min_visibility=0.3).process(kp.replace(visibility=vis))
    assert np.isnan(proc.keypoints_.xy_px[:, 25]).all()
    assert proc.valid_fraction_[25] == 0.0
    assert proc.valid_fraction_[23] == 1.0


def test_outlier_removed_and_filled() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=3.0)
    xy = kp.xy_px.copy()
    clean = SignalProcessing().process(kp).keypoints_.xy_px[90, 27].copy()
    xy[90, 27] += (300.0, -250.0)  # one wild ankle sample
    proc = SignalProcessing().process(kp.replace(xy_px=xy))
    assert proc.outliers_removed_ >= 1
    assert proc.keypoints_.xy_px[90, 27] == pytest.approx(clean, abs=2.0)


def test_bad_parameters_are_refused() -> None:
    kp, _ = synthetic.running_sagittal(duration_s=1.0)
    with pytest.raises(InvalidInput):
        SignalProcessing(cutoff_hz=0).process(kp)
    with pytest.raises(InvalidInput):
        SignalProcessing(min_visibility=2).process(kp)
