"""Benchmark: plan generation per case (target: median < 1 ms).

Run: ``.venv/bin/python benchmarks/bench_plan.py [--repeat N]``. Uses the assessed examples
and the content exercise library when it loads, otherwise the test library (printed).
Content loading and parsing happen once, outside the timed region.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from runnersknee.clinical.plan import generate_plan
from runnersknee.clinical.triage import triage
from runnersknee.content.assessment import load_plan_config
from runnersknee.content.triage import load_triage_rules
from runnersknee.services.care.case_io import load_case_document, parse_case
from runnersknee.services.care.planning import parse_assessment, parse_preferences

ROOT = Path(__file__).resolve().parents[1]


def _library() -> tuple[object, str]:
    try:
        from runnersknee.content.exercises import load_exercise_library

        return load_exercise_library(), "content library"
    except Exception:  # noqa: BLE001 - fall back to the test library, and say so
        sys.path.insert(0, str(ROOT))
        from tests.unit.clinical.plan_fixtures import library

        return library(), "test library (content library did not load)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    library, which = _library()
    config = load_plan_config()
    rules = load_triage_rules()
    inputs = []
    for path in sorted((ROOT / "examples" / "assessed").glob("*.yaml")):
        doc = load_case_document(path)
        case = parse_case(doc)
        result = triage(case, rules)
        if result.plan_allowed:
            inputs.append(
                (
                    path.stem,
                    case,
                    parse_assessment(doc.get("assessment")),
                    parse_preferences(doc.get("preferences")),
                    result,
                )
            )
    print(f"plan generation, {len(library)} exercises ({which}), {args.repeat} runs per case")
    medians = []
    for name, case, assessment, prefs, result in inputs:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            generate_plan(
                case, assessment, prefs, triage_result=result, library=library, config=config
            )
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1000
        medians.append(median)
        p95 = sorted(times)[int(0.95 * len(times))] * 1000
        print(f"  {name:32s} median {median:.3f} ms  p95 {p95:.3f} ms")
    overall = statistics.median(medians)
    verdict = "OK" if overall < 1 else "SLOW"
    print(f"overall median {overall:.3f} ms per case (target < 1 ms): {verdict}")


if __name__ == "__main__":
    main()
