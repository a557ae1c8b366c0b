"""Command-line reads of a stored patient: the operator (someone with access to the database
itself, no login) acts in the patient's clinic with role ``operator``; every read is audited
as such, like ``runs report patient:<id>``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.reports.pdf import Rendered, render_pdf
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.documents import erasure, export, report_data
from runnersknee.services.platform.database import Database
from runnersknee.store.tables import PatientRow

__all__ = ["OperatorRead", "export_zip", "fhir_json", "operator_read", "purge_videos", "report_pdf"]


@dataclass(frozen=True, slots=True)
class OperatorRead:
    """An open transaction and the operator actor for one patient."""

    tx: Session
    actor: Actor
    patient_id: int


@contextmanager
def operator_read(settings: Settings, patient_id: int) -> Iterator[OperatorRead]:
    """One transaction on ``settings.database_url`` with the operator of the patient's clinic."""
    database = Database.from_settings(settings)
    try:
        database.require_current()
        with database.transaction() as tx:
            patient = tx.get(PatientRow, patient_id)
            if patient is None:
                raise NotFound(f"patient {patient_id} does not exist", patient_id=patient_id)
            actor = Actor(0, Role.OPERATOR, patient.clinic_id, "operator (command line)")
            yield OperatorRead(tx, actor, patient_id)
    finally:
        database.dispose()


def report_pdf(
    settings: Settings, content: ClinicalContent, patient_id: int, kind: str, today: date
) -> Rendered:
    """A stored patient's document as a PDF (laid out after the transaction)."""
    with operator_read(settings, patient_id) as read:
        doc = report_data.patient_document(read.tx, read.actor, patient_id, kind, today, content)
    return render_pdf(doc)


def fhir_json(settings: Settings, content: ClinicalContent, patient_id: int) -> str:
    """A stored patient's FHIR R4B bundle."""
    with operator_read(settings, patient_id) as read:
        now = datetime.now(UTC)
        return export.fhir_bundle(read.tx, read.actor, patient_id, now, content=content)


def export_zip(
    settings: Settings, content: ClinicalContent, patient_id: int, today: date
) -> export.ExportFile:
    """A stored patient's export zip."""
    with operator_read(settings, patient_id) as read:
        parts = export.gather_export(read.tx, read.actor, patient_id, today, content=content)
    return export.zip_export(parts, today, settings)


def purge_videos(settings: Settings, now: datetime) -> int:
    """Apply the raw-video retention setting to every clinic."""
    database = Database.from_settings(settings)
    try:
        database.require_current()
        with database.transaction() as tx:
            return erasure.purge_raw_videos(tx, settings, now)
    finally:
        database.dispose()
