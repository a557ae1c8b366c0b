"""docs/cli.md is generated from the commands and must list every one of them."""

from __future__ import annotations

from pathlib import Path

import typer

from runnersknee.cli import EXIT_CODES, build_app
from runnersknee.cli.reference import render_cli_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_cli_markdown(), (
        "docs/cli.md is stale: run python -m runnersknee.cli.reference docs/cli.md"
    )


def test_every_command_and_exit_code_is_documented() -> None:
    text = render_cli_markdown()
    group = typer.main.get_command(build_app())
    for name in group.commands:  # type: ignore[attr-defined]
        assert f"## `runnersknee {name}" in text
    for code in EXIT_CODES.values():
        assert f"| {code} |" in text
