"""Generate docs/cli.md from the Typer application itself, so the reference cannot drift.

python -m runnersknee.cli.reference docs/cli.md
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

__all__ = ["render_cli_markdown"]

_HEADER = """# Command-line reference

`runnersknee` is installed into `.venv/bin/` by `make setup` (or `make run` / `make test`).
This page is generated from the commands themselves
(`python -m runnersknee.cli.reference docs/cli.md`); a test keeps it current.

## Exit codes

| Code | Meaning |
|---|---|
| 0 | success |
| 1 | unexpected error (a bug: please report it) |
{codes}

Errors print one line on stderr starting with `error:`; they never print a traceback.
Machine-readable output (`--format json`) goes to stdout only.
"""


def render_cli_markdown() -> str:
    """Markdown for every command and sub-command with its arguments and options."""
    from runnersknee.cli import EXIT_CODES, build_app

    codes = "\n".join(
        f"| {code} | {kind.__name__}: {(kind.__doc__ or '').strip().splitlines()[0]} |"
        for kind, code in EXIT_CODES.items()
    )
    root = typer.main.get_command(build_app())
    lines = [_HEADER.format(codes=codes)]
    lines += _command_md(root, ["runnersknee"])
    return "\n".join(lines).rstrip() + "\n"


def _command_md(command: Any, path: list[str]) -> list[str]:
    """Typer ships its own click, so commands are recognised by shape, not by class."""
    lines: list[str] = []
    subcommands = getattr(command, "commands", None)
    if subcommands is not None:
        for name in sorted(subcommands):
            lines += _command_md(subcommands[name], [*path, name])
        return lines
    ctx = command.context_class(command, info_name=" ".join(path))
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines += [f"## `{' '.join(path)}`", "", (command.help or "").strip(), ""]
    lines += ["```", f"{' '.join(path)} {usage}".rstrip(), "```", ""]
    rows = [_param_row(param, ctx) for param in command.params if param.name != "help"]
    if rows:
        lines += ["| Argument / option | Help |", "|---|---|", *rows, ""]
    return lines


def _param_row(param: Any, ctx: Any) -> str:
    record = param.get_help_record(ctx)
    names, help_text = record if record else (param.name or "", "")
    names = names.replace("|", "\\|")
    return f"| `{names}` | {help_text.replace('|', '/').strip()} |"


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/cli.md")
    target.write_text(render_cli_markdown(), encoding="utf-8")
