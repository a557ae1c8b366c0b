"""A patient's stored runs: load and spikes, the next run, pain after a run, the CLI report.

Uploading files is in :mod:`runnersknee.services.running.run_uploads`. Use cases (each runs in the
caller's one transaction): :func:`overview`,
:func:`log_run_pain` and, for the CLI, :func:`report_for_patient`. Every read or write of
patient data goes through :func:`runnersknee.services.access.authz.authorize`. Imported runs are
``RunRow`` rows; what has no column (start with its UTC offset, device, sport, heart rate,
elevation, a cadence-series summary, the file name) lives in ``RunRow.data`` (see
docs/running.md, "Web"). Spikes are computed, never stored: a later upload may change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.activity.bulk import ImportResult
from runnersknee.activity.model import Run, SourceFormat
from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.clinical.load import (
    LOOKBACK_DAYS,
    CadenceSummary,
    RunSpike,
    SpikeCategory,
    WeeklyLoad,
    cadence_summary,
    spikes,
    weekly_load,
)
from runnersknee.clinical.pain_monitoring import SessionPain
from runnersknee.clinical.return_to_run import Prescription, next_run
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.reports.charts import Marker, weekly_load_chart
from runnersknee.reports.running_chart import CHART_SUFFIXES, render_running_chart
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.alerts import SPIKE_ALERT_CATEGORIES, raise_alert
from runnersknee.services.care.morning_baseline import (
    latest_baseline,
    record_baseline,
    with_baselines,
)
from runnersknee.services.care.safety_gate import Gate, gate_for
from runnersknee.services.platform.audit import record_access
from runnersknee.services.platform.database import Database
from runnersknee.services.running import runs as runs_service
from runnersknee.store.tables import PainLogRow, PatientRow, RunRow

__all__ = [
    "RunEntry",
    "RunsOverview",
    "StoredRun",
    "load_chart",
    "log_run_pain",
    "overview",
    "patient_runs",
    "report_for_patient",
    "run_json",
    "run_pain",
    "running_window",
    "stored_run",
    "touch_last_log",
]

_MAX_RUNS = 5000
#: Spike categories marked on charts (> 10 %, Frandsen 2025); the alerting ones are red.
_MARKED = frozenset({SpikeCategory.SMALL, SpikeCategory.MODERATE, SpikeCategory.LARGE})


@dataclass(frozen=True, slots=True)
class StoredRun:
    """One stored run (``RunRow``) with the extra fields of its ``data``."""

    id: int
    run_on: date
    start: datetime
    distance_m: float
    duration_s: float
    cadence_spm: float | None
    source: str
    data: dict[str, Any]

    @property
    def pace_s_per_km(self) -> float | None:
        """Average pace over the moving time, s/km."""
        if self.distance_m <= 0 or self.duration_s <= 0:
            return None
        return self.duration_s / self.distance_m * 1000.0

    def as_run(self) -> Run:
        """The activity ``Run`` (for de-duplication and the CLI report)."""
        fmt = self.source if self.source in {f.value for f in SourceFormat} else "fit"
        return Run(
            start=self.start,
            moving_duration_s=self.duration_s,
            elapsed_duration_s=float(self.data.get("elapsed_s") or self.duration_s),
            distance_m=self.distance_m,
            sport=str(self.data.get("sport") or "running"),
            source=str(self.data.get("file") or f"run {self.id}"),
            source_format=SourceFormat(fmt),
            cadence_spm=self.cadence_spm,
            heart_rate_avg_bpm=self.data.get("heart_rate_avg_bpm"),
            heart_rate_max_bpm=self.data.get("heart_rate_max_bpm"),
            elevation_gain_m=self.data.get("elevation_gain_m"),
            device=self.data.get("device"),
        )


@dataclass(frozen=True, slots=True)
class RunEntry:
    """A stored run with its single-session spike (Frandsen 2025, KB 7.4)."""

    run: StoredRun
    spike: RunSpike


@dataclass(frozen=True, slots=True)
class RunsOverview:
    """Everything the runs page shows."""

    today: date
    runs: tuple[RunEntry, ...]
    weeks: tuple[WeeklyLoad, ...]
    cadence: CadenceSummary
    #: ``None`` when the safety gate allows no run today (see ``gate``).
    next_run: Prescription | None
    pain: tuple[SessionPain, ...]
    chart_svg: str
    gate: Gate
    #: The latest usual morning pain before running again (day, NPRS), None if not recorded.
    morning_baseline: tuple[date, int] | None = None


# --- stored runs -----------------------------------------------------------------------------


def _start_of(row: RunRow) -> datetime:
    text = (row.data or {}).get("start")
    if isinstance(text, str):
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return moment
    return datetime.combine(row.run_on, time(12), tzinfo=UTC)


def stored_run(row: RunRow) -> StoredRun:
    """The :class:`StoredRun` of a ``RunRow``."""
    return StoredRun(
        row.id,
        row.run_on,
        _start_of(row),
        row.distance_m,
        row.duration_s,
        row.cadence_spm,
        row.source,
        dict(row.data or {}),
    )


def patient_runs(tx: Session, patient_id: int, since: date | None = None) -> list[StoredRun]:
    """Stored runs in start order (callers have authorized already)."""
    query = select(RunRow).where(RunRow.patient_id == patient_id)
    if since is not None:
        query = query.where(RunRow.run_on >= since)
    rows = tx.scalars(query.order_by(RunRow.run_on.desc(), RunRow.id.desc()).limit(_MAX_RUNS))
    return sorted((stored_run(r) for r in rows), key=lambda r: r.start)


def touch_last_log(tx: Session, patient_id: int, days: Sequence[date], today: date) -> None:
    """A run counts as activity for the inactivity alert (never a day after today)."""
    patient = tx.get(PatientRow, patient_id)
    recent = min(max(days, default=date.min), today)
    if patient is not None and recent > (patient.last_log_on or date.min):
        patient.last_log_on = recent


# --- pain after a run ------------------------------------------------------------------------


def _nprs(value: int | None, name: str) -> int | None:
    if value is not None and not 0 <= value <= 10:
        raise InvalidInput(
            f"{name.replace('_', ' ')} pain must be between 0 and 10",
            field=name,
            allowed="0..10",
            got=value,
        )
    return value


def run_pain(tx: Session, patient_id: int) -> list[SessionPain]:
    """Pain logged after runs (``activity = "run"``), oldest first, as core sessions, each
    with the usual morning pain (baseline) recorded up to its next morning."""
    rows = tx.scalars(
        select(PainLogRow)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.activity == "run")
        .order_by(PainLogRow.logged_on, PainLogRow.id)
    )
    sessions = [
        SessionPain(
            day=r.logged_on,
            during_nprs=None if r.during is None else float(r.during),
            after_nprs=None if r.after is None else float(r.after),
            next_morning_nprs=None if r.next_morning is None else float(r.next_morning),
        )
        for r in rows
    ]
    return with_baselines(tx, patient_id, sessions)


def log_run_pain(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    day: date,
    during: int | None,
    after: int | None,
    next_morning: int | None,
    *,
    content: ClinicalContent,
    morning_baseline: int | None = None,
) -> tuple[Prescription | None, Gate]:
    """Record pain of a run (0–10); the morning rating belongs to the latest earlier run.

    ``morning_baseline`` is the usual morning pain before running again (the baseline that
    next-morning pain is judged against).

    Returns the next run after the entry (``None`` when the safety gate allows no run) and
    the gate; a clinician-review decision raises a ``pain_flare`` alert (once per day of
    the last session).
    """
    patient = authorize(tx, actor, "log.write", patient_id)
    values = [_nprs(v, n) for v, n in ((during, "during"), (after, "after"))]
    morning = _nprs(next_morning, "next_morning")
    baseline = _nprs(morning_baseline, "morning_baseline")
    if all(v is None for v in (*values, morning, baseline)):
        raise InvalidInput("enter at least one pain rating", field="during", allowed="0..10")
    if baseline is not None:
        record_baseline(tx, patient_id, day, baseline)
    if morning is not None:
        earlier = tx.scalar(
            select(PainLogRow)
            .where(
                PainLogRow.patient_id == patient_id,
                PainLogRow.activity == "run",
                PainLogRow.logged_on < day,
            )
            .order_by(PainLogRow.logged_on.desc(), PainLogRow.id.desc())
            .limit(1)
        )
        if earlier is None:
            earlier = PainLogRow(
                patient_id=patient_id, logged_on=day - timedelta(days=1), activity="run"
            )
            tx.add(earlier)
        earlier.next_morning = morning
    if any(v is not None for v in values):
        tx.add(
            PainLogRow(
                patient_id=patient_id,
                logged_on=day,
                during=values[0],
                after=values[1],
                activity="run",
            )
        )
    del patient
    touch_last_log(tx, patient_id, [day], day)
    tx.flush()
    prescription = _prescribe(patient_runs(tx, patient_id), run_pain(tx, patient_id), content, day)
    if prescription.clinician_review:
        raise_alert(
            tx,
            patient_id,
            "pain_flare",
            f"run_pain:review:{day.isoformat()}",
            "Return to running paused for clinician review: " + "; ".join(prescription.reasons),
            day,
        )
    gate = gate_for(tx, patient_id, content)
    return (prescription if gate.allowance.runs else None), gate


# --- views ------------------------------------------------------------------------------------


def _prescribe(
    runs: Sequence[StoredRun], pain: Sequence[SessionPain], content: ClinicalContent, today: date
) -> Prescription:
    return next_run(runs, pain, content.return_to_run, content.pain_monitoring, today=today)


def load_chart(entries: Sequence[RunEntry], start: date, today: date) -> str:
    """Weekly km from ``start``'s week to ``today`` with spike runs marked (server-side SVG)."""
    monday = start - timedelta(days=start.weekday())
    totals = {monday + timedelta(weeks=i): 0.0 for i in range((today - monday).days // 7 + 1)}
    markers = []
    for entry in entries:
        day = entry.run.start.date()
        week = day - timedelta(days=day.weekday())
        if week in totals:
            totals[week] += entry.run.distance_m / 1000
            if entry.spike.category in _MARKED:
                increase = (entry.spike.increase_fraction or 0.0) * 100
                label = f"{entry.spike.category.value} spike +{increase:.0f} %"
                severe = entry.spike.category in SPIKE_ALERT_CATEGORIES
                markers.append(Marker(day, entry.run.distance_m / 1000, label, severe))
    return weekly_load_chart(
        "Running km per week; spike runs marked against the 30-day longest run (Frandsen 2025)",
        sorted(totals.items()),
        markers,
    )


def _entries(runs: Sequence[StoredRun]) -> tuple[RunEntry, ...]:
    return tuple(RunEntry(r, s) for r, s in zip(runs, spikes(runs), strict=True))


def running_window(
    tx: Session, patient_id: int, start: date, today: date
) -> tuple[str, tuple[RunEntry, ...]]:
    """The load chart from ``start`` and the spike runs in it (``("", ())`` without runs).

    Callers have authorized; runs of the 30 days before ``start`` are read as reference.
    """
    runs = patient_runs(tx, patient_id, since=start - timedelta(days=LOOKBACK_DAYS))
    if not runs:
        return "", ()
    entries = _entries(runs)
    shown = tuple(e for e in entries if e.run.start.date() >= start and e.spike.category in _MARKED)
    return load_chart(entries, start, today), shown


def overview(
    tx: Session, actor: Actor, patient_id: int, today: date, *, content: ClinicalContent
) -> RunsOverview:
    """Runs with spike categories, weekly load, cadence and the next run (prescription with
    ``content``'s walk-run protocol and pain limits)."""
    authorize(tx, actor, "patient.read", patient_id)
    runs = patient_runs(tx, patient_id)
    pain = run_pain(tx, patient_id)
    entries = _entries(runs)
    gate = gate_for(tx, patient_id, content)
    return RunsOverview(
        today,
        entries,
        tuple(weekly_load(runs)),
        cadence_summary(runs),
        _prescribe(runs, pain, content, today) if gate.allowance.runs else None,
        tuple(pain),
        load_chart(entries, today - timedelta(weeks=12), today),
        gate,
        latest_baseline(tx, patient_id),
    )


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


def run_json(entry: RunEntry) -> dict[str, Any]:
    """One run in the API (stable keys, docs/running.md)."""
    run, data = entry.run, entry.run.data
    return {
        "id": run.id,
        "start": run.start.isoformat(),
        "run_on": run.run_on.isoformat(),
        "distance_m": round(run.distance_m, 2),
        "duration_s": round(run.duration_s, 3),
        "elapsed_s": data.get("elapsed_s"),
        "pace_s_per_km": None if run.pace_s_per_km is None else round(run.pace_s_per_km, 1),
        "cadence_spm": None if run.cadence_spm is None else round(run.cadence_spm, 2),
        "heart_rate_avg_bpm": data.get("heart_rate_avg_bpm"),
        "elevation_gain_m": data.get("elevation_gain_m"),
        "sport": data.get("sport"),
        "device": data.get("device"),
        "format": run.source,
        "file": data.get("file"),
        "spike_category": entry.spike.category.value,
        "longest_previous_30d_m": round(entry.spike.longest_previous_30d_m, 2),
        "spike_increase_pct": _pct(entry.spike.increase_fraction),
    }


# --- the CLI report of a stored patient ------------------------------------------------------


def report_for_patient(
    settings: Settings,
    patient_id: int,
    *,
    content: ClinicalContent,
    today: date,
    retraining_start: datetime | None = None,
    chart: Path | None = None,
) -> dict[str, Any]:
    """The ``runs report`` JSON (schema 1, plus ``patient_id``) of a stored patient.

    Reads ``settings.database_url`` in one transaction. The CLI has no login: the read is
    audited as role ``operator`` (someone with access to the database itself).
    """
    if chart is not None and chart.suffix.lower() not in CHART_SUFFIXES:
        raise InvalidInput(
            f"chart file must end in .svg or .png (got {chart.name})",
            field="chart",
            allowed=list(CHART_SUFFIXES),
            got=chart.name,
        )
    database = Database.from_settings(settings)
    try:
        database.require_current()
        with database.transaction() as tx:
            if tx.get(PatientRow, patient_id) is None:
                raise NotFound(f"patient {patient_id} does not exist", patient_id=patient_id)
            record_access(
                tx, None, "operator", "run.report", "patient", str(patient_id), patient_id
            )
            stored = patient_runs(tx, patient_id)
            pain = run_pain(tx, patient_id)
            gate = gate_for(tx, patient_id, content)
    finally:
        database.dispose()
    report = _report(stored, pain, content, today, retraining_start, chart)
    if not gate.allowance.runs:
        report["next_run"] = None
    return report | {"patient_id": patient_id, "gate": gate.clinician_json()}


def _report(  # noqa: PLR0917 - internal
    stored: list[StoredRun],
    pain: list[SessionPain],
    content: ClinicalContent,
    today: date,
    retraining_start: datetime | None,
    chart: Path | None,
) -> dict[str, Any]:
    runs = [s.as_run() for s in stored]
    report = runs_service.RunsReport(
        today=today,
        imported=ImportResult(tuple(runs), files_seen=len(runs)),
        spikes=tuple(spikes(runs)),
        weeks=tuple(weekly_load(runs)),
        cadence=cadence_summary(runs, retraining_start=retraining_start),
        next_run=_prescribe(stored, pain, content, today),
        sessions=tuple(pain),
    )
    if chart is not None:
        render_running_chart(chart, report.weeks, report.spikes, report.cadence)
    data = report.to_json()
    for item, run in zip(data["runs"], stored, strict=True):
        item["format"] = run.source
    return data
