"""A patient's details a clinician keeps up to date: name, birth year, phone, next review.

The phone number is what the clinic calls when a red flag comes in; the next review date
feeds the roster's list of reviews due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.access.authz import Actor, authorize, check_clinic_role
from runnersknee.services.care.intake import assert_patient
from runnersknee.services.care.patients import check_identity
from runnersknee.store.tables import PatientRow

__all__ = [
    "REVIEW_HORIZON_DAYS",
    "DueReview",
    "PatientDetails",
    "details",
    "reviews_due",
    "update_details",
]

#: Digits, spaces and + - ( ) . only; 6 to 40 characters (an extension may follow "x").
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,38}(x[0-9]{1,6})?$")
#: The roster lists reviews due within this many days (and every overdue one).
REVIEW_HORIZON_DAYS = 7
#: A review more than this far ahead is almost certainly a typing error.
_MAX_REVIEW_AHEAD = timedelta(days=730)


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """The editable details of one patient."""

    display_name: str
    birth_year: int | None
    phone: str | None
    next_review_on: date | None


@dataclass(frozen=True, slots=True)
class DueReview:
    """A patient whose next review is due soon or overdue."""

    patient_id: int
    display_name: str
    next_review_on: date
    overdue: bool


def details(tx: Session, actor: Actor, patient_id: int) -> PatientDetails:
    """The patient's current details."""
    patient = assert_patient(authorize(tx, actor, "patient.read", patient_id))
    return PatientDetails(
        patient.display_name, patient.birth_year, patient.phone, patient.next_review_on
    )


def check_phone(phone: str | None) -> str | None:
    """The phone number as typed (trimmed), or :class:`InvalidInput` when it is not one."""
    text = (phone or "").strip()
    if not text:
        return None
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 5:
        raise InvalidInput(
            "phone: digits, spaces and + - ( ) only, for example +44 20 7946 0000",
            field="phone",
            got=text[:40],
        )
    return text


def update_details(
    tx: Session, actor: Actor, patient_id: int, data: PatientDetails, today: date
) -> None:
    """Check and store the details; nothing changes when any of them is refused."""
    patient = assert_patient(authorize(tx, actor, "patient.write", patient_id))
    check_identity(data.display_name, data.birth_year, today)
    phone = check_phone(data.phone)
    review = data.next_review_on
    if review is not None and not today - _MAX_REVIEW_AHEAD <= review <= today + _MAX_REVIEW_AHEAD:
        raise InvalidInput(
            "next review must be within two years of today", field="next_review_on", got=str(review)
        )
    patient.display_name = data.display_name.strip()
    patient.birth_year = data.birth_year
    patient.phone = phone
    patient.next_review_on = review


def reviews_due(tx: Session, actor: Actor, today: date) -> list[DueReview]:
    """Patients of the clinic (not discharged) whose review is due within the horizon.

    Read beside the roster's first page, in its transaction: the roster has authorized and
    audited ``patient.list`` for the same actor, so this read adds no second audit entry."""
    check_clinic_role(tx, actor, "patient.list")
    horizon = today + timedelta(days=REVIEW_HORIZON_DAYS)
    values = {"clinic_id": actor.clinic_id, "horizon": horizon}
    rows = tx.connection().execute(_due_statement(), values).all()
    return [DueReview(i, name, due, due < today) for i, name, due in rows if due is not None]


@cache
def _due_statement() -> Executable:
    """The reviews-due query, built once (building it cost more than running it, per view
    of the roster's first page); the clinic and the horizon are bound per call."""
    return (
        select(PatientRow.id, PatientRow.display_name, PatientRow.next_review_on)
        .where(
            PatientRow.clinic_id == bindparam("clinic_id"),
            PatientRow.status != "discharged",
            PatientRow.next_review_on.is_not(None),
            PatientRow.next_review_on <= bindparam("horizon", type_=PatientRow.next_review_on.type),
        )
        .order_by(PatientRow.next_review_on, PatientRow.id)
        .limit(100)
    )
