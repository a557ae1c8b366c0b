"""docs/case-schema.md is generated from the case model and must not drift."""

from __future__ import annotations

from pathlib import Path

from runnersknee.services.documents.case_docs import render_case_schema_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "case-schema.md"


def test_case_schema_doc_matches_the_model() -> None:
    rendered = render_case_schema_markdown()
    assert DOC.read_text(encoding="utf-8") == rendered, (
        "docs/case-schema.md is stale: regenerate with "
        "python -c 'from runnersknee.services.documents.case_docs "
        "import render_case_schema_markdown'"
    )


def test_every_section_and_required_field_is_documented() -> None:
    rendered = render_case_schema_markdown()
    for section in ("demographics", "onset", "mechanical", "systemic", "exam", "running"):
        assert f"## `{section}`" in rendered
    assert "| `age_years` | int | 5–110 years | **required** |" in rendered
