"""The ONE authorization check. Every read or write of patient data calls :func:`authorize`.

It decides by role, clinic and record ownership (deny by default) and writes an audit entry
for every allowed access in the caller's transaction. A denial raises :class:`Denied` (a
:class:`Forbidden`) carrying its audit entry, which the :class:`Database` transaction or unit
it leaves writes in a transaction of its own after the caller's has rolled back: so the
denial survives the rollback, and it never waits for a write lock the caller's own
transaction holds (SQLite has one writer; a separate write inside would wait out the busy
timeout).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Forbidden, NotFound
from runnersknee.services.audit import audit_row, record_access
from runnersknee.services.unit import Unit
from runnersknee.store.tables import PatientRow

__all__ = [
    "POLICY",
    "Actor",
    "Denied",
    "Role",
    "authorize",
    "authorize_clinic",
    "authorize_record",
    "note_patient_clinic",
]


class Role(StrEnum):
    """What a login may do."""

    CLINICIAN = "clinician"
    PATIENT = "patient"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """The logged-in user a request acts for."""

    user_id: int
    role: Role
    clinic_id: int
    display_name: str
    patient_id: int | None = None


_C, _P, _A = Role.CLINICIAN, Role.PATIENT, Role.ADMIN

#: action → roles allowed. Patients are further limited to their own record.
POLICY: dict[str, frozenset[Role]] = {
    "patient.list": frozenset({_C}),
    "patient.create": frozenset({_C}),
    "patient.read": frozenset({_C, _P}),
    "intake.write": frozenset({_C, _P}),
    "questionnaire.write": frozenset({_C, _P}),
    "referral.write": frozenset({_C}),
    "assessment.write": frozenset({_C}),
    "plan.write": frozenset({_C}),
    "plan.sign": frozenset({_C}),
    "log.write": frozenset({_C, _P}),
    "alert.read": frozenset({_C}),
    "alert.write": frozenset({_C}),
    "user.manage": frozenset({_A}),
}


def authorize(
    tx: Session, actor: Actor, action: str, patient_id: int | None = None
) -> PatientRow | None:
    """Allow ``actor`` to do ``action`` (on ``patient_id``) or raise Forbidden / NotFound.

    Returns the patient row for a record-level action, ``None`` for a clinic-level one.
    """
    if patient_id is None:
        authorize_clinic(tx, actor, action)
        return None
    _check_role(actor, action, patient_id)
    patient = tx.get(PatientRow, patient_id)
    _check_record(actor, action, patient_id, None if patient is None else patient.clinic_id)
    record_access(tx, actor.user_id, actor.role, action, "patient", str(patient_id), patient_id)
    return patient


def authorize_clinic(tx: Unit, actor: Actor, action: str) -> None:
    """:func:`authorize` for a clinic-level action (no patient record), in any :class:`Unit`."""
    _check_role(actor, action, None)
    record_access(tx, actor.user_id, actor.role, action, "clinic", str(actor.clinic_id), None)


def authorize_record(tx: Unit, actor: Actor, action: str, patient_id: int) -> None:
    """:func:`authorize` for a record-level action whose caller needs no patient row.

    The same decision, denial records and audit entry, from one Core query (the patient's
    clinic) instead of loading the ORM row.
    """
    _check_role(actor, action, patient_id)
    clinic_id = _noted_clinic(tx, patient_id)
    if clinic_id is None:
        found = tx.connection().execute(_CLINIC_OF, {"patient_id": patient_id}).first()
        clinic_id = None if found is None else int(found[0])
    _check_record(actor, action, patient_id, clinic_id)
    record_access(tx, actor.user_id, actor.role, action, "patient", str(patient_id), patient_id)


_CLINIC_OF = select(PatientRow.clinic_id).where(PatientRow.id == bindparam("patient_id"))
_NOTED = "runnersknee.authz.patient_clinic"


def note_patient_clinic(tx: Unit, patient_id: int, clinic_id: int) -> None:
    """Remember a patient's clinic, read in this transaction (the session lookup reads it).

    :func:`authorize_record` then decides on it instead of querying it again. The note
    belongs to the current transaction only, so a later transaction reads the clinic anew.
    """
    tx.info[_NOTED] = (tx.get_transaction(), patient_id, clinic_id)


def _noted_clinic(tx: Unit, patient_id: int) -> int | None:
    """The clinic noted for ``patient_id`` in this very transaction, else ``None``."""
    noted: tuple[object, int, int] | None = tx.info.get(_NOTED)
    if noted is None or noted[1] != patient_id or noted[0] is not tx.get_transaction():
        return None
    return noted[2]


def _check_role(actor: Actor, action: str, patient_id: int | None) -> None:
    roles = POLICY.get(action)
    if roles is None or actor.role not in roles:
        _deny(actor, action, patient_id, "role")


def _check_record(actor: Actor, action: str, patient_id: int, clinic_id: int | None) -> None:
    """Deny another clinic's or (for a patient) another person's record; 404 a missing one."""
    if clinic_id is None:
        if actor.role is Role.PATIENT:
            _deny(actor, action, patient_id, "record")
        raise NotFound(f"patient {patient_id} does not exist", patient_id=patient_id)
    if clinic_id != actor.clinic_id:
        _deny(actor, action, patient_id, "clinic")
    if actor.role is Role.PATIENT and patient_id != actor.patient_id:
        _deny(actor, action, patient_id, "record")


class Denied(Forbidden):
    """A denial whose audit entry is still to be written (by the ``Database`` it leaves)."""

    def __init__(self, message: str, entry: dict[str, object], **details: object) -> None:
        super().__init__(message, **details)
        #: The denial's audit row; ``None`` once written.
        self.entry: dict[str, object] | None = entry


def _deny(actor: Actor, action: str, patient_id: int | None, why: str) -> NoReturn:
    """Raise :class:`Denied` with the denial's audit entry (written after the rollback)."""
    record_type = "patient" if patient_id is not None else "clinic"
    record_id = None if patient_id is None else str(patient_id)
    entry = audit_row(
        actor.user_id, actor.role.value, action, record_type, record_id, patient_id, "denied"
    )
    raise Denied(
        f"{actor.role.value} may not {action.replace('.', ' ')} this record",
        entry,
        action=action,
        reason=why,
    )
