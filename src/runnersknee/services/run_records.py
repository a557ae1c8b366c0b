"""A patient's runs in the database: upload watch files, load and spikes, the next run.

Use cases (each runs in the caller's one transaction): :func:`save_import` (after
:func:`read_uploads` parsed the files, outside any transaction), :func:`overview`,
:func:`log_run_pain` and, for the CLI, :func:`report_for_patient`. Every read or write of
patient data goes through :func:`runnersknee.services.authz.authorize`. Imported runs are
``RunRow`` rows; what has no column (start with its UTC offset, device, sport, heart rate,
elevation, a cadence-series summary, the file name) lives in ``RunRow.data`` (see
docs/running.md, "Web"). Spikes are computed, never stored: a later upload may change them.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.activity.bulk import ImportResult
from runnersknee.activity.dedupe import same_run
from runnersknee.activity.model import Duplicate, Run, SkippedFile, SourceFormat
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
from runnersknee.content.return_to_run import load_return_to_run_protocol
from runnersknee.reports.charts import Marker, weekly_load_chart
from runnersknee.reports.running_chart import CHART_SUFFIXES, render_running_chart
from runnersknee.services import runs as runs_service
from runnersknee.services.alerts import SPIKE_ALERT_CATEGORIES, raise_alert, raise_run_spike
from runnersknee.services.audit import record_access
from runnersknee.services.authz import Actor, authorize
from runnersknee.services.database import Database
from runnersknee.store.tables import PainLogRow, PatientRow, RunRow

__all__ = [
    "RUN_SPIKE_ALERT_DAYS",
    "ImportOutcome",
    "RunEntry",
    "RunsOverview",
    "StoredRun",
    "Upload",
    "load_chart",
    "log_run_pain",
    "overview",
    "patient_runs",
    "read_uploads",
    "report_for_patient",
    "run_json",
    "run_pain",
    "running_window",
    "save_import",
    "size_text",
]

#: Spike alerts are raised for runs that started at most this many days before the upload
#: day (older spikes of a history export are marked on the charts only). Workflow choice,
#: equal to the 30-day window of the spike rule (KB 7.4); needs clinical review.
RUN_SPIKE_ALERT_DAYS = 30
_MAX_RUNS = 5000
_SERIES_POINTS = 60
_NAME = re.compile(r"[^A-Za-z0-9._-]+")
#: Spike categories marked on charts (> 10 %, Frandsen 2025); the alerting ones are red.
_MARKED = frozenset({SpikeCategory.SMALL, SpikeCategory.MODERATE, SpikeCategory.LARGE})


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file: its name as sent and a readable binary stream."""

    name: str
    stream: BinaryIO


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
class ImportOutcome:
    """What an upload stored, skipped (with reasons) and recognised as duplicates."""

    imported: tuple[StoredRun, ...]
    skipped: tuple[SkippedFile, ...]
    duplicates: tuple[Duplicate, ...]
    alerts_raised: int
    files_seen: int


@dataclass(frozen=True, slots=True)
class RunsOverview:
    """Everything the runs page shows."""

    today: date
    runs: tuple[RunEntry, ...]
    weeks: tuple[WeeklyLoad, ...]
    cadence: CadenceSummary
    next_run: Prescription
    pain: tuple[SessionPain, ...]
    chart_svg: str


# --- reading uploads (no database) -----------------------------------------------------------


def _safe_name(name: str, index: int) -> str:
    base = _NAME.sub("_", Path(name.replace("\\", "/")).name).strip("._")[:120]
    return base or f"upload-{index}"


def _copy_limited(stream: BinaryIO, target: Path, limit: int) -> int:
    """Copy at most ``limit + 1`` bytes; return the number copied."""
    copied = 0
    with target.open("wb") as out:
        while copied <= limit:
            chunk = stream.read(min(1024 * 1024, limit + 1 - copied))
            if not chunk:
                break
            out.write(chunk)
            copied += len(chunk)
    return copied


def size_text(count: int) -> str:
    """A byte count for people: MB (10^6), or kB below 0.1 MB."""
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.0f} kB"


def read_uploads(uploads: Sequence[Upload], settings: Settings) -> ImportResult:
    """Parse uploaded FIT/TCX/GPX files and zip exports; bad files are skipped with a reason.

    Each file may be at most ``max_activity_file_bytes`` (a zip: ``max_upload_bytes``, its
    members each ``max_activity_file_bytes``). Runs of one upload are de-duplicated.
    """
    if not uploads:
        return ImportResult(())
    skipped: list[SkippedFile] = []
    with tempfile.TemporaryDirectory(prefix="rk-upload-") as folder:
        paths: list[Path] = []
        for index, upload in enumerate(uploads):
            name = _safe_name(upload.name, index)
            is_zip = name.lower().endswith(".zip")
            limit = settings.max_upload_bytes if is_zip else settings.max_activity_file_bytes
            target = Path(folder) / str(index) / name
            target.parent.mkdir()
            size = _copy_limited(upload.stream, target, limit)
            if size > limit:
                reason = f"file is above the limit of {size_text(limit)}"
                skipped.append(SkippedFile(name, reason, "invalid_input"))
                target.unlink()
            elif size == 0:
                skipped.append(SkippedFile(name, "file is empty", "invalid_input"))
            else:
                paths.append(target)
        result = ImportResult(())
        if paths:
            result = runs_service.import_runs(paths, settings=settings)
    return ImportResult(
        result.runs,
        tuple(skipped) + result.skipped,
        result.duplicates,
        result.files_seen + len(skipped),
    )


# --- stored runs -----------------------------------------------------------------------------


def _start_of(row: RunRow) -> datetime:
    text = (row.data or {}).get("start")
    if isinstance(text, str):
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            return moment
    return datetime.combine(row.run_on, time(12), tzinfo=UTC)


def _stored(row: RunRow) -> StoredRun:
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
    return sorted((_stored(r) for r in rows), key=lambda r: r.start)


def _cadence_series(run: Run) -> dict[str, Any] | None:
    values = sorted(v for v in run.cadence_series_spm if v)
    if not values:
        return None
    step = max(1, len(run.records) // _SERIES_POINTS)
    sampled = [v for v in run.cadence_series_spm[::step] if v is not None]
    return {
        "samples": len(values),
        "min_spm": round(values[0], 2),
        "median_spm": round(values[len(values) // 2], 2),
        "max_spm": round(values[-1], 2),
        "series_spm": [round(v, 1) for v in sampled[:_SERIES_POINTS]],
    }


def _row_for(patient_id: int, run: Run) -> RunRow:
    data = {
        "start": run.start.isoformat(),
        "utc_offset_s": int((run.start.utcoffset() or timedelta()).total_seconds()),
        "elapsed_s": round(run.elapsed_duration_s, 3),
        "sport": run.sport,
        "sub_sport": run.sub_sport,
        "device": run.device,
        "file": run.source[:200],
        "heart_rate_avg_bpm": None if run.heart_rate_avg_bpm is None else run.heart_rate_avg_bpm,
        "heart_rate_max_bpm": None if run.heart_rate_max_bpm is None else run.heart_rate_max_bpm,
        "elevation_gain_m": run.elevation_gain_m,
        "cadence_series": _cadence_series(run),
    }
    return RunRow(
        patient_id=patient_id,
        run_on=run.start.date(),
        distance_m=run.distance_m,
        duration_s=run.moving_duration_s,
        cadence_spm=run.cadence_spm,
        source=run.source_format.value,
        data=data,
    )


def _nothing_imported(result: ImportResult) -> InvalidInput:
    if not result.files_seen:
        return InvalidInput(
            "choose at least one FIT, TCX or GPX file (or a zip export)",
            field="files",
            allowed=["fit", "tcx", "gpx", "zip"],
        )
    reasons = "; ".join(f"{s.source}: {s.reason}" for s in result.skipped[:5])
    return InvalidInput(
        f"no run could be imported ({reasons})",
        field="files",
        got=[{"source": s.source, "reason": s.reason, "code": s.code} for s in result.skipped],
    )


def save_import(
    tx: Session, actor: Actor, patient_id: int, result: ImportResult, today: date
) -> ImportOutcome:
    """Store the runs of an upload; runs already stored are reported as duplicates.

    Raises ``run_spike`` alerts (idempotent per run) for moderate and large spikes of runs of
    the last :data:`RUN_SPIKE_ALERT_DAYS` days. Nothing is stored when nothing could be read.
    """
    authorize(tx, actor, "log.write", patient_id)
    if not result.runs and not result.duplicates:
        raise _nothing_imported(result)
    stored = [s.as_run() for s in patient_runs(tx, patient_id)]
    duplicates = list(result.duplicates)
    rows: list[RunRow] = []
    for run in result.runs:
        twin = next((s for s in stored if same_run(s, run)), None)
        if twin is not None:
            duplicates.append(Duplicate(run.source, twin.source, run.start, run.distance_m))
            continue
        rows.append(_row_for(patient_id, run))
    tx.add_all(rows)
    tx.flush()
    _touch(tx, patient_id, [r.run_on for r in rows], today)
    imported = tuple(_stored(r) for r in rows)
    alerts = _raise_spike_alerts(tx, patient_id, today)
    return ImportOutcome(
        imported,
        result.skipped,
        tuple(sorted(duplicates, key=lambda d: d.start)),
        alerts,
        result.files_seen,
    )


def _touch(tx: Session, patient_id: int, days: Sequence[date], today: date) -> None:
    """A run counts as activity for the inactivity alert (never a day after today)."""
    patient = tx.get(PatientRow, patient_id)
    recent = min(max(days, default=date.min), today)
    if patient is not None and recent > (patient.last_log_on or date.min):
        patient.last_log_on = recent


def _raise_spike_alerts(tx: Session, patient_id: int, today: date) -> int:
    runs = patient_runs(tx, patient_id)
    since = today - timedelta(days=RUN_SPIKE_ALERT_DAYS)
    added = 0
    for run, spike in zip(runs, spikes(runs), strict=True):
        if spike.category in SPIKE_ALERT_CATEGORIES and since <= run.run_on <= today:
            added += raise_run_spike(tx, patient_id, run.id, spike)
    return added


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
    """Pain logged after runs (``activity = "run"``), oldest first, as core sessions."""
    rows = tx.scalars(
        select(PainLogRow)
        .where(PainLogRow.patient_id == patient_id, PainLogRow.activity == "run")
        .order_by(PainLogRow.logged_on, PainLogRow.id)
    )
    return [
        SessionPain(
            day=r.logged_on,
            during_nprs=None if r.during is None else float(r.during),
            after_nprs=None if r.after is None else float(r.after),
            next_morning_nprs=None if r.next_morning is None else float(r.next_morning),
        )
        for r in rows
    ]


def log_run_pain(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    day: date,
    during: int | None,
    after: int | None,
    next_morning: int | None,
    settings: Settings,
) -> Prescription:
    """Record pain of a run (0–10); the morning rating belongs to the latest earlier run.

    Returns the next run after the entry; a clinician-review decision raises a
    ``pain_flare`` alert (once per day of the last session).
    """
    patient = authorize(tx, actor, "log.write", patient_id)
    values = [_nprs(v, n) for v, n in ((during, "during"), (after, "after"))]
    morning = _nprs(next_morning, "next_morning")
    if all(v is None for v in (*values, morning)):
        raise InvalidInput("enter at least one pain rating", field="during", allowed="0..10")
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
    _touch(tx, patient_id, [day], day)
    tx.flush()
    prescription = _prescribe(patient_runs(tx, patient_id), run_pain(tx, patient_id), settings, day)
    if prescription.clinician_review:
        raise_alert(
            tx,
            patient_id,
            "pain_flare",
            f"run_pain:review:{day.isoformat()}",
            "Return to running paused for clinician review: " + "; ".join(prescription.reasons),
        )
    return prescription


# --- views ------------------------------------------------------------------------------------


def _prescribe(
    runs: Sequence[StoredRun], pain: Sequence[SessionPain], settings: Settings, today: date
) -> Prescription:
    return next_run(
        runs, pain, load_return_to_run_protocol(), runs_service.pain_config(settings), today=today
    )


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
    tx: Session, actor: Actor, patient_id: int, settings: Settings, today: date
) -> RunsOverview:
    """Runs with spike categories, weekly load, cadence and the next run (prescription)."""
    authorize(tx, actor, "patient.read", patient_id)
    runs = patient_runs(tx, patient_id)
    pain = run_pain(tx, patient_id)
    entries = _entries(runs)
    return RunsOverview(
        today,
        entries,
        tuple(weekly_load(runs)),
        cadence_summary(runs),
        _prescribe(runs, pain, settings, today),
        tuple(pain),
        load_chart(entries, today - timedelta(weeks=12), today),
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
    finally:
        database.dispose()
    return _report(stored, pain, settings, today, retraining_start, chart) | {
        "patient_id": patient_id
    }


def _report(  # noqa: PLR0917 - internal
    stored: list[StoredRun],
    pain: list[SessionPain],
    settings: Settings,
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
        next_run=_prescribe(stored, pain, settings, today),
        sessions=tuple(pain),
    )
    if chart is not None:
        render_running_chart(chart, report.weeks, report.spikes, report.cadence)
    data = report.to_json()
    for item, run in zip(data["runs"], stored, strict=True):
        item["format"] = run.source
    return data
