"""The demo's runs: twelve weeks of watch files for the mid-plan patient, generated as FIT
files (activity/fit_encode.py) and stored through the same import as a patient's upload.

The story follows the demo case (30 km a week, a recent jump in load, then kneecap pain):
steady runs until the week before the intake, the last of them a longer run (the spike of
the case), no running in the exercise-only phases, then walk-run sessions of the return-to-
running stage table (content/data/return_to_run) in the plan's phase 3, each with a rest
day between and the run pain logged low (within the limits), so the safety gate and the
next-run prescription agree with the record.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.content.return_to_run import load_return_to_run_protocol
from runnersknee.services.access.authz import Actor
from runnersknee.services.running import pain_after_runs, run_uploads

__all__ = ["DemoRun", "demo_runs", "seed_runs"]

#: Seconds between two records of a generated file (watches record every 1-10 s).
_RECORD_EVERY_S = 10
#: Walking and easy-running speeds (m/s) and cadences (strides/min: FIT's one-foot count).
_WALK = (1.45, 56.0)
_RUN = (2.75, 83.0)


@dataclass(frozen=True, slots=True)
class DemoRun:
    """One generated run: when, how far, and its walk/run pattern (0 walk: continuous)."""

    start: datetime
    distance_m: float
    walk_s: int
    run_s: int


def _steady(day: date, km: float) -> DemoRun:
    return DemoRun(datetime.combine(day, time(7, 30), tzinfo=UTC), km * 1000, 0, 1)


def demo_runs(today: date, rng: random.Random) -> tuple[DemoRun, ...]:
    """The twelve weeks of runs, oldest first (the plan was signed six weeks before today).

    Before the intake (seven weeks ago): four easy runs a week of about 7.5 km, the last a
    longer run. Then no running until two weeks ago; then walk-run sessions every other day
    through the first stages of the stage table, each stage done twice.
    """
    intake = today - timedelta(weeks=7)
    runs: list[DemoRun] = []
    first = today - timedelta(weeks=12)
    day = first
    while day < intake - timedelta(days=2):
        if day.weekday() in (0, 2, 4, 6):
            runs.append(_steady(day, round(rng.uniform(6.8, 8.2), 2)))
        day += timedelta(days=1)
    runs.append(_steady(intake - timedelta(days=2), 11.5))  # the jump in load of the case
    stages = load_return_to_run_protocol().stages
    walk_run_days = [today - timedelta(days=d) for d in (13, 11, 9, 7, 5, 3)]
    for n, day in enumerate(walk_run_days):
        stage = stages[min(n // 2, len(stages) - 1)]
        start = datetime.combine(day, time(18, 0), tzinfo=UTC)
        runs.append(DemoRun(start, stage.total_distance_m, stage.walk_s, stage.run_s or 1))
    return tuple(runs)


def _records(run: DemoRun, rng: random.Random) -> list[SyntheticRecord]:
    """Records every few seconds until the distance is covered (walk, run, repeat)."""
    records: list[SyntheticRecord] = []
    offset, distance = 0.0, 0.0
    cycle = run.walk_s + run.run_s
    while distance < run.distance_m:
        walking = run.walk_s > 0 and (offset % cycle) < run.walk_s
        speed, cadence = _WALK if walking else _RUN
        speed *= rng.uniform(0.96, 1.04)
        heart = int((112 if walking else 146) + rng.uniform(-4, 4))
        records.append(
            SyntheticRecord(offset, distance, speed, heart, cadence + rng.uniform(-1, 1), 35.0)
        )
        offset += _RECORD_EVERY_S
        distance = min(run.distance_m, distance + speed * _RECORD_EVERY_S)
    records.append(SyntheticRecord(offset, distance, _RUN[0], 140, _RUN[1], 35.0))
    return records


def fit_file(run: DemoRun, rng: random.Random) -> bytes:
    """The run as a FIT activity file (what a watch export holds)."""
    return encode_activity(run.start, _records(run, rng), avg_cadence_strides=_RUN[1])


def seed_runs(  # noqa: PLR0917 - demo seeding: tx, who, record, day, settings, rng
    tx: Session,
    patient: Actor,
    patient_id: int,
    today: date,
    settings: Settings,
    rng: random.Random,
    content: ClinicalContent,
) -> int:
    """Import the generated files as the patient's upload and log low run pain after each
    walk-run session; returns the number of runs stored."""
    runs = demo_runs(today, rng)
    uploads = [
        run_uploads.Upload(f"demo-{r.start:%Y%m%d}.fit", io.BytesIO(fit_file(r, rng))) for r in runs
    ]
    result = run_uploads.read_uploads(uploads, settings)
    outcome = run_uploads.save_import(tx, patient, patient_id, result, today)
    for run in runs:
        if run.walk_s:
            day = run.start.date()
            pain_after_runs.log_run_pain(tx, patient, patient_id, day, 1, 1, None, content=content)
            next_day = day + timedelta(days=1)
            pain_after_runs.log_run_pain(
                tx, patient, patient_id, next_day, None, None, 0, content=content
            )
    return len(outcome.imported)
