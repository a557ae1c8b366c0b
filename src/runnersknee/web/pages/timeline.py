"""Clinician pages: the runner timeline of one record, on the page and as a PNG or SVG
download (one shared time axis, services/review/timeline_export.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from runnersknee.reports.timeline_chart import TIMELINE_FORMATS, render_timeline
from runnersknee.services.access.authz import Role
from runnersknee.services.care import records
from runnersknee.services.review import timeline, timeline_export
from runnersknee.web.auth import CurrentActor, require_role
from runnersknee.web.common import content, database, today
from runnersknee.web.local_time import zone_of
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/clinic/patients/{patient_id}/timeline")
def timeline_page(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Pain, questionnaire scores with MCID bands, adherence and plan versions."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        data = timeline.timeline(tx, actor, patient_id, today(request), content=content(request))
    return render(request, "clinic/timeline.html", o=overview, t=data)


def _timeline_file(request: Request, patient_id: int, fmt: str) -> Response:
    """The timeline figure as a download (rendered after the reads' transaction)."""
    actor = request.state.actor
    require_role(actor, Role.CLINICIAN)
    day = today(request)
    with database(request).transaction() as tx:
        data = timeline_export.timeline_data(
            tx, actor, patient_id, day, zone_of(request, actor, tx), content(request)
        )
    name = f"patient-{patient_id}-timeline-{day.isoformat()}.{fmt}"
    return Response(
        render_timeline(data, fmt),
        media_type=TIMELINE_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/clinic/patients/{patient_id}/timeline.png")
def timeline_png(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The runner timeline as a PNG image (one shared time axis)."""
    del actor
    return _timeline_file(request, patient_id, "png")


@router.get("/clinic/patients/{patient_id}/timeline.svg")
def timeline_svg(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The runner timeline as an SVG drawing (one shared time axis)."""
    del actor
    return _timeline_file(request, patient_id, "svg")
