"""``runnersknee plan CASE_FILE``: triage, impairments and the proposed treatment plan.

Formats: ``text`` (Rich, default), ``json`` (stable keys, docs/assessment-and-plan.md),
``markdown`` and ``html``. When triage does not allow a plan, the triage and safety text are
printed and the command exits with the ``Refused`` code (6).
"""

from __future__ import annotations

import html
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from runnersknee.clinical.errors import Refused
from runnersknee.config import Settings

__all__ = ["PlanFormat", "register", "render_html", "render_markdown", "render_text"]


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
        PlanFormat, typer.Option("--format", "-f", help="text, json, markdown or html.")
    ] = PlanFormat.TEXT,
) -> None:
    """Triage a case, interpret its assessment and propose a cited treatment plan."""
    from runnersknee.bootstrap import load_content
    from runnersknee.services.care.planning import plan_case_file, report_to_dict

    report = plan_case_file(case_file, load_content(Settings()))
    data = report_to_dict(report)
    if output is PlanFormat.JSON:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif output is PlanFormat.MARKDOWN:
        typer.echo(render_markdown(data, title=case_file.name))
    elif output is PlanFormat.HTML:
        typer.echo(render_html(data, title=case_file.name))
    else:
        Console(highlight=False).print(render_text(data, title=case_file.name), markup=False)
    if report.refusal is not None:
        raise Refused(report.refusal.message, level=report.refusal.details.get("level"))


def _triage_lines(data: dict[str, Any]) -> list[str]:
    tri = data["triage"]
    lines = [f"Triage: {tri['level'].upper()}"]
    for reason in tri.get("reasons", []):
        lines.append(
            f"  - {reason.get('reason', '')} [{', '.join(reason.get('citation_ids', []))}]"
        )
    if data["refused"]:
        safety = tri.get("safety_text") or ""
        lines.append(f"{data['refused']['message'].capitalize()}. {safety}".strip())
    return lines


def _impairment_lines(data: dict[str, Any]) -> list[str]:
    if not data["impairments"]:
        return ["Impairments: none found in the recorded assessment."]
    lines = ["Impairments:"]
    for imp in data["impairments"]:
        flag = "" if imp["verified"] else " (threshold unverified)"
        lines.append(f"  - {imp['label']}{flag} [{', '.join(imp['citation_ids'])}]")
    return lines


def _strength_lines(data: dict[str, Any]) -> list[str]:
    if not data["strength"]:
        return []
    lines = ["Strength (hand-held dynamometry):"]
    for row in data["strength"]:
        parts = [f"{row['force_n']} N"]
        if row["percent_body_weight"] is not None:
            parts.append(f"{row['percent_body_weight']} %BW")
        if row["torque_nm_per_kg"] is not None:
            parts.append(f"{row['torque_nm_per_kg']} N·m/kg")
        if row["lsi_pct"] is not None:
            parts.append(f"LSI {row['lsi_pct']} %")
        lines.append(f"  - {row['test'].replace('_', ' ')}, {row['side']}: {', '.join(parts)}")
    return lines


def render_text(data: dict[str, Any], *, title: str) -> str:
    """Plain text for the terminal."""
    lines = [title, "=" * len(title), *_triage_lines(data), "", *_strength_lines(data)]
    lines += _impairment_lines(data)
    plan_data = data["plan"]
    if plan_data:
        lines += ["", f"Plan — phase {plan_data['phase']}: {plan_data['phase_reason']}"]
        for comp in plan_data["components"]:
            status = comp["status"].replace("_", " ")
            lines.append(f"\n[{comp['kind'].replace('_', ' ')}] {status}: {comp['reason']}")
            for item in comp["items"]:
                lines.append(f"  * {item['title']} — {item['dose']}")
                lines.append(f"      why: {item['reason']}")
                lines.append(f"      progress: {item['progression_criteria']}")
                lines.append(f"      sources: {', '.join(item['citation_ids'])}")
        lines.append("\nEducation:")
        for topic in plan_data["education"]:
            lines.append(f"  {topic['title']}: {topic['body']}")
    return "\n".join(lines)


def render_markdown(data: dict[str, Any], *, title: str) -> str:
    """Markdown (for a report or a pull request)."""
    out = [f"# Plan: {title}", "", "## Triage", ""]
    out += [f"- {line.strip(' -')}" for line in _triage_lines(data)]
    out += ["", "## Impairments", ""]
    out += [f"- {line.strip(' -')}" for line in _impairment_lines(data)[1:]] or ["- none"]
    plan_data = data["plan"]
    if plan_data:
        out += ["", f"## Phase {plan_data['phase']}", "", plan_data["phase_reason"]]
        prompts = plan_data.get("clinician_prompts") or []
        if prompts:
            out += ["", "## For the clinician", ""] + [f"- {p}" for p in prompts]
        for comp in plan_data["components"]:
            out += [
                "",
                f"### {comp['kind'].replace('_', ' ').capitalize()} — "
                f"{comp['status'].replace('_', ' ')}",
                "",
                comp["reason"],
                "",
            ]
            for item in comp["items"]:
                out.append(
                    f"- **{item['title']}** — {item['dose'].rstrip('.')}. *Why:* {item['reason']} "
                    f"*Progress:* {item['progression_criteria']} "
                    f"*Sources:* {', '.join(item['citation_ids'])}"
                )
        out += ["", "## Education", ""]
        out += [f"**{t['title']}** {t['body']}\n" for t in plan_data["education"]]
    return "\n".join(out)


def render_html(data: dict[str, Any], *, title: str) -> str:
    """A self-contained HTML page (no external assets)."""
    e = html.escape
    body = [f"<h1>Plan: {e(title)}</h1>", "<h2>Triage</h2><ul>"]
    body += [f"<li>{e(line.strip(' -'))}</li>" for line in _triage_lines(data)]
    body += ["</ul><h2>Impairments</h2><ul>"]
    body += [f"<li>{e(line.strip(' -'))}</li>" for line in _impairment_lines(data)[1:]]
    body.append("</ul>")
    plan_data = data["plan"]
    if plan_data:
        body.append(f"<h2>Phase {plan_data['phase']}</h2><p>{e(plan_data['phase_reason'])}</p>")
        prompts = plan_data.get("clinician_prompts") or []
        if prompts:
            body.append("<h2>For the clinician</h2><ul>")
            body += [f"<li>{e(p)}</li>" for p in prompts]
            body.append("</ul>")
        for comp in plan_data["components"]:
            body.append(
                f'<section class="{e(comp["status"])}"><h3>'
                f"{e(comp['kind'].replace('_', ' ').capitalize())} — "
                f"{e(comp['status'].replace('_', ' '))}</h3><p>{e(comp['reason'])}</p><ul>"
            )
            for item in comp["items"]:
                body.append(
                    f"<li><strong>{e(item['title'])}</strong> — {e(item['dose'])}"
                    f"<br>Why: {e(item['reason'])}<br>Progress: {e(item['progression_criteria'])}"
                    f"<br><small>Sources: {e(', '.join(item['citation_ids']))}</small></li>"
                )
            body.append("</ul></section>")
        body.append("<h2>Education</h2>")
        body += [f"<h3>{e(t['title'])}</h3><p>{e(t['body'])}</p>" for t in plan_data["education"]]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Plan: {e(title)}</title></head><body>{''.join(body)}</body></html>"
    )
