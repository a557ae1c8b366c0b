"""A patient's data out: the FHIR R4B bundle, and the right-of-access zip (bundle, CSVs of logs,
runs and scores, the PDFs and the uploaded files). Authorized as ``patient.export`` and
audited; everything read is filtered by this one patient's id.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.errors import RunnersKneeError
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.fhir.bundle import build_bundle, bundle_json
from runnersknee.fhir.record import (
    Administration,
    InstrumentForm,
    Measure,
    PatientRecord,
    PlanActivity,
    PlanSummary,
    QuestionItem,
    RunEntry,
    measures_of,
)
from runnersknee.reports.pdf import render_pdf
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.care import intake, records
from runnersknee.services.care.case_io import validate_as
from runnersknee.services.care.patients import current_episode
from runnersknee.services.documents import report_data
from runnersknee.services.running.stored_runs import patient_runs
from runnersknee.services.video.measures import video_analyses
from runnersknee.store.json_document import json_list
from runnersknee.store.tables import (
    AssessmentRow,
    EpisodeRow,
    ExerciseLogRow,
    IntakeDraftRow,
    PainLogRow,
    PatientRow,
)

__all__ = [
    "ExportFile",
    "ExportParts",
    "fhir_bundle",
    "gather_export",
    "intake_drafts",
    "patient_record",
    "upload_folder",
    "write_export",
    "zip_export",
]


@dataclass(frozen=True, slots=True)
class ExportFile:
    """The zip's bytes and its download name."""

    name: str
    data: bytes


def _forms(instrument_ids: Iterable[str], content: ClinicalContent) -> dict[str, InstrumentForm]:
    found: dict[str, InstrumentForm] = {}
    known = content.instruments
    for key in instrument_ids:
        instrument = known.get(key)
        if instrument is None:
            continue
        items = tuple(
            QuestionItem(
                item.id,
                item.text,
                item.kind,
                tuple((o.id, o.label) for o in item.options or ()),
                item.minimum,
                item.maximum,
            )
            for item in instrument.items
        )
        found[key] = InstrumentForm(key, instrument.name, instrument.version, items)
    return found


def _measures(tx: Session, episode_id: int) -> tuple[Measure, ...]:
    rows = tx.scalars(
        select(AssessmentRow)
        .where(AssessmentRow.episode_id == episode_id)
        .order_by(AssessmentRow.id)
    )
    found: list[Measure] = []
    for row in rows:
        found += measures_of(validate_as(Assessment, dict(row.data)), row.created_at.date())
    return tuple(found)


def _plan(version: records.PlanVersion | None) -> PlanSummary | None:
    if version is None:
        return None
    activities = tuple(
        PlanActivity(
            str(i.get("id")),
            str(i.get("id", "")).partition(":")[0],
            str(i.get("title") or ""),
            str(i.get("dose") or ""),
            str(i.get("reason") or ""),
        )
        for i in records.plan_items(version.data)
    )
    signed = version.signed
    return PlanSummary(
        version.version,
        version.status,
        str(version.data.get("phase_name") or ""),
        version.created_at,
        activities,
        str(version.data.get("signed_by") or "") if signed else None,
        version.created_at if signed else None,
        str(version.data.get("sign_note") or "") if signed else "",
    )


def patient_record(
    tx: Session, actor: Actor, patient_id: int, *, content: ClinicalContent
) -> PatientRecord:
    """The typed record the bundle maps (authorized as ``patient.export``)."""
    authorize(tx, actor, "patient.export", patient_id)
    overview = records.overview(tx, actor, patient_id, content=content)
    found = overview.intake
    answers = found.case_data if found else None
    triage = (found.triage or {}) if found else {}
    administrations = tuple(
        Administration(
            q.id,
            q.instrument,
            q.administered_on,
            q.answers,
            q.total,
            str((q.score or {}).get("interpretation") or ""),
        )
        for q in overview.questionnaires
    )
    runs = tuple(
        RunEntry(r.id, r.run_on, r.distance_m, r.duration_s, r.cadence_spm)
        for r in patient_runs(tx, patient_id)
    )
    return PatientRecord(
        patient_id=patient_id,
        display_name=overview.display_name,
        birth_year=overview.birth_year,
        sex=answers.sex if answers else None,
        knee_side=answers.side if answers else None,
        intake_on=found.created_at.date() if found else None,
        triage_level=found.level if found else None,
        pfp_probable=bool(triage.get("pfp_probable")),
        triage_reasons=tuple(str(r.get("reason", "")) for r in json_list(triage.get("reasons"))),
        instruments=_forms({a.instrument_id for a in administrations}, content),
        administrations=administrations,
        measures=_measures(tx, current_episode(tx, patient_id).id)
        + tuple(m for video in video_analyses(tx, patient_id) for m in video.measures),
        runs=runs,
        plan=_plan(overview.plan),
    )


def fhir_bundle(
    tx: Session, actor: Actor, patient_id: int, now: datetime, *, content: ClinicalContent
) -> str:
    """The patient's FHIR R4B bundle as JSON."""
    record = patient_record(tx, actor, patient_id, content=content)
    return bundle_json(build_bundle(record, now))


def upload_folder(settings: Settings, patient_id: int) -> Path:
    """Where a patient's uploaded files live (``data_dir/uploads/<patient id>``)."""
    return (settings.data_dir / "uploads" / str(int(patient_id))).resolve()


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _csvs(tx: Session, actor: Actor, patient_id: int) -> dict[str, str]:
    exercise = tx.execute(
        select(
            ExerciseLogRow.performed_on,
            ExerciseLogRow.exercise_id,
            ExerciseLogRow.sets_done,
            ExerciseLogRow.reps_done,
            ExerciseLogRow.note,
        )
        .where(ExerciseLogRow.patient_id == patient_id)
        .order_by(ExerciseLogRow.id)
    ).all()
    pain = tx.execute(
        select(
            PainLogRow.logged_on,
            PainLogRow.activity,
            PainLogRow.during,
            PainLogRow.after,
            PainLogRow.next_morning,
        )
        .where(PainLogRow.patient_id == patient_id)
        .order_by(PainLogRow.id)
    ).all()
    runs = [
        (
            r.run_on,
            r.start.isoformat(),
            round(r.distance_m, 1),
            round(r.duration_s, 1),
            r.cadence_spm,
            r.source,
        )
        for r in patient_runs(tx, patient_id)
    ]
    scores = [
        (q.administered_on, q.instrument, q.total)
        for q in intake.questionnaires(tx, actor, patient_id)
    ]
    return {
        "csv/exercise_logs.csv": _csv(("date", "exercise_id", "sets", "reps", "note"), exercise),
        "csv/pain_logs.csv": _csv(("date", "activity", "during", "after", "next_morning"), pain),
        "csv/runs.csv": _csv(
            ("date", "start", "distance_m", "duration_s", "cadence_spm", "source"), runs
        ),
        "csv/questionnaire_scores.csv": _csv(("date", "instrument", "total"), scores),
    }


def _documents(
    tx: Session, actor: Actor, patient_id: int, today: date, content: ClinicalContent
) -> tuple[dict[str, report_data.Document], list[str]]:
    """The documents this actor may have; one that cannot be made yet is noted, not fatal."""
    kinds = ("handout",) if actor.role is Role.PATIENT else report_data.KINDS
    made: dict[str, report_data.Document] = {}
    notes: list[str] = []
    for kind in kinds:
        try:
            doc = report_data.patient_document(tx, actor, patient_id, kind, today, content)
            made[f"reports/{kind}.pdf"] = doc
        except RunnersKneeError as error:
            notes.append(f"{kind}.pdf not included: {error.message}")
    return made, notes


def intake_drafts(tx: Session, patient_id: int) -> str | None:
    """The patient's unsent intake answers (one draft per episode) as JSON; None without one.

    A draft is what the patient typed between the steps of the portal's intake and has not
    sent yet (services/care/intake_draft.py): their own data, so it is part of the export.
    """
    rows = tx.execute(
        select(IntakeDraftRow, EpisodeRow.opened_on)
        .join(EpisodeRow, EpisodeRow.id == IntakeDraftRow.episode_id)
        .where(EpisodeRow.patient_id == patient_id)
        .order_by(IntakeDraftRow.id)
    ).all()
    if not rows:
        return None
    drafts = [
        {
            "episode_opened_on": opened.isoformat() if opened else None,
            "next_step": row.step,
            "answers": dict(row.answers),
            "started_at": row.created_at.isoformat(),
            "saved_at": row.updated_at.isoformat(),
        }
        for row, opened in rows
    ]
    return json.dumps({"intake_drafts": drafts}, indent=2, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True, slots=True)
class ExportParts:
    """What the zip holds, read in the transaction (the PDFs are laid out afterwards)."""

    patient_id: int
    name: str
    made_at: datetime
    bundle: str
    csvs: Mapping[str, str]
    documents: Mapping[str, report_data.Document]
    notes: tuple[str, ...]
    #: The unsent intake answers (JSON), None when the patient has no draft.
    intake_draft: str | None = None


def gather_export(
    tx: Session, actor: Actor, patient_id: int, today: date, *, content: ClinicalContent
) -> ExportParts:
    """Read everything of one patient the export holds (authorized and audited)."""
    now = datetime.now(UTC)
    bundle = fhir_bundle(tx, actor, patient_id, now, content=content)
    patient = tx.get(PatientRow, patient_id)
    documents, notes = _documents(tx, actor, patient_id, today, content)
    return ExportParts(
        patient_id,
        patient.display_name if patient else "",
        now,
        bundle,
        _csvs(tx, actor, patient_id),
        documents,
        tuple(notes),
        intake_drafts(tx, patient_id),
    )


def _upload_files(settings: Settings, patient_id: int) -> Iterable[tuple[str, Path]]:
    root = upload_folder(settings, patient_id)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield f"uploads/{path.relative_to(root).as_posix()}", path


def zip_export(parts: ExportParts, today: date, settings: Settings) -> ExportFile:
    """The right-of-access zip: lays out the PDFs and adds the uploaded files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("fhir/bundle.json", parts.bundle)
        for name, text in parts.csvs.items():
            archive.writestr(name, text)
        if parts.intake_draft is not None:
            archive.writestr("intake/draft.json", parts.intake_draft)
        for name, doc in parts.documents.items():
            archive.writestr(name, render_pdf(doc).pdf)
        for name, path in _upload_files(settings, parts.patient_id):
            archive.write(path, name)
        archive.writestr("README.txt", _readme(parts.name, parts.made_at, parts.notes))
    name = f"patient-{parts.patient_id}-export-{today.isoformat()}.zip"
    return ExportFile(name, buffer.getvalue())


def write_export(
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    settings: Settings,
    *,
    content: ClinicalContent,
) -> ExportFile:
    """:func:`gather_export` and :func:`zip_export` in one call (the CLI and tests)."""
    parts = gather_export(tx, actor, patient_id, today, content=content)
    return zip_export(parts, today, settings)


def _readme(name: str, now: datetime, notes: Sequence[str]) -> str:
    lines = [
        f"Data export for {name}, made {now.isoformat(timespec='seconds')}.",
        "fhir/bundle.json: the record as a FHIR R4B Bundle (type collection).",
        "csv/: exercise logs, pain logs, runs and questionnaire scores.",
        "intake/draft.json: intake answers saved but not sent yet (only when there are some).",
        "reports/: printable documents. uploads/: files uploaded for this patient.",
        *notes,
    ]
    return "\n".join(lines) + "\n"
