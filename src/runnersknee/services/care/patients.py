"""Patients: create, roster (search, status, paging), overview of one record."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import Executable, bindparam, func, or_, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, NotFound
from runnersknee.services.access.accounts import create_user
from runnersknee.services.access.authz import Actor, Role, authorize, authorize_clinic
from runnersknee.store.tables import AlertRow, EpisodeRow, PatientRow, UserRow

__all__ = [
    "STATUSES",
    "NewPatient",
    "RosterEntry",
    "RosterPage",
    "check_identity",
    "create_patient",
    "current_episode",
    "get_patient",
    "new_portal_password",
    "portal_email",
    "roster",
]

#: Where a patient is in their care (shown in the roster).
STATUSES = ("intake", "referral", "assessment", "active", "discharged")
_THIS_YEAR_MAX_AGE = 110


@dataclass(frozen=True, slots=True)
class NewPatient:
    """What a clinician types to add a patient; email + password create a portal login."""

    display_name: str
    birth_year: int | None = None
    email: str | None = None
    password: str | None = None


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One roster line."""

    id: int
    display_name: str
    birth_year: int | None
    status: str
    last_log_on: date | None
    open_alerts: int


@dataclass(frozen=True, slots=True)
class RosterPage:
    """A page of the roster and the total number of matches."""

    entries: tuple[RosterEntry, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the matches fill."""
        return max(1, -(-self.total // self.per_page))


def check_identity(name: str, birth_year: int | None, today: date) -> None:
    """Refuse an empty or over-long name and an impossible birth year."""
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("name is required (at most 200 characters)", field="display_name")
    if birth_year is not None and not (today.year - _THIS_YEAR_MAX_AGE <= birth_year <= today.year):
        raise InvalidInput(
            f"birth year must be between {today.year - _THIS_YEAR_MAX_AGE} and {today.year}",
            field="birth_year",
            allowed=f"{today.year - _THIS_YEAR_MAX_AGE}..{today.year}",
            got=birth_year,
        )


def _check_new(data: NewPatient, today: date) -> None:
    check_identity(data.display_name, data.birth_year, today)
    if bool(data.email) != bool(data.password):
        field = "password" if data.email else "email"
        raise InvalidInput("a portal login needs both an email and a password", field=field)


def create_patient(tx: Session, actor: Actor, data: NewPatient, today: date) -> int:
    """Add a patient (and an open episode of care) to the clinician's clinic."""
    authorize(tx, actor, "patient.create")
    _check_new(data, today)
    user_id = None
    if data.email and data.password:
        user_id = create_user(
            tx, actor.clinic_id, data.email, data.display_name, Role.PATIENT, data.password
        )
    patient = PatientRow(
        clinic_id=actor.clinic_id,
        user_id=user_id,
        clinician_id=actor.user_id,
        display_name=data.display_name.strip(),
        birth_year=data.birth_year,
        status="intake",
    )
    tx.add(patient)
    tx.flush()
    tx.add(EpisodeRow(patient_id=patient.id, opened_on=today))
    tx.flush()
    return patient.id


def new_portal_password() -> str:
    """A random initial portal password to hand to a patient."""
    return secrets.token_urlsafe(12)


def get_patient(tx: Session, actor: Actor, patient_id: int) -> PatientRow:
    """The patient row, after the authorization check (audited)."""
    patient = authorize(tx, actor, "patient.read", patient_id)
    if patient is None:  # pragma: no cover - authorize returns the row for record actions
        raise NotFound(f"patient {patient_id} does not exist")
    return patient


def current_episode(tx: Session, patient_id: int) -> EpisodeRow:
    """The newest episode of care of a patient (callers have authorized already)."""
    episode = tx.scalar(
        select(EpisodeRow)
        .where(EpisodeRow.patient_id == patient_id)
        .order_by(EpisodeRow.id.desc())
        .limit(1)
    )
    if episode is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    return episode


def roster(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    query: str = "",
    status: str = "",
    page: int = 1,
    per_page: int = 50,
) -> RosterPage:
    """Patients of the clinician's clinic, filtered by name and status, newest activity first."""
    authorize_clinic(tx, actor, "patient.list")
    if status and status not in STATUSES:
        raise InvalidInput("unknown status", field="status", allowed=list(STATUSES), got=status)
    page = max(1, page)
    text = query.strip()
    count, listing = _roster_statements(bool(status), bool(text))
    params: dict[str, object] = {"clinic_id": actor.clinic_id}
    if status:
        params["status"] = status
    if text:
        params["pattern"] = f"%{text.lower()}%"
        params["as_id"] = _as_id(query)
    connection = tx.connection()
    counted = connection.execute(count, params).first()
    total = counted[0] if counted else 0
    params |= {"offset": (page - 1) * per_page, "limit": per_page}
    rows = connection.execute(listing, params).all()
    entries = tuple(RosterEntry(r[0], r[1], r[2], r[3], r[4], int(r[5] or 0)) for r in rows)
    return RosterPage(entries, int(total), page, per_page)


@cache
def _roster_statements(by_status: bool, by_query: bool) -> tuple[Executable, Executable]:
    """The count and page statements of one filter combination, built once (bound values)."""
    conditions = [PatientRow.clinic_id == bindparam("clinic_id")]
    if by_status:
        conditions.append(PatientRow.status == bindparam("status"))
    if by_query:
        conditions.append(
            or_(
                func.lower(PatientRow.display_name).like(bindparam("pattern")),
                PatientRow.id == bindparam("as_id"),
            )
        )
    count = select(func.count()).select_from(PatientRow).where(*conditions)
    alerts = (
        select(func.count())
        .where(AlertRow.patient_id == PatientRow.id, AlertRow.resolved_at.is_(None))
        .scalar_subquery()
    )
    listing = (
        select(
            PatientRow.id,
            PatientRow.display_name,
            PatientRow.birth_year,
            PatientRow.status,
            PatientRow.last_log_on,
            alerts,
        )
        .where(*conditions)
        .order_by(PatientRow.display_name, PatientRow.id)
        .offset(bindparam("offset"))
        .limit(bindparam("limit"))
    )
    return count, listing


def _as_id(text: str) -> int:
    stripped = text.strip().lstrip("#")
    return int(stripped) if stripped.isdigit() and len(stripped) < 10 else -1


def portal_email(tx: Session, patient: PatientRow) -> str | None:
    """The email of the patient's portal login, if any."""
    if patient.user_id is None:
        return None
    return tx.scalar(select(UserRow.email).where(UserRow.id == patient.user_id))
