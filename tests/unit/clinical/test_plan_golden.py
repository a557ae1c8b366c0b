"""Golden plans for examples/assessed/*.yaml (tests/golden/plans/*.json).

Regenerate after a reviewed change with::

    .venv/bin/python -m tests.unit.clinical.test_plan_golden --update-golden

then read the diff as a clinician would (see docs/assessment-and-plan.md, "Golden plans").
The test library (plan_fixtures.library) is used so the goldens pin the generator's rules,
not the content of the exercise library.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from runnersknee.services.care.case_io import load_case_document
from runnersknee.services.care.planning import plan_case_document, report_to_dict
from tests.content import CONTENT

from .plan_fixtures import library

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "assessed"
GOLDEN = ROOT / "tests" / "golden" / "plans"
CASES = sorted(EXAMPLES.glob("*.yaml"))


def golden_view(path: Path) -> dict[str, Any]:
    """The pinned part of the report: triage level, strength, impairments, plan, refusal."""
    data = report_to_dict(
        plan_case_document(load_case_document(path), library=library(), content=CONTENT)
    )
    return {
        "case_id": data["case_id"],
        "triage_level": data["triage"]["level"],
        "strength": data["strength"],
        "impairments": data["impairments"],
        "plan": data["plan"],
        "refused": data["refused"],
    }


def render(view: dict[str, Any]) -> str:
    return json.dumps(view, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_matches_golden(path):
    golden = GOLDEN / f"{path.stem}.json"
    assert golden.exists(), "run: python -m tests.unit.clinical.test_plan_golden --update-golden"
    assert render(golden_view(path)) == golden.read_text(encoding="utf-8")


def test_there_are_at_least_five_assessed_examples():
    assert len(CASES) >= 5


def update() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for path in CASES:
        (GOLDEN / f"{path.stem}.json").write_text(render(golden_view(path)), encoding="utf-8")
        print(f"wrote {path.stem}.json")


if __name__ == "__main__":
    if "--update-golden" in sys.argv:
        update()
    else:
        print(__doc__)
