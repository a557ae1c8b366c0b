"""Golden plans with the REAL exercise library, as Markdown a clinician can read.

tests/golden/plans-library/*.md are the `runnersknee plan --format markdown` output for
examples/assessed/*.yaml. They change when the generator OR the library content changes;
regenerate after a reviewed change with::

    .venv/bin/python -m tests.unit.clinical.test_plan_golden_library --update-golden

and read the diff as a clinician would (exercises, doses, reasons, sources).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from runnersknee.services.care.case_io import load_case_document
from runnersknee.services.care.planning import plan_case_document
from runnersknee.web.presenters.plan_report import as_markdown, plan_report_view
from tests.content import CONTENT

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "assessed"
GOLDEN = ROOT / "tests" / "golden" / "plans-library"
CASES = sorted(EXAMPLES.glob("*.yaml"))


def rendered(path: Path) -> str:
    report = plan_case_document(load_case_document(path), content=CONTENT)
    return as_markdown(plan_report_view(report, title=path.name))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_plan_with_the_real_library_matches_golden(path: Path) -> None:
    golden = GOLDEN / f"{path.stem}.md"
    assert golden.exists(), (
        "run: python -m tests.unit.clinical.test_plan_golden_library --update-golden"
    )
    assert rendered(path) == golden.read_text(encoding="utf-8")


def update() -> None:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for path in CASES:
        (GOLDEN / f"{path.stem}.md").write_text(rendered(path), encoding="utf-8")


if __name__ == "__main__":
    if "--update-golden" in sys.argv:
        update()
    else:
        sys.stdout.write(__doc__ or "")
