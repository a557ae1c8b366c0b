"""The ``runnersknee`` command line (Typer + Rich).

Each command group lives in its own module with a ``register(app)`` function. Errors of the
project's error tree become one clear line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from runnersknee.clinical.errors import (
    Conflict,
    ContentError,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    RunnersKneeError,
)

__all__ = [
    "EXIT_CODES",
    "build_app",
    "describe_error",
    "describe_settings_error",
    "exit_code_for",
    "main",
]

#: Exit code for each error kind (documented in docs/cli.md).
EXIT_CODES: dict[type[RunnersKneeError], int] = {
    InvalidInput: 2,
    ContentError: 3,
    NotFound: 4,
    Forbidden: 5,
    Refused: 6,
    Conflict: 7,
}


def build_app() -> typer.Typer:
    """Assemble the Typer application from the command modules."""
    from runnersknee.cli import demo, evaluate, operations, plan, reports, runs, video, worker

    app = typer.Typer(
        name="runnersknee",
        help="Physical therapy for runner's knee (PFP): triage, plans, runs, video.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    app.callback()(_root)
    for module in (evaluate, plan, runs, video, demo, operations, reports, worker):
        module.register(app)
    return app


def _show_version(value: bool) -> None:
    if value:
        from runnersknee import __version__

        typer.echo(f"runnersknee {__version__}")
        raise typer.Exit


def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Physical therapy for runner's knee (PFP): triage, plans, runs, video."""
    del version


def exit_code_for(error: RunnersKneeError) -> int:
    """The documented exit code of an error (1 for an unlisted kind)."""
    for kind, code in EXIT_CODES.items():
        if isinstance(error, kind):
            return code
    return 1


def main() -> None:
    """Console-script entry point."""
    from pydantic import ValidationError

    app = build_app()
    try:
        app()
    except RunnersKneeError as error:
        _fail(describe_error(error), exit_code_for(error))
    except ValidationError as error:  # Settings() from a bad RUNNERSKNEE_* variable
        _fail(describe_settings_error(error), 2)


def _fail(text: str, code: int) -> None:
    Console(stderr=True, soft_wrap=True).print(
        f"[bold red]error:[/] {text}", highlight=False, markup=True
    )
    sys.exit(code)


def describe_settings_error(error: Any) -> str:
    """One line naming each bad ``RUNNERSKNEE_*`` variable and what is wrong with it."""
    parts = []
    for problem in error.errors():
        field = ".".join(str(p) for p in problem.get("loc", ()))
        name = f"RUNNERSKNEE_{field.upper()}" if field else "settings"
        parts.append(f"{name}: {problem.get('msg', 'invalid value')}")
    return ("bad setting: " + "; ".join(parts)).replace("[", "\\[")


def describe_error(error: RunnersKneeError) -> str:
    """One line: the message, plus the allowed values when the message does not list them."""
    text = error.message
    if isinstance(error, InvalidInput) and error.allowed:
        allowed = ", ".join(str(value) for value in error.allowed)
        if allowed not in text:
            text += f" (allowed: {allowed})"
    return text.replace("[", "\\[")
