"""docs/clinical-review.md lists every unverified content entry and stays current."""

from __future__ import annotations

from pathlib import Path

from runnersknee.content.review import render_review_markdown, unverified_items

DOC = Path(__file__).resolve().parents[3] / "docs" / "clinical-review.md"


def test_review_page_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_review_markdown(), (
        "docs/clinical-review.md is stale: run scripts/generate-docs.py"
    )


def test_known_unverified_defaults_are_listed() -> None:
    names = {item.name for item in unverified_items()}
    assert "BSI-UNVERIFIED" in names  # bone stress pattern, knowledge base section 2
    assert "KB-TRIAGE-WINDOWS" in names  # 24-48 h urgent window
    areas = {item.file.split("/")[0] for item in unverified_items()}
    assert {"triage", "instruments", "exercises", "assessment", "return_to_run", "gait"} <= areas


def test_every_entry_says_where_it_is() -> None:
    for item in unverified_items():
        assert item.file.endswith(".toml")
        assert item.name
