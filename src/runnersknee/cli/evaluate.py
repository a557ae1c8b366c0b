"""``runnersknee evaluate`` and ``runnersknee schema``: triage and scores of a case file."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

__all__ = ["OutputFormat", "register", "render_markdown"]

_LEVEL_STYLE = {"emergency": "bold white on red", "urgent": "bold red", "refer": "bold yellow"}


class OutputFormat(StrEnum):
    """Output formats of ``evaluate``."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


class SchemaName(StrEnum):
    """Documents whose JSON Schema can be exported."""

    CASE = "case"


def register(app: typer.Typer) -> None:
    """Add ``evaluate`` and ``schema`` to ``app``."""
    app.command("evaluate")(evaluate)
    app.command("schema")(schema)


def evaluate(
    case_file: Annotated[Path, typer.Argument(help="Case document (.json, .yaml or .yml).")],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="text, json or markdown.")
    ] = OutputFormat.TEXT,
) -> None:
    """Triage a case and score its questionnaires; print the reasons and their sources."""
    from runnersknee.bootstrap import load_content
    from runnersknee.config import Settings
    from runnersknee.services.care.case_io import load_case_document
    from runnersknee.services.documents.evaluation import Evaluator, evaluation_to_dict

    evaluator = Evaluator.from_content(load_content(Settings()))
    result = evaluation_to_dict(
        evaluator.evaluate_document(load_case_document(case_file)), evaluator.citations
    )
    if output is OutputFormat.JSON:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    elif output is OutputFormat.MARKDOWN:
        typer.echo(render_markdown(result, title=case_file.name))
    else:
        _print_text(result, title=case_file.name)


def schema(
    name: Annotated[SchemaName, typer.Argument(help="Which document: case.")],
) -> None:
    """Print the JSON Schema of a document type."""
    del name  # only one document type so far
    from runnersknee.services.care.case_io import case_json_schema

    typer.echo(json.dumps(case_json_schema(), indent=2, ensure_ascii=False))


def _print_text(result: dict[str, Any], *, title: str) -> None:
    console = Console(highlight=False)
    tri = result["triage"]
    level = tri["level"]
    style = _LEVEL_STYLE.get(level, "bold green")
    headline = f"[{style}]Triage: {level.upper()}[/]"
    if tri["plan_allowed"]:
        headline += "  (exercise plan may proceed)"
    else:
        headline += "  (no exercise plan until a clinician has reviewed)"
    console.print(Panel(headline, title=title, expand=False))
    if tri["safety_text"]:
        console.print(f"[bold]{tri['safety_text']}[/]")
    _print_rules(console, "Why", tri["reasons"], show_level=True)
    _print_rules(console, "Supporting findings", tri["supporting"], show_level=False)
    _print_rules(console, "Prognosis", tri["prognosis"], show_level=False)
    if result["scores"]:
        table = Table("Questionnaire", "Score", "Band", "Interpretation", title="Scores")
        for key, score in result["scores"].items():
            total = "—" if score["total"] is None else f"{score['total']:g}"
            table.add_row(
                key,
                f"{total} / {score['max']:g}",
                score["band_label"] or "",
                score["interpretation"],
            )
        console.print(table)
    for key, change in result["changes"].items():
        console.print(f"[bold]{key} change:[/] {change['interpretation']}")
    console.print(f"[dim]{tri['always_on_safety']}[/]")
    console.print(f"[dim]Sources: {', '.join(result['citations'])}[/]")


def _print_rules(
    console: Console, title: str, rules: list[dict[str, Any]], *, show_level: bool
) -> None:
    if not rules:
        return
    columns = (
        ["Rule", "Level", "Reason", "Sources"] if show_level else ["Rule", "Reason", "Sources"]
    )
    table = Table(*columns, title=title)
    for rule in rules:
        reason = rule["reason"] + ("" if rule["verified"] else " (unverified)")
        cells = [rule["rule_id"], reason, ", ".join(rule["citation_ids"])]
        if show_level:
            cells.insert(1, rule["level"])
        table.add_row(*cells)
    console.print(table)


def render_markdown(result: dict[str, Any], *, title: str) -> str:
    """A Markdown report of an evaluation (the same facts as the JSON)."""
    tri = result["triage"]
    lines = [f"# Evaluation: {title}", "", f"**Triage: {tri['level'].upper()}**", ""]
    if tri["safety_text"]:
        lines += [f"> {tri['safety_text']}", ""]
    for heading, key in (
        ("Why", "reasons"),
        ("Supporting", "supporting"),
        ("Prognosis", "prognosis"),
    ):
        if tri[key]:
            lines += [
                f"## {heading}",
                "",
                "| Rule | Level | Reason | Sources |",
                "|---|---|---|---|",
            ]
            lines += [
                f"| {r['rule_id']} | {r['level']} | {r['reason']}"
                f"{'' if r['verified'] else ' (unverified)'} | {', '.join(r['citation_ids'])} |"
                for r in tri[key]
            ]
            lines.append("")
    if result["scores"]:
        lines += ["## Scores", "", "| Questionnaire | Score | Band | Interpretation |"]
        lines.append("|---|---|---|---|")
        for key, score in result["scores"].items():
            total = "—" if score["total"] is None else f"{score['total']:g}"
            lines.append(
                f"| {key} | {total} / {score['max']:g} | {score['band_label'] or ''} "
                f"| {score['interpretation']} |"
            )
        lines.append("")
    for key, change in result["changes"].items():
        lines += [f"**{key} change:** {change['interpretation']}", ""]
    lines += [f"_{tri['always_on_safety']}_", "", "## Sources", ""]
    lines += [f"- **{cid}**: {ref}" for cid, ref in result["citations"].items()]
    return "\n".join(lines) + "\n"
