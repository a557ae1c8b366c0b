"""The ONE authorization check. Every read or write of patient data calls :func:`authorize`.

It decides by role, clinic and record ownership (deny by default) and records an audit entry
for every access in the caller's transaction. A denial's entry is kept apart from the others
(:func:`~runnersknee.services.platform.audit.take_denied`): when :class:`Forbidden` makes the
transaction roll back, the ``Database`` writes it in a transaction of its own afterwards, so
the denial survives the rollback and never waits for a write lock the caller's own
transaction holds (SQLite has one writer; a separate write inside it would wait out the busy
timeout).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Forbidden, NotFound
from runnersknee.services.platform.audit import record_access
from runnersknee.store.tables import PatientRow

__all__ = [
    "POLICY",
    "Actor",
    "Role",
    "authorize",
    "authorize_clinic",
    "authorize_record",
    "check_clinic_role",
    "note_patient_clinic",
]


class Role(StrEnum):
    """What a login may do."""

    CLINICIAN = "clinician"
    PATIENT = "patient"
    ADMIN = "admin"
    #: The command line: someone with access to the database itself (no login, user id 0).
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Actor:
    """The logged-in user a request acts for."""

    user_id: int
    role: Role
    clinic_id: int
    display_name: str
    patient_id: int | None = None


_C, _P, _A, _O = Role.CLINICIAN, Role.PATIENT, Role.ADMIN, Role.OPERATOR

#: action → roles allowed. Patients are further limited to their own record.
POLICY: dict[str, frozenset[Role]] = {
    "patient.list": frozenset({_C}),
    "patient.create": frozenset({_C}),
    # Portal access of a patient: invitation and sign-in links (clinicians of the clinic).
    "patient.access": frozenset({_C}),
    "patient.read": frozenset({_C, _P, _O}),
    "patient.write": frozenset({_C}),
    "intake.write": frozenset({_C, _P}),
    "questionnaire.write": frozenset({_C, _P}),
    "referral.write": frozenset({_C}),
    "assessment.write": frozenset({_C}),
    "plan.write": frozenset({_C}),
    "plan.sign": frozenset({_C}),
    "log.write": frozenset({_C, _P}),
    "alert.read": frozenset({_C}),
    # Plan-change suggestions are clinical decision support: clinicians only.
    "suggestion.read": frozenset({_C}),
    "alert.write": frozenset({_C}),
    "user.manage": frozenset({_A}),
    # The clinic's own settings (its time zone): admins.
    "clinic.settings": frozenset({_A}),
    # The clinic's own photo or video of an exercise (library content, no patient data).
    "clinic.media": frozenset({_C, _A}),
    # A patient films a movement for the clinician; the clinician decides what is shared.
    "video.upload": frozenset({_P}),
    "video.read": frozenset({_C, _O}),
    "video.share": frozenset({_C}),
    # Reports and data export (docs/reports.md): clinical reports are clinician documents;
    # a patient may export their own record; only an admin erases one.
    "report.clinical": frozenset({_C, _O}),
    "patient.export": frozenset({_C, _P, _O}),
    "patient.erase": frozenset({_A}),
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
    _check_role(tx, actor, action, patient_id)
    patient = tx.get(PatientRow, patient_id)
    _check_record(tx, actor, action, patient_id, None if patient is None else patient.clinic_id)
    record_access(tx, actor.user_id, actor.role, action, "patient", str(patient_id), patient_id)
    return patient


def authorize_clinic(tx: Session, actor: Actor, action: str) -> None:
    """:func:`authorize` for a clinic-level action (no patient record)."""
    _check_role(tx, actor, action, None)
    record_access(tx, actor.user_id, actor.role, action, "clinic", str(actor.clinic_id), None)


def check_clinic_role(tx: Session, actor: Actor, action: str) -> None:
    """The role decision of :func:`authorize_clinic` without a second audit entry: for a read
    that joins one already authorized and audited in the same transaction (a denial is still
    recorded)."""
    _check_role(tx, actor, action, None)


def authorize_record(tx: Session, actor: Actor, action: str, patient_id: int) -> None:
    """:func:`authorize` for a record-level action whose caller needs no patient row.

    The same decision, denial records and audit entry, from one Core query (the patient's
    clinic) instead of loading the ORM row.
    """
    _check_role(tx, actor, action, patient_id)
    clinic_id = _noted_clinic(tx, patient_id)
    if clinic_id is None:
        found = tx.connection().execute(_CLINIC_OF, {"patient_id": patient_id}).first()
        clinic_id = None if found is None else int(found[0])
    _check_record(tx, actor, action, patient_id, clinic_id)
    record_access(tx, actor.user_id, actor.role, action, "patient", str(patient_id), patient_id)


_CLINIC_OF = select(PatientRow.clinic_id).where(PatientRow.id == bindparam("patient_id"))
_NOTED = "runnersknee.authz.patient_clinic"


def note_patient_clinic(tx: Session, patient_id: int, clinic_id: int) -> None:
    """Remember a patient's clinic, read in this transaction (the session lookup reads it).

    :func:`authorize_record` then decides on it instead of querying it again. The note
    belongs to the current transaction only, so a later transaction reads the clinic anew.
    """
    tx.info[_NOTED] = (tx.get_transaction(), patient_id, clinic_id)


def _noted_clinic(tx: Session, patient_id: int) -> int | None:
    """The clinic noted for ``patient_id`` in this very transaction, else ``None``."""
    noted: tuple[object, int, int] | None = tx.info.get(_NOTED)
    if noted is None or noted[1] != patient_id or noted[0] is not tx.get_transaction():
        return None
    return noted[2]


def _check_role(tx: Session, actor: Actor, action: str, patient_id: int | None) -> None:
    roles = POLICY.get(action)
    if roles is None or actor.role not in roles:
        _deny(tx, actor, action, patient_id, "role")


def _check_record(
    tx: Session, actor: Actor, action: str, patient_id: int, clinic_id: int | None
) -> None:
    """Deny another clinic's or (for a patient) another person's record; 404 a missing one.

    A record of another clinic answers exactly like a missing one (404, after the denial
    is audited), so the answers do not reveal which record numbers other clinics use; a
    patient gets 403 for every record but their own.
    """
    if actor.role is Role.PATIENT:
        if clinic_id is None or patient_id != actor.patient_id:
            _deny(tx, actor, action, patient_id, "record")
        return
    if clinic_id is None:
        raise _missing(patient_id)
    if clinic_id != actor.clinic_id:
        _deny(tx, actor, action, patient_id, "clinic", _missing(patient_id))


def _missing(patient_id: int) -> NotFound:
    return NotFound(f"patient {patient_id} does not exist", patient_id=patient_id)


def _deny(  # noqa: PLR0917 - the decision's parts
    tx: Session,
    actor: Actor,
    action: str,
    patient_id: int | None,
    why: str,
    answer: NotFound | None = None,
) -> NoReturn:
    """Record the denial (written also when the transaction rolls back), raise Forbidden
    (or ``answer``, for a record the actor must not learn about)."""
    record_type = "patient" if patient_id is not None else "clinic"
    record_id = None if patient_id is None else str(patient_id)
    record_access(
        tx, actor.user_id, actor.role.value, action, record_type, record_id, patient_id, "denied"
    )
    if answer is not None:
        raise answer
    raise Forbidden(
        f"{actor.role.value} may not {action.replace('.', ' ')} this record",
        action=action,
        reason=why,
    )
