"""Upload watch files into a patient's record: keep them, read them (no database), store runs.

:func:`store_uploads` keeps uploaded FIT/TCX/GPX files or zip exports owner-only for the import
job (:mod:`runnersknee.services.running.run_import`) after cheap checks that decompress nothing;
:func:`read_uploads` parses uploads in the caller's thread (the demo, tests);
:func:`save_import` stores the new runs in the caller's one transaction (after the one
authorization check), reports duplicates and raises ``run_spike`` alerts. Stored runs are read by
:mod:`runnersknee.services.running.stored_runs`; the runs views are in
:mod:`runnersknee.services.running.run_records`.
"""

from __future__ import annotations

import os
import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from runnersknee.activity.bulk import ImportResult
from runnersknee.activity.dedupe import same_run
from runnersknee.activity.model import Duplicate, Run, SkippedFile
from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.load import spikes
from runnersknee.config import Settings
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.alerts import SPIKE_ALERT_CATEGORIES, raise_run_spike
from runnersknee.services.platform.storage import storage_for, temp_folder
from runnersknee.services.running import runs as runs_service
from runnersknee.services.running.stored_runs import (
    StoredRun,
    patient_runs,
    stored_run,
    touch_last_log,
)
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import RunRow

__all__ = [
    "RUN_SPIKE_ALERT_DAYS",
    "RUN_UPLOADS",
    "ImportOutcome",
    "StoredUpload",
    "Upload",
    "authorize_upload",
    "discard_stored",
    "read_uploads",
    "refusal_of",
    "remove_run_upload",
    "save_import",
    "size_text",
    "store_uploads",
]

#: Spike alerts are raised for runs that started at most this many days before the upload
#: day (older spikes of a history export are marked on the charts only). Workflow choice,
#: equal to the 30-day window of the spike rule (KB 7.4); needs clinical review.
RUN_SPIKE_ALERT_DAYS = 30
#: Run uploads wait for their import job in ``uploads/<patient>/RUN_UPLOADS/<random>/``.
RUN_UPLOADS = "runs"
_SERIES_POINTS = 60
_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class Upload:
    """One uploaded file: its name as sent and a readable binary stream."""

    name: str
    stream: BinaryIO


@dataclass(frozen=True, slots=True)
class StoredUpload:
    """An upload kept for the import job: its folder's storage key (None when no file passed
    the cheap checks), the kept files (relative paths) and the files refused at once."""

    key: str | None
    names: tuple[str, ...]
    skipped: tuple[SkippedFile, ...]


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an upload stored, skipped (with reasons) and recognised as duplicates."""

    imported: tuple[StoredRun, ...]
    skipped: tuple[SkippedFile, ...]
    duplicates: tuple[Duplicate, ...]
    alerts_raised: int
    files_seen: int


# --- reading uploads (no database) -----------------------------------------------------------


def _safe_name(name: str, index: int) -> str:
    base = _NAME.sub("_", Path(name.replace("\\", "/")).name).strip("._")[:120]
    return base or f"upload-{index}"


def _copy_limited(stream: BinaryIO, target: Path, limit: int) -> int:
    """Copy at most ``limit + 1`` bytes to a new owner-only (0600) file; return the count."""
    copied = 0
    with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
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


def authorize_upload(tx: Session, actor: Actor, patient_id: int) -> None:
    """Check that ``actor`` may add runs to the record (before any upload is unpacked)."""
    authorize(tx, actor, "log.write", patient_id)


def zip_refusal(path: Path, settings: Settings) -> str | None:
    """Why a zip is refused before unpacking (too many members, too large unpacked), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return None  # reported by the reader as "not a readable zip archive"
    if len(infos) > settings.max_zip_members:
        return f"the zip has {len(infos)} files, above the limit of {settings.max_zip_members}"
    total = sum(info.file_size for info in infos)
    if total > settings.max_zip_unpacked_bytes:
        return (
            f"the zip unpacks to {size_text(total)}, above the limit of "
            f"{size_text(settings.max_zip_unpacked_bytes)}"
        )
    return None


def _keep(upload: Upload, index: int, folder: Path, settings: Settings) -> Path | SkippedFile:
    """Copy one upload to ``folder/<index>/<safe name>`` after the cheap checks (size, empty,
    the zip directory: nothing is decompressed); a refused file is deleted at once."""
    name = _safe_name(upload.name, index)
    is_zip = name.lower().endswith(".zip")
    limit = settings.max_upload_bytes if is_zip else settings.max_activity_file_bytes
    target = folder / str(index) / name
    target.parent.mkdir(mode=0o700)
    size = _copy_limited(upload.stream, target, limit)
    refusal = None
    if size > limit:
        refusal = f"file is above the limit of {size_text(limit)}"
    elif size == 0:
        refusal = "file is empty"
    elif is_zip:
        refusal = zip_refusal(target, settings)
    if refusal is None:
        return target
    shutil.rmtree(target.parent, ignore_errors=True)
    return SkippedFile(name, refusal, "invalid_input")


def _keep_all(
    uploads: Sequence[Upload], folder: Path, settings: Settings
) -> tuple[list[Path], list[SkippedFile]]:
    kept: list[Path] = []
    skipped: list[SkippedFile] = []
    for index, upload in enumerate(uploads):
        outcome = _keep(upload, index, folder, settings)
        if isinstance(outcome, Path):
            kept.append(outcome)
        else:
            skipped.append(outcome)
    return kept, skipped


def store_uploads(settings: Settings, patient_id: int, uploads: Sequence[Upload]) -> StoredUpload:
    """Store uploaded files for the import job: owner-only (0600 files, 0700 folders) in a new
    folder ``uploads/<patient>/runs/<random>/`` of the storage (never /tmp, never the web
    root). Files refused by the cheap checks are deleted at once and listed as skipped; when
    none is kept, the folder is removed and the key is None."""
    store = storage_for(settings)
    key, folder = store.new_folder("uploads", str(patient_id), RUN_UPLOADS)
    try:
        kept, skipped = _keep_all(uploads, folder, settings)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if not kept:
        shutil.rmtree(folder, ignore_errors=True)
        return StoredUpload(None, (), tuple(skipped))
    names = tuple(str(p.relative_to(folder)) for p in kept)
    return StoredUpload(key, names, tuple(skipped))


def discard_stored(settings: Settings, stored: StoredUpload) -> None:
    """Delete the folder of a stored upload (its job was refused, failed or is done)."""
    if stored.key is not None:
        remove_run_upload(settings, stored.key)


def remove_run_upload(settings: Settings, key: str) -> None:
    """Delete a run-upload folder ``uploads/<patient>/runs/<random>`` (nothing else)."""
    store = storage_for(settings)
    path = store.local_path(key)
    if path.parent.name == RUN_UPLOADS and path.parent.parent.parent == store.local_path("uploads"):
        shutil.rmtree(path, ignore_errors=True)


def refusal_of(stored: StoredUpload) -> InvalidInput:
    """The 422 of an upload of which no file passed the cheap checks (nothing was stored)."""
    return _nothing_imported(ImportResult((), stored.skipped, (), len(stored.skipped)))


def read_uploads(uploads: Sequence[Upload], settings: Settings) -> ImportResult:
    """Parse uploaded FIT/TCX/GPX files and zip exports in this thread, in a temporary folder
    (the demo's seeding and tests; the web stores uploads and a job parses them).

    Each file may be at most ``max_activity_file_bytes`` (a zip: ``max_upload_bytes``, its
    members each ``max_activity_file_bytes``). Runs of one upload are de-duplicated.
    """
    if not uploads:
        return ImportResult(())
    with temp_folder() as folder:
        paths, skipped = _keep_all(uploads, folder, settings)
        result = ImportResult(())
        if paths:
            # Parsed in this thread: never in forked parser processes.
            result = runs_service.import_runs(paths, settings=settings, workers=1)
    return ImportResult(
        result.runs,
        tuple(skipped) + result.skipped,
        result.duplicates,
        result.files_seen + len(skipped),
    )


def _cadence_series(run: Run) -> JSONObject | None:
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

    Raises ``run_spike`` alerts (idempotent per run) for every spike above 10 % of runs of
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
    touch_last_log(tx, patient_id, [r.run_on for r in rows], today)
    imported = tuple(stored_run(r) for r in rows)
    alerts = _raise_spike_alerts(tx, patient_id, today)
    return ImportOutcome(
        imported,
        result.skipped,
        tuple(sorted(duplicates, key=lambda d: d.start)),
        alerts,
        result.files_seen,
    )


def _raise_spike_alerts(tx: Session, patient_id: int, today: date) -> int:
    runs = patient_runs(tx, patient_id)
    since = today - timedelta(days=RUN_SPIKE_ALERT_DAYS)
    added = 0
    for run, spike in zip(runs, spikes(runs), strict=True):
        if spike.category in SPIKE_ALERT_CATEGORIES and since <= run.run_on <= today:
            added += raise_run_spike(tx, patient_id, run.id, spike)
    return added
