"""One clinician's reading of a proposed plan, in three markups (text, Markdown, HTML).

``runnersknee plan`` showed a plan three ways, each assembled separately from the JSON
document, and they had drifted apart (the text had no "For the clinician" prompts, the
Markdown and HTML no strength table). Now :func:`plan_report_view` decides once what a
clinician reads, from the typed :class:`~runnersknee.services.care.planning.PlanReport`, and
the three writers only lay it out.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from runnersknee.clinical.impairments import StrengthRow
from runnersknee.clinical.plan_model import Plan, PlanComponent, PlanItem
from runnersknee.services.care.planning import PlanReport

__all__ = [
    "Entry",
    "PlanReportView",
    "Section",
    "as_html",
    "as_markdown",
    "as_text",
    "plan_report_view",
]


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a section: an optional bold title, its text, then labelled details."""

    text: str
    title: str = ""
    #: (label, value) pairs shown after the text, e.g. ("Why", "…").
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A heading (level 2 or 3), paragraphs, then a list of entries."""

    heading: str
    level: int = 2
    paragraphs: tuple[str, ...] = ()
    entries: tuple[Entry, ...] = ()
    #: An HTML class for the section (a component's status).
    css_class: str = ""


@dataclass(frozen=True, slots=True)
class PlanReportView:
    """What a clinician reads about a case: triage, strength, impairments, the plan."""

    title: str
    sections: tuple[Section, ...]


def _cites(ids: Iterable[str]) -> str:
    return ", ".join(ids)


def _triage(report: PlanReport) -> Section:
    entries = [Entry(f"Triage: {report.triage.level.value.upper()}")]
    entries += [
        Entry(f"{fired.reason} [{_cites(fired.citation_ids)}]") for fired in report.triage.reasons
    ]
    if report.refusal is not None:
        safety = report.triage.safety_text or ""
        entries.append(Entry(f"{report.refusal.message.capitalize()}. {safety}".strip()))
    return Section("Triage", entries=tuple(entries))


def _strength_text(row: StrengthRow) -> str:
    parts = [f"{round(row.force_n, 1)} N"]
    if row.percent_body_weight is not None:
        parts.append(f"{round(row.percent_body_weight, 1)} %BW")
    if row.torque_nm_per_kg is not None:
        parts.append(f"{round(row.torque_nm_per_kg, 2)} N·m/kg")
    if row.lsi_pct is not None:
        parts.append(f"LSI {round(row.lsi_pct, 1)} %")
    return f"{row.test.value.replace('_', ' ')}, {row.side.value}: {', '.join(parts)}"


def _findings(report: PlanReport) -> list[Section]:
    sections = []
    if report.strength:
        rows = tuple(Entry(_strength_text(row)) for row in report.strength)
        sections.append(Section("Strength (hand-held dynamometry)", entries=rows))
    impairments = tuple(
        Entry(
            f"{imp.label}{'' if imp.verified else ' (threshold unverified)'} "
            f"[{_cites(imp.citation_ids)}]"
        )
        for imp in report.impairments
    )
    sections.append(
        Section(
            "Impairments",
            entries=impairments or (Entry("none found in the recorded assessment"),),
        )
    )
    return sections


def _item(item: PlanItem) -> Entry:
    return Entry(
        item.dose,
        title=item.title,
        details=(
            ("Why", item.reason),
            ("Progress", item.progression_criteria),
            ("Sources", _cites(item.citation_ids)),
        ),
    )


def _component(component: PlanComponent) -> Section:
    status = component.status.value.replace("_", " ")
    return Section(
        f"{component.kind.value.replace('_', ' ').capitalize()} — {status}",
        level=3,
        paragraphs=(component.reason,),
        entries=tuple(_item(item) for item in component.items),
        css_class=component.status.value,
    )


def _plan(plan: Plan) -> list[Section]:
    sections = [Section(f"Phase {int(plan.phase)}", paragraphs=(plan.phase_reason,))]
    if plan.clinician_prompts:
        prompts = tuple(Entry(prompt) for prompt in plan.clinician_prompts)
        sections.append(Section("For the clinician", entries=prompts))
    sections += [_component(component) for component in plan.components]
    topics = tuple(Entry(topic.body, title=topic.title) for topic in plan.education)
    sections.append(Section("Education", entries=topics))
    return sections


def plan_report_view(report: PlanReport, *, title: str) -> PlanReportView:
    """The sections a clinician reads, in order."""
    sections = [_triage(report), *_findings(report)]
    if report.plan is not None:
        sections += _plan(report.plan)
    return PlanReportView(f"Plan: {title}", tuple(sections))


def _entry_markdown(entry: Entry) -> str:
    head = f"**{entry.title}** — {entry.text.rstrip('.')}." if entry.title else entry.text
    return " ".join([head, *(f"*{label}:* {value}" for label, value in entry.details)])


def as_markdown(view: PlanReportView) -> str:
    """Markdown (for a report or a pull request)."""
    blocks = [f"# {view.title}"]
    for section in view.sections:
        blocks += [f"{'#' * section.level} {section.heading}", *section.paragraphs]
        if section.entries:
            blocks.append("\n".join(f"- {_entry_markdown(entry)}" for entry in section.entries))
    return "\n\n".join(blocks) + "\n"


def as_text(view: PlanReportView) -> str:
    """Plain text for the terminal."""
    out = [view.title, "=" * len(view.title)]
    for section in view.sections:
        underline = "-" if section.level == 2 else "~"
        out += ["", section.heading, underline * len(section.heading), *section.paragraphs]
        for entry in section.entries:
            out.append(f"  * {entry.title} — {entry.text}" if entry.title else f"  - {entry.text}")
            out += [f"      {label.lower()}: {value}" for label, value in entry.details]
    return "\n".join(out)


def _entry_html(entry: Entry) -> str:
    e = html.escape
    head = f"<strong>{e(entry.title)}</strong> — {e(entry.text)}" if entry.title else e(entry.text)
    return "<li>" + head + "".join(f"<br>{e(k)}: {e(v)}" for k, v in entry.details) + "</li>"


def as_html(view: PlanReportView) -> str:
    """A self-contained HTML page (no external assets)."""
    e = html.escape
    body = [f"<h1>{e(view.title)}</h1>"]
    for section in view.sections:
        css = f' class="{e(section.css_class)}"' if section.css_class else ""
        body.append(f"<section{css}><h{section.level}>{e(section.heading)}</h{section.level}>")
        body += [f"<p>{e(paragraph)}</p>" for paragraph in section.paragraphs]
        if section.entries:
            body += ["<ul>", *(_entry_html(entry) for entry in section.entries), "</ul>"]
        body.append("</section>")
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(view.title)}</title></head><body>{''.join(body)}</body></html>"
    )
