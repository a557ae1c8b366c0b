"""A patient's progress: pain, questionnaire scores against MCID, adherence, plan versions,
running load (weekly km with single-session spikes marked, KB 7.4). A patient's own view
leaves out the MCID band and the clinical reading of a change (plain words instead)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runnersknee.clinical.instruments import Instrument, interpret_change, score_answers
from runnersknee.content.bundle import ClinicalContent
from runnersknee.reports.charts import Band, Series, bar_chart, line_chart
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.care.intake import QuestionnaireView, questionnaires
from runnersknee.services.care.records import PlanVersion, plan_versions
from runnersknee.services.running.run_records import RunEntry, running_window
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import ExerciseLogRow, PainLogRow

__all__ = ["ScoreTrend", "Timeline", "TrendChange", "last_log_counts", "timeline"]

_WEEKS = 12


@dataclass(frozen=True, slots=True)
class TrendChange:
    """The first-to-latest change of one questionnaire's score: the core's reading
    (clinicians) or, when ``plain``, in plain words (the patient's page; no MCID)."""

    delta: float | None
    interpretation: str
    citation_ids: tuple[str, ...] = ()
    exceeds_mcid: bool | None = None
    plain: bool = False

    def to_json(self) -> JSONObject:
        """The JSON API's form (the plain form has no ``exceeds_mcid``)."""
        body: JSONObject = {"delta": self.delta, "interpretation": self.interpretation}
        if not self.plain:
            body["exceeds_mcid"] = self.exceeds_mcid
        body["citation_ids"] = list(self.citation_ids)
        return body


@dataclass(frozen=True, slots=True)
class ScoreTrend:
    """One questionnaire's chart and the core's reading of the first-to-latest change."""

    instrument_id: str
    name: str
    svg: str
    change: TrendChange | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """Charts and lists for the timeline page."""

    pain_svg: str
    adherence_svg: str
    adherence_days: tuple[tuple[str, int], ...]
    scores: tuple[ScoreTrend, ...]
    plans: tuple[PlanVersion, ...]
    running_svg: str = ""
    running_spikes: tuple[RunEntry, ...] = ()


def timeline(
    tx: Session, actor: Actor, patient_id: int, today: date, *, content: ClinicalContent
) -> Timeline:
    """Build the timeline of the last 12 weeks (questionnaires scored with ``content``)."""
    authorize(tx, actor, "patient.read", patient_id)
    start = today - timedelta(weeks=_WEEKS)
    return Timeline(
        _pain(tx, patient_id, start),
        *_adherence(tx, patient_id, start, today),
        tuple(
            _scores(
                questionnaires(tx, actor, patient_id), content, plain=actor.role is Role.PATIENT
            )
        ),
        tuple(plan_versions(tx, actor, patient_id, content=content)),
        *running_window(tx, patient_id, start, today),
    )


def _pain(tx: Session, patient_id: int, start: date) -> str:
    rows = tx.execute(
        select(PainLogRow.logged_on, PainLogRow.during, PainLogRow.after, PainLogRow.next_morning)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.logged_on >= start)
        .order_by(PainLogRow.logged_on)
    ).all()
    columns: list[tuple[str, list[tuple[date, float]]]] = [
        ("during", []),
        ("after", []),
        ("next morning", []),
    ]
    for day, *values in rows:
        for (_, points), value in zip(columns, values, strict=True):
            if value is not None:
                points.append((day, float(value)))
    series = [Series(name, tuple(points)) for name, points in columns]
    return line_chart("Pain (0–10) during, after and the next morning", series, 0, 10)


def _adherence(
    tx: Session, patient_id: int, start: date, today: date
) -> tuple[str, tuple[tuple[str, int], ...]]:
    days = tx.scalars(
        select(ExerciseLogRow.performed_on)
        .where(ExerciseLogRow.patient_id == patient_id, ExerciseLogRow.performed_on >= start)
        .group_by(ExerciseLogRow.performed_on)
    ).all()
    counts = [0] * _WEEKS
    for day in days:
        index = min((day - start).days // 7, _WEEKS - 1)
        counts[index] += 1
    labels = tuple(
        ((start + timedelta(weeks=i)).strftime("%d %b"), counts[i]) for i in range(_WEEKS)
    )
    svg = bar_chart("Days with exercises logged, per week", labels, 7)
    del today
    return svg, labels


def _scores(
    items: list[QuestionnaireView], content: ClinicalContent, *, plain: bool
) -> list[ScoreTrend]:
    """Each questionnaire's trend; ``plain`` (for the patient) leaves out the MCID band and
    the core's clinical reading, and names the questionnaire in full."""
    by_instrument: dict[str, list[QuestionnaireView]] = {}
    for item in items:
        if item.total is not None:
            by_instrument.setdefault(item.instrument, []).append(item)
    trends = []
    for instrument_id, rows in sorted(by_instrument.items()):
        instrument = content.instruments.get(instrument_id)
        if instrument is None:
            continue
        points = tuple((r.administered_on, float(r.total or 0)) for r in rows)
        bands = []
        mcid = instrument.mcid
        # the band only where the published value applies (a paraphrase is another instrument)
        if (
            not plain
            and mcid is not None
            and mcid.basis == "points"
            and instrument.published_wording
        ):
            base = points[0][1]
            bands.append(
                Band(base - mcid.value, base + mcid.value, f"within MCID ({mcid.value:g}) of first")
            )
        svg = line_chart(
            f"{instrument.name} total",
            [Series(instrument.name if plain else instrument.short_name or instrument.id, points)],
            float(instrument.minimum),
            float(instrument.maximum),
            bands,
        )
        change = _plain_change(instrument, rows) if plain else _change(instrument, rows)
        trends.append(ScoreTrend(instrument_id, instrument.name, svg, change))
    return trends


def _change(instrument: Instrument, rows: list[QuestionnaireView]) -> TrendChange | None:
    if len(rows) < 2:
        return None
    first = score_answers(instrument, rows[0].answers)
    last = score_answers(instrument, rows[-1].answers)
    change = interpret_change(instrument, first, last)
    return TrendChange(
        change.delta, change.interpretation, tuple(change.citation_ids), change.exceeds_mcid
    )


def _plain_change(instrument: Any, rows: list[QuestionnaireView]) -> TrendChange | None:
    """First and latest score in plain words (the patient's progress page)."""
    if len(rows) < 2:
        return None
    before, after = float(rows[0].total or 0), float(rows[-1].total or 0)
    better = (after > before) == bool(getattr(instrument, "higher_is_better", True))
    trend = "the same" if after == before else ("better" if better else "worse")
    text = f"Your score went from {before:g} to {after:g} ({trend})."
    if after == before:
        text = f"Your score is {after:g}, the same as the first time."
    return TrendChange(after - before, text, plain=True)


def last_log_counts(tx: Session, patient_id: int) -> int:
    """How many exercise logs a patient has (for summaries)."""
    return int(tx.scalar(select(func.count()).where(ExerciseLogRow.patient_id == patient_id)) or 0)
