"""Benchmark: import a year of running (365 generated FIT files) and print files/s.

Target: the whole year in < 10 s. Files are written with the project's FIT encoder: one run a
day, 30-60 min at 5:00-6:30 min/km, heart rate and cadence on every record. ``--interval``
sets the recording interval (1 s = "every second" recording; Garmin "smart" recording writes
a record every few seconds, the real Fenix 5 test file about every 2.7 s).

    .venv/bin/python benchmarks/bench_import.py [--interval 3] [--workers N] [--repeat 3]

Without ``--workers`` it times a single process (``workers=1``) and the library default
(``workers=None``: chosen from the work, see ``choose_workers``), each ``--repeat`` times, and
prints the best time and the spread; the load average is printed too (the CPU may be shared).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runnersknee.activity.bulk import choose_workers, collect_sources, import_paths
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


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (the parser processes)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _time(
    folder: Path, workers: int | None, repeat: int
) -> tuple[list[float], list[float], int, int]:
    """Wall and CPU seconds of each full ``import_paths``, runs found, files seen."""
    times, cpus, runs, files = [], [], 0, 0
    for _ in range(repeat):
        began, cpu = time.perf_counter(), _cpu_s()
        result = import_paths([folder], workers=workers)
        times.append(time.perf_counter() - began)
        cpus.append(_cpu_s() - cpu)
        runs, files = len(result.runs), result.files_seen
        if result.skipped:
            raise SystemExit(f"unexpected skipped files: {result.skipped[:3]}")
    return times, cpus, runs, files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=int, default=3, help="seconds between records")
    parser.add_argument("--workers", type=int, default=None, help="parser processes")
    parser.add_argument("--repeat", type=int, default=3, help="timed imports per setting")
    args = parser.parse_args()
    settings = [args.workers] if args.workers is not None else [1, None]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        records = write_year(folder, args.interval)
        sources, _ = collect_sources([folder])
        load = os.getloadavg()
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", end="  ")
        print(f"cpus: {os.cpu_count()}")
        print(f"records: {records} in {len(sources)} files", end=" ")
        print(f"({records / len(sources):.0f} per file, every {args.interval} s)")
        for workers in settings:
            times, cpus, runs, files = _time(folder, workers, args.repeat)
            best = min(times)
            used = choose_workers(sources, workers)
            label = "auto" if workers is None else str(workers)
            verdict = "met" if best < 10 else "MISSED"
            spread = ", ".join(f"{t:.2f}" for t in times)
            print(f"workers={label} (uses {used}): runs {runs}/{files}  best {best:.2f} s  "
                  f"[{spread}]  files/s {files / best:.1f}  records/s {records / best:.0f}  "
                  f"target (year < 10 s): {verdict}  CPU {min(cpus):.2f} s")  # fmt: skip
        load = os.getloadavg()
        print(f"load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
