"""A patient's runs as the pages, the API and the CLI report show them: spikes, weekly load,
cadence and the next run.

Use cases (each runs in the caller's one transaction): :func:`overview` and, for the CLI,
:func:`report_for_patient`; every read of patient data goes through
:func:`runnersknee.services.access.authz.authorize`. Stored runs are read by
:mod:`~runnersknee.services.running.stored_runs`, pain after a run is logged by
:mod:`~runnersknee.services.running.pain_after_runs` and files are uploaded by
:mod:`~runnersknee.services.running.run_uploads`. Spikes are computed, never stored: a later
upload may change them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from runnersknee.activity.bulk import ImportResult
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
from runnersknee.clinical.return_to_run import Prescription
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.reports.charts import Marker, weekly_load_chart
from runnersknee.reports.running_chart import CHART_SUFFIXES, render_running_chart
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.alerts import SPIKE_ALERT_CATEGORIES
from runnersknee.services.care.morning_baseline import latest_baseline
from runnersknee.services.care.safety_gate import Gate, gate_for
from runnersknee.services.platform.audit import record_access
from runnersknee.services.platform.database import Database
from runnersknee.services.running import runs as runs_service
from runnersknee.services.running.pain_after_runs import prescribe, run_pain
from runnersknee.services.running.stored_runs import StoredRun, patient_runs
from runnersknee.store.json_document import json_list
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import PatientRow

__all__ = [
    "RunEntry",
    "RunsOverview",
    "load_chart",
    "overview",
    "report_for_patient",
    "run_json",
    "running_window",
]

#: Spike categories marked on charts (> 10 %, Frandsen 2025); the alerting ones are red.
_MARKED = frozenset({SpikeCategory.SMALL, SpikeCategory.MODERATE, SpikeCategory.LARGE})


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


# --- views ------------------------------------------------------------------------------------


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
        prescribe(runs, pain, content, today) if gate.allowance.runs else None,
        tuple(pain),
        load_chart(entries, today - timedelta(weeks=12), today),
        gate,
        latest_baseline(tx, patient_id),
    )


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


def run_json(entry: RunEntry) -> JSONObject:
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
) -> JSONObject:
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
) -> JSONObject:
    runs = [s.as_run() for s in stored]
    report = runs_service.RunsReport(
        today=today,
        imported=ImportResult(tuple(runs), files_seen=len(runs)),
        spikes=tuple(spikes(runs)),
        weeks=tuple(weekly_load(runs)),
        cadence=cadence_summary(runs, retraining_start=retraining_start),
        next_run=prescribe(stored, pain, content, today),
        sessions=tuple(pain),
    )
    if chart is not None:
        render_running_chart(chart, report.weeks, report.spikes, report.cadence)
    data = report.to_json()
    for item, run in zip(json_list(data["runs"]), stored, strict=True):
        item["format"] = run.source
    return data
