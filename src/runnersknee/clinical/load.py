"""Running load: weekly volume, the 30-day longest run and single-session spikes.

Knowledge base 7.4. The primary rule is the single-session spike of Frandsen et al. 2025
(FRANDSEN-2025): a run should be at most 10 % longer than the longest run of the previous
30 days. Categories (per run, % above that longest run):

    <= 10 %  none (reference)   > 10-30 %  small   > 30-100 %  moderate   > 100 %  large

Weekly ratios are computed only as information: Frandsen 2025 found no association of the
week-to-week ratio with injury, and a negative dose-response for the weekly ACWR.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "CADENCE_CITATIONS",
    "LOAD_CITATIONS",
    "LOOKBACK_DAYS",
    "SPIKE_OK_FRACTION",
    "CadencePoint",
    "CadenceRunLike",
    "CadenceStatus",
    "CadenceSummary",
    "RunLike",
    "RunSpike",
    "SpikeCategory",
    "WeeklyLoad",
    "cadence_summary",
    "classify_spike",
    "longest_in_window",
    "spikes",
    "weekly_load",
]

LOAD_CITATIONS: tuple[str, ...] = ("FRANDSEN-2025",)
#: The look-back window of the spike rule, days (Frandsen 2025).
LOOKBACK_DAYS = 30
#: A run up to 10 % longer than the 30-day longest run is the reference category.
SPIKE_OK_FRACTION = 0.10
_SMALL_MAX_FRACTION = 0.30
_MODERATE_MAX_FRACTION = 1.00


class RunLike(Protocol):
    """What the load rules need of a run (``activity.Run`` satisfies it)."""

    @property
    def start(self) -> datetime: ...

    @property
    def distance_m(self) -> float: ...

    @property
    def duration_s(self) -> float: ...


class SpikeCategory(StrEnum):
    """Single-session spike category (Frandsen 2025); NO_REFERENCE: no run in the 30 days."""

    NONE = "none"
    SMALL = "small"
    MODERATE = "moderate"
    LARGE = "large"
    NO_REFERENCE = "no_reference"


@dataclass(frozen=True, slots=True)
class RunSpike:
    """One run's distance against the longest run of the previous 30 days."""

    start: datetime
    distance_m: float
    longest_previous_30d_m: float
    increase_fraction: float | None
    category: SpikeCategory
    citation_ids: tuple[str, ...] = LOAD_CITATIONS


@dataclass(frozen=True, slots=True)
class WeeklyLoad:
    """One ISO week (Monday start, in each run's own local time)."""

    week_start: date
    distance_m: float
    duration_s: float
    runs: int
    longest_run_m: float
    change_from_previous_fraction: float | None  # information only (Frandsen 2025)


def _check_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(f"{name} must be timezone aware", field=name, got=str(moment))


def classify_spike(distance_m: float, longest_previous_m: float) -> SpikeCategory:
    """The Frandsen 2025 category of a run of ``distance_m`` given the 30-day longest run."""
    if distance_m < 0 or longest_previous_m < 0:
        raise InvalidInput("distances must be >= 0 m", field="distance_m", allowed=">= 0")
    if longest_previous_m <= 0:
        return SpikeCategory.NO_REFERENCE
    increase = (distance_m - longest_previous_m) / longest_previous_m
    if increase <= SPIKE_OK_FRACTION:
        return SpikeCategory.NONE
    if increase <= _SMALL_MAX_FRACTION:
        return SpikeCategory.SMALL
    if increase <= _MODERATE_MAX_FRACTION:
        return SpikeCategory.MODERATE
    return SpikeCategory.LARGE


def longest_in_window(
    runs: Iterable[RunLike], before: datetime, days: int = LOOKBACK_DAYS
) -> float:
    """Longest distance (m) of runs starting in ``[before - days, before)``; 0 if none."""
    _check_aware(before, "before")
    since = before - timedelta(days=days)
    return max((r.distance_m for r in runs if since <= r.start < before), default=0.0)


def spikes(runs: Sequence[RunLike]) -> list[RunSpike]:
    """The spike category of every run, in start order."""
    ordered = sorted(runs, key=lambda r: r.start)
    result: list[RunSpike] = []
    for run in ordered:
        _check_aware(run.start, "start")
        longest = longest_in_window(ordered, run.start)
        increase = (run.distance_m - longest) / longest if longest > 0 else None
        result.append(
            RunSpike(
                start=run.start,
                distance_m=run.distance_m,
                longest_previous_30d_m=longest,
                increase_fraction=increase,
                category=classify_spike(run.distance_m, longest),
            )
        )
    return result


def _week_start(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def weekly_load(runs: Sequence[RunLike]) -> list[WeeklyLoad]:
    """Distance, time, run count and longest run per ISO week, gaps filled with empty weeks."""
    if not runs:
        return []
    buckets: dict[date, list[RunLike]] = {}
    for run in runs:
        _check_aware(run.start, "start")
        buckets.setdefault(_week_start(run.start), []).append(run)
    first, last = min(buckets), max(buckets)
    weeks: list[WeeklyLoad] = []
    previous: float | None = None
    current = first
    while current <= last:
        members = buckets.get(current, [])
        distance = sum(r.distance_m for r in members)
        change = distance / previous - 1.0 if previous else None
        weeks.append(
            WeeklyLoad(
                week_start=current,
                distance_m=distance,
                duration_s=sum(r.duration_s for r in members),
                runs=len(members),
                longest_run_m=max((r.distance_m for r in members), default=0.0),
                change_from_previous_fraction=change,
            )
        )
        previous = distance
        current += timedelta(days=7)
    return weeks


# --- cadence (knowledge base 6.3) -----------------------------------------------------------

#: Retraining target: baseline x 1.05-1.10 (Heiderscheit 2011, Bramah 2019, Esculier 2023).
CADENCE_TARGET_LOW_FACTOR = 1.05
CADENCE_TARGET_HIGH_FACTOR = 1.10
#: Baseline over at least 2 runs at easy speed (KB 6.3).
CADENCE_MIN_BASELINE_RUNS = 2
CADENCE_CITATIONS: tuple[str, ...] = ("HEIDERSCHEIT-2011", "BRAMAH-2019", "ESCULIER-2023")


class CadenceRunLike(RunLike, Protocol):
    """A run with its average cadence (steps/min) when the device recorded one."""

    @property
    def cadence_spm(self) -> float | None: ...


class CadenceStatus(StrEnum):
    """Where the latest run's cadence lies relative to the retraining target band."""

    BELOW_TARGET = "below_target"
    IN_TARGET = "in_target"
    ABOVE_TARGET = "above_target"
    NO_DATA = "no_data"


@dataclass(frozen=True, slots=True)
class CadencePoint:
    """One run's cadence for the trend."""

    start: datetime
    cadence_spm: float


@dataclass(frozen=True, slots=True)
class CadenceSummary:
    """Baseline, retraining target band and the trend towards it (steps/min)."""

    baseline_spm: float | None
    baseline_runs: int
    target_low_spm: float | None
    target_high_spm: float | None
    latest_spm: float | None
    trend_spm_per_week: float | None
    status: CadenceStatus
    points: tuple[CadencePoint, ...]
    reasons: tuple[str, ...]
    citation_ids: tuple[str, ...] = CADENCE_CITATIONS


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _pace(run: RunLike) -> float:
    return run.duration_s / run.distance_m if run.distance_m > 0 else 0.0


def _easy_runs(runs: Sequence[CadenceRunLike]) -> list[CadenceRunLike]:
    """Runs at or slower than the median pace of ``runs`` (design choice, unverified)."""
    if not runs:
        return []
    median_pace = _median([_pace(r) for r in runs])
    return [r for r in runs if _pace(r) >= median_pace]


def _slope_per_week(points: Sequence[CadencePoint]) -> float | None:
    if len(points) < 2:
        return None
    origin = points[0].start
    xs = [(p.start - origin).total_seconds() / (7 * 86400) for p in points]
    ys = [p.cadence_spm for p in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def cadence_summary(
    runs: Sequence[CadenceRunLike],
    *,
    retraining_start: datetime | None = None,
    baseline_runs: int = 5,
) -> CadenceSummary:
    """Baseline = median cadence of the last ``baseline_runs`` easy runs (before retraining).

    Easy runs are those at or slower than the median pace of the candidate runs (a design
    choice, unverified). The trend is the least-squares slope of cadence over the runs after
    the baseline window (or over all runs when no retraining start is given).
    """
    with_cadence = sorted((r for r in runs if r.cadence_spm), key=lambda r: r.start)
    candidates = [r for r in with_cadence if retraining_start is None or r.start < retraining_start]
    easy = _easy_runs(candidates)[-baseline_runs:]
    points = tuple(
        CadencePoint(r.start, float(r.cadence_spm or 0.0))
        for r in with_cadence
        if retraining_start is None or r.start >= retraining_start
    )
    latest = points[-1].cadence_spm if points else None
    if len(easy) < CADENCE_MIN_BASELINE_RUNS:
        return CadenceSummary(
            None,
            len(easy),
            None,
            None,
            latest,
            _slope_per_week(points),
            CadenceStatus.NO_DATA,
            points,
            (
                f"a cadence baseline needs at least {CADENCE_MIN_BASELINE_RUNS} easy runs with "
                f"cadence; found {len(easy)}",
            ),
        )
    baseline = _median([float(r.cadence_spm or 0.0) for r in easy])
    low, high = baseline * CADENCE_TARGET_LOW_FACTOR, baseline * CADENCE_TARGET_HIGH_FACTOR
    status = CadenceStatus.NO_DATA
    if latest is not None:
        status = (
            CadenceStatus.BELOW_TARGET
            if latest < low
            else CadenceStatus.ABOVE_TARGET
            if latest > high
            else CadenceStatus.IN_TARGET
        )
    reason = (
        f"baseline {baseline:.1f} steps/min = median of {len(easy)} easy runs; target "
        f"{low:.1f}-{high:.1f} steps/min (+5-10 %); do not impose 180 steps/min"
    )
    return CadenceSummary(
        baseline, len(easy), low, high, latest, _slope_per_week(points), status, points, (reason,)
    )
