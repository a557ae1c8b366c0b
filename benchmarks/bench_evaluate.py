"""Benchmark: ``evaluate`` (parse + triage + questionnaire scoring) over generated cases.

Prints cases/second and the per-case median and p95 on one core.
Target (issue 2): median < 1 ms per case.

    .venv/bin/python benchmarks/bench_evaluate.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from typing import Any

from runnersknee.clinical.case import Activity, PainSite
from runnersknee.content.bundle import load_clinical_content
from runnersknee.services.documents.evaluation import Evaluator

SYSTEMIC_FLAGS = (
    "fever_or_unwell", "hot_red_joint", "immunocompromised", "night_pain", "night_sweats",
    "unexplained_weight_loss", "constant_pain_unrelated_to_load", "limp", "unable_to_bear_weight",
    "numbness_tingling_or_weakness", "multiple_joints_affected",
)  # fmt: skip
MECHANICAL_FLAGS = ("crepitus", "locking", "giving_way", "patellar_dislocation_history")


def generate_case(rng: random.Random, index: int) -> dict[str, Any]:
    """A random but valid case document; about one in five carries a red-flag answer."""
    sites = rng.sample([site.value for site in PainSite], k=rng.randint(1, 2))
    if rng.random() < 0.7:
        sites = [PainSite.AROUND_BEHIND_KNEECAP.value]
    systemic = {flag: True for flag in SYSTEMIC_FLAGS if rng.random() < 0.03}
    systemic["morning_stiffness_minutes"] = rng.choice([0, 10, 45])
    return {
        "case_id": f"bench-{index}",
        "demographics": {
            "age_years": rng.randint(10, 70),
            "sex": rng.choice(["female", "male"]),
            "height_cm": rng.uniform(150, 195),
            "mass_kg": rng.uniform(45, 100),
        },
        "side": rng.choice(["left", "right", "both"]),
        "onset": {"kind": rng.choice(["insidious"] * 9 + ["traumatic"])},
        "pain_sites": sites,
        "provocative_activities": rng.sample([a.value for a in Activity], k=rng.randint(0, 4)),
        "mechanical": {flag: True for flag in MECHANICAL_FLAGS if rng.random() < 0.05},
        "systemic": systemic,
        "running": {"weekly_km": rng.uniform(0, 80)},
        "questionnaires": [
            {"instrument": "nprs", "answers": {"worst_week": rng.randint(0, 10)}},
            {
                "instrument": "koos_pf",
                "answers": {f"pf{i}": rng.randint(0, 4) for i in range(1, 12)},
            },
        ],
    }


def main(count: int = 10_000) -> None:
    rng = random.Random(20261126)
    documents = [generate_case(rng, index) for index in range(count)]
    evaluator = Evaluator.from_content(load_clinical_content())
    evaluator.evaluate_document(documents[0])  # warm caches (content, validators)
    timings: list[float] = []
    levels: dict[str, int] = {}
    started = time.perf_counter()
    for document in documents:
        tick = time.perf_counter()
        result = evaluator.evaluate_document(document)
        timings.append(time.perf_counter() - tick)
        levels[result.triage.level.value] = levels.get(result.triage.level.value, 0) + 1
    elapsed = time.perf_counter() - started
    timings.sort()
    median_ms = statistics.median(timings) * 1000
    p95_ms = timings[int(len(timings) * 0.95)] * 1000
    print(f"evaluate: {count} generated cases in {elapsed:.2f} s on one core")
    print(f"  throughput: {count / elapsed:,.0f} cases/s")
    print(f"  per case:   median {median_ms:.3f} ms, p95 {p95_ms:.3f} ms (target median < 1 ms)")
    print(f"  levels:     {dict(sorted(levels.items()))}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
