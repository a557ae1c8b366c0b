"""Load rules (KB 7.4, Frandsen 2025) and cadence targets (KB 6.3) on constructed histories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.load import (
    CadenceStatus,
    SpikeCategory,
    cadence_summary,
    classify_spike,
    longest_in_window,
    spikes,
    weekly_load,
)


@dataclass(frozen=True)
class R:
    start: datetime
    distance_m: float
    duration_s: float = 1800.0
    cadence_spm: float | None = None


def day(n: int) -> datetime:
    return datetime(2024, 1, 1, 7, tzinfo=UTC) + timedelta(days=n)


@pytest.mark.parametrize(
    ("distance", "longest", "category"),
    [
        (11000, 10000, SpikeCategory.NONE),  # exactly +10 %
        (11001, 10000, SpikeCategory.SMALL),
        (13000, 10000, SpikeCategory.SMALL),  # exactly +30 %
        (13001, 10000, SpikeCategory.MODERATE),
        (20000, 10000, SpikeCategory.MODERATE),  # exactly +100 %
        (20001, 10000, SpikeCategory.LARGE),
        (5000, 10000, SpikeCategory.NONE),
        (5000, 0, SpikeCategory.NO_REFERENCE),
    ],
)
def test_spike_category_boundaries(
    distance: float, longest: float, category: SpikeCategory
) -> None:
    assert classify_spike(distance, longest) is category


def test_spikes_use_only_the_previous_30_days() -> None:
    history = [
        R(day(0), 20000),
        R(day(10), 8000),
        R(day(31), 10000),
        R(day(35), 12000),
        R(day(36), 25000),
    ]
    result = spikes(list(reversed(history)))
    assert [s.category for s in result] == [
        SpikeCategory.NO_REFERENCE,  # first run
        SpikeCategory.NONE,  # 8 km vs 20 km
        SpikeCategory.SMALL,  # day 31: the 20 km run is 31 days old; 10 vs 8 km = +25 %
        SpikeCategory.SMALL,  # 12 vs 10 km = +20 %
        SpikeCategory.LARGE,  # 25 vs 12 km = +108 %
    ]
    assert result[2].longest_previous_30d_m == 8000
    assert result[2].category is SpikeCategory.SMALL
    assert result[3].category is SpikeCategory.SMALL
    assert result[4].longest_previous_30d_m == 12000
    assert result[4].category is SpikeCategory.LARGE
    assert result[4].citation_ids == ("FRANDSEN-2025",)


def test_longest_in_window_needs_aware_times() -> None:
    with pytest.raises(InvalidInput, match="timezone"):
        longest_in_window([], datetime(2024, 1, 1))


def test_weekly_load_fills_gaps_and_reports_change_as_information() -> None:
    weeks = weekly_load([R(day(0), 5000), R(day(2), 7000), R(day(15), 6000)])
    assert [w.week_start for w in weeks] == [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 15)]
    assert [w.distance_m for w in weeks] == [12000, 0, 6000]
    assert [w.runs for w in weeks] == [2, 0, 1]
    assert weeks[0].longest_run_m == 7000
    assert weeks[0].duration_s == 3600
    assert weeks[1].change_from_previous_fraction == pytest.approx(-1.0)
    assert weeks[2].change_from_previous_fraction is None  # previous week was empty


def test_cadence_baseline_target_and_trend() -> None:
    easy = [R(day(i), 8000, 8000 * 0.36, c) for i, c in enumerate([160, 162, 164])]
    fast = [R(day(3), 8000, 8000 * 0.27, 178)]
    retraining = [R(day(10 + i), 8000, 8000 * 0.36, 166 + 2 * i) for i in range(4)]
    summary = cadence_summary(easy + fast + retraining, retraining_start=day(9))
    assert summary.baseline_spm == 162  # median of easy runs; the fast run is excluded
    assert summary.target_low_spm == pytest.approx(162 * 1.05)
    assert summary.target_high_spm == pytest.approx(162 * 1.10)
    assert summary.latest_spm == 172
    assert summary.status is CadenceStatus.IN_TARGET
    assert summary.trend_spm_per_week == pytest.approx(14.0)
    assert "HEIDERSCHEIT-2011" in summary.citation_ids


def test_cadence_needs_two_runs() -> None:
    summary = cadence_summary([R(day(0), 5000, 1800, 170)])
    assert summary.baseline_spm is None
    assert summary.status is CadenceStatus.NO_DATA
