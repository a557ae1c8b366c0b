"""``runnersknee plan CASE_FILE``: triage, impairments and the proposed treatment plan.

Formats: ``text`` (Rich, default), ``json`` (stable keys, docs/assessment-and-plan.md),
``markdown`` and ``html``. When triage does not allow a plan, the triage and safety text are
printed and the command exits with the ``Refused`` code (6).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from runnersknee.clinical.errors import Refused
from runnersknee.config import Settings

__all__ = ["PlanFormat", "register"]


class PlanFormat(StrEnum):
    """Output formats of ``plan``."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"


def register(app: typer.Typer) -> None:
    """Add ``plan`` to ``app``."""
    app.command("plan")(plan)


def plan(
    case_file: Annotated[
        Path, typer.Argument(help="Case document (.yaml/.yml/.json) with an assessment: block.")
    ],
    output: Annotated[
        PlanFormat,
        typer.Option(
            "--format",
            "-f",
            help="text, markdown or html (the same sections laid out three ways), or json.",
        ),
    ] = PlanFormat.TEXT,
) -> None:
    """Triage a case, interpret its assessment and propose a cited treatment plan."""
    from runnersknee.bootstrap import load_content
    from runnersknee.services.care.planning import plan_case_file, report_to_dict
    from runnersknee.web.presenters.plan_report import (
        as_html,
        as_markdown,
        as_text,
        plan_report_view,
    )

    report = plan_case_file(case_file, load_content(Settings()))
    if output is PlanFormat.JSON:
        typer.echo(json.dumps(report_to_dict(report), indent=2, ensure_ascii=False))
    else:
        view = plan_report_view(report, title=case_file.name)
        if output is PlanFormat.MARKDOWN:
            typer.echo(as_markdown(view), nl=False)
        elif output is PlanFormat.HTML:
            typer.echo(as_html(view))
        else:
            Console(highlight=False).print(as_text(view), markup=False)
    if report.refusal is not None:
        raise Refused(report.refusal.message, level=report.refusal.details.get("level"))
