"""The three markups of ``runnersknee plan`` show the same content (one view, three layouts)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from runnersknee.services.care.case_io import load_case_document
from runnersknee.services.care.planning import PlanReport, plan_case_document
from runnersknee.web.presenters.plan_report import (
    as_html,
    as_markdown,
    as_text,
    plan_report_view,
)
from tests.content import CONTENT

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "assessed"


def _report(name: str) -> PlanReport:
    return plan_case_document(load_case_document(EXAMPLES / name), content=CONTENT)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("name", ["female-runner-hip-weakness.yaml", "runner-phase4-forefoot.yaml"])
def test_every_markup_carries_every_entry(name: str) -> None:
    report = _report(name)
    assert report.plan is not None
    view = plan_report_view(report, title=name)
    outputs = {
        "text": _flat(as_text(view)),
        "markdown": _flat(as_markdown(view)),
        "html": _flat(html.unescape(as_html(view))),
    }
    expected = [s.heading for s in view.sections]
    expected += [_flat(e.text).rstrip(".") for s in view.sections for e in s.entries]
    expected += [_flat(value) for s in view.sections for e in s.entries for _, value in e.details]
    expected += [_flat(p) for s in view.sections for p in s.paragraphs]
    assert "For the clinician" in expected or not report.plan.clinician_prompts
    assert ("Strength (hand-held dynamometry)" in expected) == bool(report.strength)
    for markup, output in outputs.items():
        missing = [text for text in expected if text not in output]
        assert not missing, (markup, missing[:3])


def test_a_refused_case_shows_triage_and_no_plan() -> None:
    report = _report("red-flag-hot-swollen-knee.yaml")
    view = plan_report_view(report, title="red flag")
    headings = [s.heading for s in view.sections]
    assert headings == ["Triage", "Impairments"]
    triage = view.sections[0]
    assert triage.entries[0].text == "Triage: EMERGENCY"
    assert "emergency" in triage.entries[-1].text.lower()
    assert "<h2>Phase" not in as_html(view)
