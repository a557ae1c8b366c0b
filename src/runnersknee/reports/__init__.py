"""PDF reports and charts built from typed report models (docs/reports.md).

Names are imported on first use, so ``import runnersknee.reports`` loads neither WeasyPrint
nor matplotlib.

Typical use::

    from runnersknee.reports import render_pdf

    rendered = render_pdf(document)   # the PDF bytes and its page count
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runnersknee._lazy import lazy_names

if TYPE_CHECKING:
    from runnersknee.reports.model import EvaluationReport, Handout, ProgressReport
    from runnersknee.reports.pdf import Rendered, render_pdf
    from runnersknee.reports.running_chart import render_running_chart
    from runnersknee.reports.timeline_chart import TimelineData, render_timeline

#: Public name → the module that defines it.
_HOMES = {
    "EvaluationReport": "model",
    "Handout": "model",
    "ProgressReport": "model",
    "Rendered": "pdf",
    "render_pdf": "pdf",
    "render_running_chart": "running_chart",
    "TimelineData": "timeline_chart",
    "render_timeline": "timeline_chart",
}

__all__ = [
    "EvaluationReport",
    "Handout",
    "ProgressReport",
    "Rendered",
    "TimelineData",
    "render_pdf",
    "render_running_chart",
    "render_timeline",
]

__getattr__, __dir__ = lazy_names(__name__, _HOMES, __all__)
