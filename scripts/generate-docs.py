"""Regenerate every generated docs page (and the exercise illustrations) from the code and content.

    .venv/bin/python scripts/generate-docs.py

Tests compare each page with its generator, so run this after changing content or commands.
"""

from __future__ import annotations

from pathlib import Path

from runnersknee.cli.reference import render_cli_markdown
from runnersknee.content.exercises import write_generated_files
from runnersknee.content.instruments import render_instruments_markdown
from runnersknee.content.review import render_review_markdown
from runnersknee.content.triage import load_triage_rules, render_rules_markdown
from runnersknee.services.documents.case_docs import render_case_schema_markdown

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    pages = {
        "cli.md": render_cli_markdown(),
        "case-schema.md": render_case_schema_markdown(),
        "triage.md": render_rules_markdown(load_triage_rules()),
        "instruments.md": render_instruments_markdown(),
        "clinical-review.md": render_review_markdown(),
    }
    for name, text in pages.items():
        (DOCS / name).write_text(text, encoding="utf-8")
        print(f"wrote docs/{name}")
    for path in write_generated_files(DOCS / "exercise-library.md"):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
