"""The runner timeline for download (PNG or SVG): the record's last 12 weeks gathered through
the existing use cases, dated in the clinic's local days, drawn by reports/timeline_chart.py.

The MCID band of a questionnaire is drawn only where its published value applies to the
wording installed (a paraphrase is a different instrument, KB 11.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment
from runnersknee.content.bundle import ClinicalContent
from runnersknee.reports.timeline_chart import GaitSeries, Points, ScoreSeries, TimelineData
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import records
from runnersknee.services.care.alerts import SPIKE_ALERT_CATEGORIES
from runnersknee.services.care.case_io import validate_as
from runnersknee.services.care.intake import QuestionnaireView
from runnersknee.services.care.patients import current_episode
from runnersknee.services.review import record_summary
from runnersknee.services.running import run_records
from runnersknee.store.tables import AssessmentRow, ExerciseLogRow, PainLogRow

__all__ = ["WEEKS", "timeline_data"]

#: The window shown (the timeline tab's).
WEEKS = 12


def _pain(tx: Session, patient_id: int, start: date) -> tuple[tuple[str, Points], ...]:
    rows = tx.execute(
        select(PainLogRow.logged_on, PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.logged_on >= start)
        .order_by(PainLogRow.logged_on, PainLogRow.id)
    ).all()
    series: dict[str, list[tuple[date, float]]] = {"during": [], "after": [], "next morning": []}
    for day, *values in rows:
        for points, value in zip(series.values(), values, strict=True):
            if value is not None:
                points.append((day, float(value)))
    return tuple((name, tuple(points)) for name, points in series.items())


def _scores(
    items: Sequence[QuestionnaireView], content: ClinicalContent, start: date
) -> tuple[ScoreSeries, ...]:
    found = []
    for instrument_id, instrument in content.instruments.items():
        rows = [q for q in items if q.instrument == instrument_id and q.total is not None]
        if not any(q.administered_on >= start for q in rows):
            continue
        points = tuple((q.administered_on, float(q.total or 0)) for q in rows)
        mcid, band = instrument.mcid, None
        if mcid is not None and mcid.basis == "points" and instrument.published_wording:
            first = points[0][1]
            band = (
                first - mcid.value,
                first + mcid.value,
                f"within MCID ({mcid.value:g}) of first",
            )
        found.append(
            ScoreSeries(
                instrument.label, float(instrument.minimum), float(instrument.maximum), points, band
            )
        )
    return tuple(found)


def _adherence(tx: Session, patient_id: int, start: date) -> tuple[tuple[date, int], ...]:
    days = tx.scalars(
        select(ExerciseLogRow.performed_on)
        .where(ExerciseLogRow.patient_id == patient_id, ExerciseLogRow.performed_on >= start)
        .group_by(ExerciseLogRow.performed_on)
    ).all()
    counts = [0] * WEEKS
    for day in days:
        counts[min((day - start).days // 7, WEEKS - 1)] += 1
    return tuple((start + timedelta(weeks=i), counts[i]) for i in range(WEEKS))


def _gait(tx: Session, episode_id: int, zone: tzinfo) -> tuple[GaitSeries, ...]:
    rows = tx.execute(
        select(AssessmentRow.created_at, AssessmentRow.data)
        .where(AssessmentRow.episode_id == episode_id)
        .order_by(AssessmentRow.id)
    ).all()
    series: dict[tuple[str, str], list[tuple[date, float]]] = {}
    for created, data in rows:
        for metric in record_summary.gait_metrics(validate_as(Assessment, dict(data))):
            day = created.astimezone(zone).date()
            series.setdefault((metric.label, metric.unit), []).append((day, metric.value))
    return tuple(GaitSeries(label, unit, tuple(p)) for (label, unit), p in series.items())


def timeline_data(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> TimelineData:
    """The figure's data for the last 12 weeks to ``today`` (authorized, audited reads)."""
    overview = records.overview(tx, actor, patient_id, content=content)
    start = today - timedelta(weeks=WEEKS)
    runs = run_records.overview(tx, actor, patient_id, today, content=content)
    cadence = runs.cadence
    target = None
    if cadence.target_low_spm is not None and cadence.target_high_spm is not None:
        target = (cadence.target_low_spm, cadence.target_high_spm)
    versions = records.plan_versions(tx, actor, patient_id, content=content)
    plans = tuple(
        (day, f"v{v.version} {'signed' if v.signed else 'draft'}", v.signed)
        for v in reversed(versions)
        if start <= (day := v.created_at.astimezone(zone).date()) <= today
    )
    return TimelineData(
        title=f"{overview.display_name}: runner timeline, {start.isoformat()} to "
        f"{today.isoformat()}",
        start=start,
        end=today,
        pain=_pain(tx, patient_id, start),
        scores=_scores(overview.questionnaires, content, start),
        adherence=_adherence(tx, patient_id, start),
        weekly_km=tuple(
            (w.week_start, w.distance_m / 1000)
            for w in runs.weeks
            if w.week_start >= start - timedelta(days=6)
        ),
        spikes=tuple(
            (
                e.run.run_on,
                e.run.distance_m / 1000,
                f"+{(e.spike.increase_fraction or 0) * 100:.0f} %",
            )
            for e in runs.runs
            if e.spike.category in SPIKE_ALERT_CATEGORIES and start <= e.run.run_on <= today
        ),
        cadence=tuple(
            (p.start.date(), p.cadence_spm) for p in cadence.points if p.start.date() >= start
        ),
        cadence_baseline=cadence.baseline_spm,
        cadence_target=target,
        gait=_gait(tx, current_episode(tx, patient_id).id, zone),
        plans=plans,
    )
