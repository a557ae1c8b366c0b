"""The three printed documents of a stored patient or of a case file, and their PDFs.

A stored patient's documents come from the presenters the pages use (record overview,
timeline, runs overview, the portal's patient wording); every read is authorized and audited.
The evaluation and progress reports are clinician documents (``report.clinical``); the
handout is the patient's own plan in plain words and needs a signed plan that triage allows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.errors import InvalidInput, Refused
from runnersknee.clinical.instruments import score_answers, score_for
from runnersknee.content.bundle import ClinicalContent
from runnersknee.fhir.record import measures_of
from runnersknee.reports.model import EvaluationReport, Handout, Heading, ProgressReport, Table
from runnersknee.reports.pdf import Rendered, render_pdf
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care import handout_text, intake, records
from runnersknee.services.care.case_io import load_case_document, parse_case, validate_as
from runnersknee.services.care.patients import current_episode
from runnersknee.services.care.planning import plan_case_document, report_to_dict
from runnersknee.services.documents.report_build import (
    EvaluationParts,
    Scored,
    evaluation_report,
    gait_table,
    score_changes,
)
from runnersknee.services.review import timeline
from runnersknee.services.running import run_records
from runnersknee.services.video.measures import VideoAnalysis, video_analyses
from runnersknee.store.json_document import json_list, json_object
from runnersknee.store.mapping import JSONObject, to_json
from runnersknee.store.tables import AssessmentRow

__all__ = [
    "KINDS",
    "Document",
    "case_document",
    "patient_document",
    "pdf_for_case",
    "pdf_for_patient",
]

KINDS = ("evaluation", "progress", "handout")
_TITLES = {
    "evaluation": "Physiotherapy evaluation report",
    "progress": "Progress report",
    "handout": "Your home exercises",
}
_WEEKS = 12
Document = EvaluationReport | ProgressReport | Handout


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidInput("unknown report", field="kind", allowed=list(KINDS), got=kind)


def _heading(  # noqa: PLR0917 - the heading's fields
    kind: str, name: str, ref: str, birth_year: int | None, today: date, clinician: str = ""
) -> Heading:
    return Heading(_TITLES[kind], name, ref, birth_year, today, clinician)


# --- stored patients ---------------------------------------------------------------------


def _assessments(tx: Session, episode_id: int) -> list[tuple[date, Assessment]]:
    rows = tx.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.episode_id == episode_id)
        .order_by(AssessmentRow.id)
    )
    return [(row.created_at.date(), validate_as(Assessment, dict(row.data))) for row in rows]


def _stored_scores(
    views: Sequence[intake.QuestionnaireView], content: ClinicalContent
) -> list[Scored]:
    instruments = content.instruments
    found = []
    for view in views:
        instrument = instruments.get(view.instrument)
        if instrument is not None:
            found.append(
                Scored(instrument, view.administered_on, score_answers(instrument, view.answers))
            )
    return found


def _patient_evaluation(
    tx: Session, actor: Actor, patient_id: int, today: date, content: ClinicalContent
) -> EvaluationReport:
    overview = records.overview(tx, actor, patient_id, content=content)
    case_data = overview.intake.case_data.to_json() if overview.intake else {}
    strength: list[JSONObject] = []
    impairments: list[JSONObject] = []
    assessment = None
    if overview.intake is not None and overview.assessment is not None:
        stored = to_json(overview.assessment)
        planned = report_to_dict(plan_case_document({**case_data, "assessment": stored}, content))
        strength, impairments = json_list(planned["strength"]), json_list(planned["impairments"])
        assessment = overview.assessment
    plan = overview.plan
    parts = EvaluationParts(
        case_data=case_data,
        triage=overview.intake.triage if overview.intake else None,
        assessment=assessment,
        strength=strength,
        impairments=impairments,
        scores=_stored_scores(overview.questionnaires, content),
        plan=plan.data if plan else None,
        plan_status=plan.status if plan else "",
        signed_on=plan.created_at.date() if plan and plan.signed else None,
    )
    heading = _heading(
        "evaluation",
        overview.display_name,
        f"No. {patient_id}",
        overview.birth_year,
        today,
        actor.display_name,
    )
    return evaluation_report(heading, parts)


def _weekly_rows(view: run_records.RunsOverview) -> Table:
    rows = tuple(
        (
            w.week_start.isoformat(),
            f"{w.distance_m / 1000:.1f}",
            str(w.runs),
            f"{w.longest_run_m / 1000:.1f}",
        )
        for w in view.weeks[-_WEEKS:]
    )
    return Table(("Week of", "Distance (km)", "Runs", "Longest run (km)"), rows)


def _gait(tx: Session, patient_id: int) -> Table:
    """First and latest assessment, and first and latest video analysis of each task and view."""
    rows: list[tuple[str, ...]] = []
    assessed = _assessments(tx, current_episode(tx, patient_id).id)
    if len(assessed) > 1:
        first, latest = assessed[0], assessed[-1]
        rows += gait_table(measures_of(first[1], first[0]), measures_of(latest[1], latest[0])).rows
    by_task: dict[tuple[str, str], list[VideoAnalysis]] = {}
    for video in video_analyses(tx, patient_id):
        by_task.setdefault((video.task, video.view), []).append(video)
    for videos in by_task.values():
        if len(videos) > 1:
            rows += gait_table(videos[0].measures, videos[-1].measures, only_gait=False).rows
    return Table(("Measure", "Side", "First", "Latest", "Change"), tuple(rows))


def _patient_progress(
    tx: Session, actor: Actor, patient_id: int, today: date, content: ClinicalContent
) -> ProgressReport:
    overview = records.overview(tx, actor, patient_id, content=content)
    line = timeline.timeline(tx, actor, patient_id, today, content=content)
    runs = run_records.overview(tx, actor, patient_id, today, content=content)
    gait = _gait(tx, patient_id)
    changes, criteria = score_changes(_stored_scores(overview.questionnaires, content))
    return ProgressReport(
        heading=_heading(
            "progress",
            overview.display_name,
            f"No. {patient_id}",
            overview.birth_year,
            today,
            actor.display_name,
        ),
        period=(today - timedelta(weeks=_WEEKS), today),
        score_changes=changes,
        pain_svg=line.pain_svg,
        adherence_svg=line.adherence_svg,
        running_svg=line.running_svg,
        weekly_load=_weekly_rows(runs),
        gait=gait,
        criteria=criteria,
        plan_status=overview.plan.status if overview.plan else "",
    )


def patient_document(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session, actor: Actor, patient_id: int, kind: str, today: date, content: ClinicalContent
) -> Document:
    """The document ``kind`` of a stored patient (authorized and audited)."""
    _check_kind(kind)
    if kind == "handout":
        return handout_text.patient_handout(tx, actor, patient_id, today, content=content)
    authorize(tx, actor, "report.clinical", patient_id)
    if kind == "evaluation":
        return _patient_evaluation(tx, actor, patient_id, today, content)
    return _patient_progress(tx, actor, patient_id, today, content)


def pdf_for_patient(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session, actor: Actor, patient_id: int, kind: str, today: date, content: ClinicalContent
) -> Rendered:
    """:func:`patient_document` as a PDF."""
    return render_pdf(patient_document(tx, actor, patient_id, kind, today, content))


# --- case files --------------------------------------------------------------------------


def _case_scores(data: Mapping[str, Any], content: ClinicalContent) -> list[Scored]:
    case = parse_case(data)
    instruments = content.instruments
    ordered = sorted(
        enumerate(case.questionnaires),
        key=lambda pair: (pair[1].administered_on or date.min, pair[0]),
    )
    scored = []
    for _, entry in ordered:
        score = score_for(instruments, entry.instrument, entry.answers, entry.version)
        scored.append(Scored(instruments[entry.instrument], entry.administered_on, score))
    return scored


def case_document(path: Path, kind: str, today: date, content: ClinicalContent) -> Document:
    """The document ``kind`` of a case file (``assessment:`` gives findings and the plan)."""
    _check_kind(kind)
    data = load_case_document(path)
    report = plan_case_document(data, content)
    planned = report_to_dict(report)
    name = str(data.get("case_id") or path.stem)
    if kind == "handout":
        if report.refusal is not None or planned["plan"] is None:
            raise Refused(
                "triage does not allow a plan for this case, so there is no handout",
                field="triage",
                level=report.triage.level.value,
            )
        return handout_text.case_handout(
            json_object(planned["plan"]),
            data,
            _heading("handout", name, path.name, None, today),
            content,
        )
    scores = _case_scores(data, content)
    if kind == "progress":
        changes, criteria = score_changes(scores)
        empty = Table(("",), ())
        return ProgressReport(
            _heading("progress", name, path.name, None, today),
            (today, today),
            changes,
            "",
            "",
            "",
            empty,
            empty,
            criteria,
            "",
        )
    parts = EvaluationParts(
        case_data=data,
        triage=json_object(planned["triage"]),
        assessment=report.assessment if data.get("assessment") else None,
        strength=json_list(planned["strength"]),
        impairments=json_list(planned["impairments"]),
        scores=scores,
        plan=planned["plan"] if isinstance(planned["plan"], dict) else None,
        plan_status="proposed" if planned["plan"] else "",
    )
    return evaluation_report(_heading("evaluation", name, path.name, None, today), parts)


def pdf_for_case(path: Path, kind: str, today: date, content: ClinicalContent) -> Rendered:
    """:func:`case_document` as a PDF."""
    return render_pdf(case_document(path, kind, today, content))
