"""Benchmark triage: rule loading/compilation and per-case evaluation on the example cases.

Run: .venv/bin/python benchmarks/bench_triage.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from runnersknee.clinical.case import Case
from runnersknee.clinical.triage import triage
from runnersknee.content.triage import load_triage_rules

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "cases"
ROUNDS = 2000


def main() -> None:
    start = time.perf_counter()
    rules = load_triage_rules({"RF-TRAUMA-OTTAWA": {"ottawa_min_age": 55}})  # forces a fresh build
    build_ms = (time.perf_counter() - start) * 1e3
    adapter = TypeAdapter(Case)
    cases = [
        adapter.validate_python(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(EXAMPLES.glob("*.yaml"))
    ]
    samples_us: list[float] = []
    clock = time.perf_counter_ns
    for _ in range(ROUNDS):
        for case in cases:
            begin = clock()
            triage(case, rules)
            samples_us.append((clock() - begin) / 1e3)
    samples_us.sort()
    print(f"rules: {len(rules.rule_ids)} ids, load+compile {build_ms:.1f} ms")
    print(f"cases: {len(cases)} examples x {ROUNDS} rounds = {len(samples_us)} evaluations")
    print(
        f"triage per case: mean {statistics.fmean(samples_us):.1f} us, "
        f"median {samples_us[len(samples_us) // 2]:.1f} us, "
        f"p99 {samples_us[int(len(samples_us) * 0.99)]:.1f} us, max {samples_us[-1]:.1f} us"
    )


if __name__ == "__main__":
    main()
