"""PDF documents with WeasyPrint: evaluation report, progress report, home-exercise handout.

Templates and the stylesheet are package files (``reports/templates``); the SVG charts and
drawings are inline markup. Nothing is fetched: the URL fetcher allows ``data:`` URLs only,
and the fonts are the local DejaVu/Liberation families found through fontconfig.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from runnersknee.reports.model import EvaluationReport, Handout, ProgressReport

__all__ = ["KINDS", "Rendered", "overflowing_text", "render_html", "render_pdf"]

#: Document kind → template.
KINDS = {"evaluation": "evaluation.html", "progress": "progress.html", "handout": "handout.html"}
_TOLERANCE_PX = 0.5

Document = EvaluationReport | ProgressReport | Handout


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered PDF and its page count."""

    pdf: bytes
    pages: int


def _svg_uri(svg: str) -> str:
    """An SVG chart as a ``data:`` URI (scaled as an image; nothing fetched)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("runnersknee.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["svg_uri"] = _svg_uri
    return env


@cache
def _css() -> str:
    return (resources.files("runnersknee.reports") / "templates" / "report.css").read_text("utf-8")


def _kind(doc: Document) -> str:
    if isinstance(doc, EvaluationReport):
        return "evaluation"
    if isinstance(doc, ProgressReport):
        return "progress"
    return "handout"


def render_html(doc: Document) -> str:
    """The document's HTML (what the PDF is made from)."""
    return _environment().get_template(KINDS[_kind(doc)]).render(doc=doc, css=_css())


def _layout(doc: Document) -> Any:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=render_html(doc), url_fetcher=fetcher).render()


def render_pdf(doc: Document) -> Rendered:
    """Lay out and write the PDF."""
    document = _layout(doc)
    return Rendered(bytes(document.write_pdf()), len(document.pages))


def overflowing_text(doc: Document) -> list[str]:
    """Text lines that reach past the right edge of their page's content box (should be none)."""
    from weasyprint.formatting_structure.boxes import TextBox

    found: list[str] = []
    for page in _layout(doc).pages:
        box = page._page_box
        limit = box.content_box_x() + box.width + _TOLERANCE_PX
        for child in box.descendants():
            if isinstance(child, TextBox) and child.position_x + child.width > limit:
                found.append(child.text)
    return found
