"""Benchmark: import a year of running (365 generated FIT files) and print files/s.

Target: the whole year in < 10 s. Files are written with the project's FIT encoder: one run a
day, 30-60 min at 5:00-6:30 min/km, heart rate and cadence on every record. ``--interval``
sets the recording interval (1 s = "every second" recording; Garmin "smart" recording writes
a record every few seconds, the real Fenix 5 test file about every 2.7 s).

    .venv/bin/python benchmarks/bench_import.py [--interval 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runnersknee.activity.bulk import import_paths
from runnersknee.activity.fit_encode import SyntheticRecord, encode_activity


def write_year(folder: Path, interval_s: int) -> int:
    """Write 365 daily runs; return the number of records written."""
    start = datetime(2024, 1, 1, 6, 30, tzinfo=UTC)
    total = 0
    for day in range(365):
        minutes = 30 + (day * 7) % 31
        speed = 1000 / (300 + (day * 13) % 90)  # 5:00-6:30 min/km
        records = [
            SyntheticRecord(t, speed * t, speed, 130 + (t // 60) % 30, 84 + (t % 7) / 8, 100.0)
            for t in range(0, minutes * 60 + 1, interval_s)
        ]
        total += len(records)
        data = encode_activity(
            start + timedelta(days=day), records, avg_cadence_strides=85.0,
            utc_offset=timedelta(hours=1),
        )  # fmt: skip
        (folder / f"{day:03d}.fit").write_bytes(data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=3, help="seconds between records")
    parser.add_argument("--workers", type=int, default=1, help="parser processes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = write_year(folder, args.interval)
        began = time.perf_counter()
        result = import_paths([folder], workers=args.workers)
        elapsed = time.perf_counter() - began
    files = result.files_seen
    print(f"files: {files}  runs: {len(result.runs)}  skipped: {len(result.skipped)}")
    print(f"records: {records} ({records / files:.0f} per file, every {args.interval} s)")
    print(f"workers: {args.workers}  time: {elapsed:.2f} s  files/s: {files / elapsed:.1f}")
    verdict = "met" if elapsed < 10 else "MISSED"
    print(f"records/s: {records / elapsed:.0f}  target (year in < 10 s): {verdict}")


if __name__ == "__main__":
    main()
