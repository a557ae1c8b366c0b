"""PDFs of case files: text extracted with pypdf, pinned page counts, nothing past the page edge."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from runnersknee.clinical.errors import InvalidInput, Refused
from runnersknee.reports import pdf
from runnersknee.reports.model import Handout, HandoutExercise, Heading
from runnersknee.services.documents import report_data
from tests.content import CONTENT

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
WEAK_HIPS = EXAMPLES / "assessed" / "female-runner-hip-weakness.yaml"
WITH_SCORES = EXAMPLES / "cases" / "plan-runner-with-questionnaires.yaml"
DAY = date(2026, 12, 7)


def _text(data: bytes) -> tuple[str, int]:
    """The document's words (table cells wrap, so whitespace is normalised) and page count."""
    reader = PdfReader(io.BytesIO(data))
    words = " ".join(p.extract_text() or "" for p in reader.pages).split()
    return " ".join(words).replace("\u2212", "-"), len(reader.pages)


def test_evaluation_of_an_assessed_case() -> None:
    rendered = report_data.pdf_for_case(WEAK_HIPS, "evaluation", DAY, CONTENT)
    text, pages = _text(rendered.pdf)
    assert pages == rendered.pages == 6
    for expected in (
        "female-runner-hip-weakness.yaml",
        "2026-12-07",
        "hip abductor weakness, left, LSI 74 %",
        "74.1 %",  # measured LSI next to the 90 % reference
        "90 %",
        "(reference value not verified)",
        "hip abduction left 152 25.4 2.04 74.1",  # strength row: N, %BW, N·m/kg, LSI
        "movement · fppa sls 18 deg 9 deg",  # left and right on one row
        "Plan not signed yet (status: proposed)",
        "Robinson",  # the reference list names the sources
    ):
        assert expected in text, expected


def test_progress_of_a_case_with_questionnaires() -> None:
    text, pages = _text(report_data.pdf_for_case(WITH_SCORES, "progress", DAY, CONTENT).pdf)
    assert pages == 1
    for row in (
        "AKPS 82 93 11 — — improved",  # paraphrased items: the published MCID is not applied
        "NPRS 6 3 -3 — 1.16 improved",
        "KOOS-PF 50 75 25 16 16.4 improved",
    ):
        assert row in text, row
    assert "KOOS-PF: improvement of at least the MCID — change 25, MCID 16.4" in text


def test_handout_is_plain() -> None:
    text, pages = _text(report_data.pdf_for_case(WEAK_HIPS, "handout", DAY, CONTENT).pdf)
    assert pages == 3
    assert "Your home exercises" in text
    assert "How much pain is OK?" in text
    assert "When to stop and get help" in text
    assert "Which leg: Left leg" in text
    for hidden in ("KB ", "CONS-", "CPG-", "MCID", "MDC", "verified", "PIVA"):
        assert hidden not in text, hidden


def test_handout_refused_when_triage_blocks_the_plan() -> None:
    case = EXAMPLES / "cases" / "emergency-septic-hot-swollen-knee.yaml"
    with pytest.raises(Refused, match="no handout"):
        report_data.pdf_for_case(case, "handout", DAY, CONTENT)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown report"):
        report_data.case_document(WEAK_HIPS, "letter", DAY, CONTENT)


@pytest.mark.parametrize("kind", report_data.KINDS)
def test_no_text_reaches_past_the_page(kind: str) -> None:
    assert pdf.overflowing_text(report_data.case_document(WEAK_HIPS, kind, DAY, CONTENT)) == []


def test_overflow_check_finds_text_past_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "_css", lambda: "p { white-space: nowrap; }")
    long_line = "word " * 80
    exercise = HandoutExercise("Long", "", long_line, (), (), (), "1 set", "Both legs", "")
    doc = Handout(Heading("T", "P", "", None, DAY), (exercise,), (), "", "stop", "")
    assert any("word word" in line for line in pdf.overflowing_text(doc))


def test_nothing_is_fetched_from_the_network() -> None:
    heading = Heading("T", "P", "", None, DAY)
    exercise = HandoutExercise("X", "http://127.0.0.1:9/x.svg", "", (), (), (), "", "", "")
    rendered = pdf.render_pdf(Handout(heading, (exercise,), (), "", "stop", ""))
    assert rendered.pages == 1  # the image is refused by the fetcher, the page still renders
