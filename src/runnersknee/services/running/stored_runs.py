"""A patient's stored runs: ``RunRow`` rows read as :class:`StoredRun` (what has no column lives
in ``RunRow.data``, see docs/running.md, "Web"), and a run as activity for the inactivity alert.
Callers have authorized already."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.activity.model import Run, SourceFormat
from runnersknee.store.json_document import json_text
from runnersknee.store.mapping import JSONObject, JSONValue
from runnersknee.store.tables import PatientRow, RunRow

__all__ = ["StoredRun", "patient_runs", "stored_run", "touch_last_log"]

_MAX_RUNS = 5000


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
    data: JSONObject

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
            elapsed_duration_s=float(_number(self.data.get("elapsed_s")) or self.duration_s),
            distance_m=self.distance_m,
            sport=str(self.data.get("sport") or "running"),
            source=str(self.data.get("file") or f"run {self.id}"),
            source_format=SourceFormat(fmt),
            cadence_spm=self.cadence_spm,
            heart_rate_avg_bpm=_number(self.data.get("heart_rate_avg_bpm")),
            heart_rate_max_bpm=_number(self.data.get("heart_rate_max_bpm")),
            elevation_gain_m=_number(self.data.get("elevation_gain_m")),
            device=json_text(self.data.get("device")),
        )


def _number(value: JSONValue | None) -> int | float | None:
    """A stored number as it was stored (anything else: None)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


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
