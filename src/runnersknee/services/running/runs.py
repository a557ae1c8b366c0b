"""Use cases for running data: import watch files, report load, prescribe the next run.

Called by the CLI (``runnersknee runs ...``) and later by the web app. Nothing here persists
yet: the import returns what was read, skipped and de-duplicated; the report adds the load
rules (KB 7.4), cadence (KB 6.3) and the return-to-run prescription (KB 5.5, 7.1-7.3).
The JSON shapes are documented in docs/running.md and pinned by tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from runnersknee.activity.bulk import ImportResult, import_paths
from runnersknee.activity.model import Run
from runnersknee.activity.pain_log import read_pain_log
from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.load import (
    CadenceSummary,
    RunSpike,
    WeeklyLoad,
    cadence_summary,
    spikes,
    weekly_load,
)
from runnersknee.clinical.pain_monitoring import SessionPain
from runnersknee.clinical.return_to_run import Prescription, next_run
from runnersknee.config import Settings
from runnersknee.content import load_citations
from runnersknee.content.bundle import ClinicalContent
from runnersknee.reports.running_chart import CHART_SUFFIXES, render_running_chart
from runnersknee.store.mapping import JSONObject, JSONValue

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "RunsReport",
    "build_report",
    "import_json",
    "import_runs",
    "prescription_json",
]

REPORT_SCHEMA_VERSION = 1
ProgressCallback = Callable[[int, int, str], None]


def import_runs(
    paths: Sequence[Path],
    *,
    settings: Settings,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> ImportResult:
    """Parse, de-duplicate and classify every activity file under ``paths``."""
    if not paths:
        raise InvalidInput("give at least one file, folder or zip", field="paths")
    return import_paths(
        paths, max_bytes=settings.max_activity_file_bytes, progress=progress, workers=workers
    )


def import_json(result: ImportResult) -> JSONObject:
    """The JSON summary of an import (stable keys)."""
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "files_seen": result.files_seen,
        "runs": [run.summary() for run in result.runs],
        "skipped": [
            {"source": s.source, "reason": s.reason, "code": s.code} for s in result.skipped
        ],
        "duplicates": [
            {"source": d.source, "kept_source": d.kept_source, "start": d.start.isoformat()}
            for d in result.duplicates
        ],
    }


@dataclass(frozen=True, slots=True)
class RunsReport:
    """Everything ``runs report`` shows."""

    today: date
    imported: ImportResult
    spikes: tuple[RunSpike, ...]
    weeks: tuple[WeeklyLoad, ...]
    cadence: CadenceSummary
    next_run: Prescription
    sessions: tuple[SessionPain, ...]

    def to_json(self) -> JSONObject:
        """The documented JSON report (docs/running.md)."""
        runs: list[JSONValue] = []
        ordered = sorted(self.imported.runs, key=lambda r: r.start)
        for run, spike in zip(ordered, self.spikes, strict=True):
            runs.append(
                {
                    **run.summary(),
                    "spike_category": spike.category.value,
                    "longest_previous_30d_m": round(spike.longest_previous_30d_m, 2),
                    "spike_increase_pct": _pct(spike.increase_fraction),
                }
            )
        cited = sorted(
            {c for s in self.spikes for c in s.citation_ids}
            | set(self.cadence.citation_ids)
            | set(self.next_run.citation_ids)
        )
        registry = load_citations()
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "today": self.today.isoformat(),
            "runs": runs,
            "weeks": [_week_json(w) for w in self.weeks],
            "cadence": _cadence_json(self.cadence),
            "next_run": prescription_json(self.next_run),
            "pain_sessions": len(self.sessions),
            "skipped": import_json(self.imported)["skipped"],
            "duplicates": import_json(self.imported)["duplicates"],
            "citations": {
                cid: {"reference": registry[cid].reference, "verified": registry[cid].verified}
                for cid in cited
                if cid in registry
            },
        }


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _week_json(week: WeeklyLoad) -> JSONObject:
    return {
        "week_start": week.week_start.isoformat(),
        "distance_m": round(week.distance_m, 2),
        "duration_s": round(week.duration_s, 1),
        "runs": week.runs,
        "longest_run_m": round(week.longest_run_m, 2),
        "change_from_previous_pct": _pct(week.change_from_previous_fraction),
    }


def _cadence_json(cadence: CadenceSummary) -> JSONObject:
    return {
        "baseline_spm": _r(cadence.baseline_spm),
        "baseline_runs": cadence.baseline_runs,
        "target_low_spm": _r(cadence.target_low_spm),
        "target_high_spm": _r(cadence.target_high_spm),
        "latest_spm": _r(cadence.latest_spm),
        "trend_spm_per_week": _r(cadence.trend_spm_per_week),
        "status": cadence.status.value,
        "reasons": list(cadence.reasons),
        "citation_ids": list(cadence.citation_ids),
    }


def prescription_json(prescription: Prescription) -> JSONObject:
    """The ``next_run`` object of the report."""
    stage = prescription.stage
    return {
        "kind": prescription.kind.value,
        "earliest_day": prescription.earliest_day.isoformat(),
        "distance_m": round(prescription.distance_m, 1),
        "stage": None
        if stage is None
        else {
            "number": stage.number,
            "rpe": stage.rpe,
            "walk_s": stage.walk_s,
            "run_s": stage.run_s,
            "continuous": stage.continuous,
            "total_distance_m": stage.total_distance_m,
        },
        "decision": prescription.decision.value,
        "clinician_review": prescription.clinician_review,
        "instruction": prescription.instruction,
        "reasons": list(prescription.reasons),
        "citation_ids": list(prescription.citation_ids),
        "entry_checks": [
            {
                "id": c.id,
                "text": c.text,
                "verified": c.verified,
                "citation_ids": list(c.citation_ids),
            }
            for c in prescription.entry_checks
        ],
    }


def build_report(
    paths: Sequence[Path],
    *,
    settings: Settings,
    content: ClinicalContent,
    pain_log: Path | None = None,
    today: date | None = None,
    retraining_start: datetime | None = None,
    chart: Path | None = None,
    progress: ProgressCallback | None = None,
) -> RunsReport:
    """Import ``paths`` and compute load, spikes, cadence and the next-run prescription
    (with ``content``'s walk-run protocol and pain limits)."""
    if chart is not None and chart.suffix.lower() not in CHART_SUFFIXES:
        raise InvalidInput(
            f"chart file must end in .svg or .png (got {chart.name})",
            field="chart",
            allowed=list(CHART_SUFFIXES),
            got=chart.name,
        )
    imported = import_runs(paths, settings=settings, progress=progress)
    runs: list[Run] = list(imported.runs)
    sessions = tuple(read_pain_log(pain_log)) if pain_log is not None else ()
    day = today or date.today()
    prescription = next_run(
        runs, sessions, content.return_to_run, content.pain_monitoring, today=day
    )
    report = RunsReport(
        today=day,
        imported=imported,
        spikes=tuple(spikes(runs)),
        weeks=tuple(weekly_load(runs)),
        cadence=cadence_summary(runs, retraining_start=retraining_start),
        next_run=prescription,
        sessions=sessions,
    )
    if chart is not None:
        render_running_chart(chart, report.weeks, report.spikes, report.cadence)
    return report
