"""Assessments and versioned plans of an episode, and the overview of one record.

Plans are never changed in place: generating, each edit and the sign-off each add a new
:class:`PlanVersionRow`; the newest version is the current one, older ones stay readable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.errors import InvalidInput, NotFound, Refused
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.care.case_io import validate_as
from runnersknee.services.care.intake import (
    IntakeView,
    QuestionnaireView,
    assert_patient,
    latest_intake,
    plan_gate,
    questionnaires,
)
from runnersknee.services.care.patients import current_episode, portal_email
from runnersknee.services.care.plan_document import PlanDocument, json_objects
from runnersknee.services.care.plan_dose import DoseFields, dose_text
from runnersknee.services.care.planning import (
    add_library_item,
    remove_plan_item,
    stored_plan,
)
from runnersknee.services.care.safety_gate import gate_for
from runnersknee.store.mapping import JSONObject, JSONValue, to_json
from runnersknee.store.tables import (
    AlertRow,
    AssessmentRow,
    PatientRow,
    PlanVersionRow,
    QuestionnaireRow,
)

__all__ = [
    "Overview",
    "PlanVersion",
    "add_exercise",
    "assessment_json",
    "editable_plan",
    "generate_plan",
    "latest_assessment",
    "overview",
    "plan_items",
    "plan_versions",
    "remove_item",
    "save_assessment",
    "save_draft",
    "set_item_dose",
    "sign_plan",
    "update_item",
]

_MAX_NOTE = 1000


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One stored plan version (its plan: :attr:`document`)."""

    id: int
    version: int
    status: str
    change: str
    document: PlanDocument
    created_by: int
    created_at: datetime

    @property
    def signed(self) -> bool:
        """Whether this version is a signed-off plan."""
        return self.status == "signed"

    @property
    def data(self) -> JSONObject:
        """The plan's stored JSON form (a new dict each time; the JSON API returns it)."""
        return self.document.to_json()


@dataclass(frozen=True, slots=True)
class Overview:
    """Everything the record page shows."""

    patient_id: int
    display_name: str
    birth_year: int | None
    status: str
    portal_email: str | None
    intake: IntakeView | None
    assessment: Assessment | None
    plan: PlanVersion | None
    questionnaires: tuple[QuestionnaireView, ...]
    open_alerts: int
    instruments: tuple[tuple[str, str], ...]
    #: The instruments a patient may fill in themselves (never the paper-form-only ones).
    portal_instruments: tuple[tuple[str, str], ...] = ()


def _version(row: PlanVersionRow) -> PlanVersion:
    return PlanVersion(
        row.id,
        row.version,
        row.status,
        row.change,
        PlanDocument.from_json(row.data),
        row.created_by,
        row.created_at,
    )


def overview(tx: Session, actor: Actor, patient_id: int, *, content: ClinicalContent) -> Overview:
    """The record page of one patient."""
    patient = assert_patient(authorize(tx, actor, "patient.read", patient_id))
    episode = current_episode(tx, patient_id)
    if actor.role is Role.PATIENT:
        plan = _patients_plan(tx, patient_id, episode.id, content)
    else:
        plan = _latest_plan(tx, episode.id)
    alerts = tx.scalar(
        select(func.count()).where(
            AlertRow.patient_id == patient_id, AlertRow.resolved_at.is_(None)
        )
    )
    instruments = tuple(
        (key, value.short_name or value.name) for key, value in content.instruments.items()
    )
    portal_ids = content.portal_instruments()
    portal = tuple((key, name) for key, name in instruments if key in portal_ids)
    return Overview(
        patient.id,
        patient.display_name,
        patient.birth_year,
        patient.status,
        portal_email(tx, patient),
        latest_intake(tx, actor, patient_id),
        _typed_assessment(_latest_assessment(tx, episode.id)),
        None if plan is None else _version(plan),
        tuple(questionnaires(tx, actor, patient_id)),
        int(alerts or 0),
        instruments,
        portal,
    )


def _typed_assessment(stored: JSONObject | None) -> Assessment | None:
    """The core assessment of a stored one (validated when it was saved)."""
    return None if stored is None else validate_as(Assessment, dict(stored))


def assessment_json(assessment: Assessment) -> JSONObject:
    """An assessment's stored JSON form (the JSON API shows it)."""
    stored: JSONObject = to_json(assessment)
    return stored


def _latest_assessment(tx: Session, episode_id: int) -> JSONObject | None:
    row = tx.scalar(
        select(AssessmentRow)
        .where(AssessmentRow.episode_id == episode_id)
        .order_by(AssessmentRow.id.desc())
        .limit(1)
    )
    return None if row is None else row.data


def latest_assessment(tx: Session, actor: Actor, patient_id: int) -> JSONObject | None:
    """The newest assessment of the current episode in its stored JSON form (the form and the
    JSON API show it; :attr:`Overview.assessment` is the typed one)."""
    authorize(tx, actor, "patient.read", patient_id)
    return _latest_assessment(tx, current_episode(tx, patient_id).id)


def save_assessment(
    tx: Session, actor: Actor, patient_id: int, data: Mapping[str, Any]
) -> JSONObject:
    """Validate and store an assessment (left/right measures); its stored JSON form."""
    authorize(tx, actor, "assessment.write", patient_id)
    assessment = validate_as(Assessment, dict(data))
    stored: JSONObject = to_json(assessment)
    episode = current_episode(tx, patient_id)
    tx.add(AssessmentRow(episode_id=episode.id, data=stored, entered_by=actor.user_id))
    tx.flush()
    return stored


def _latest_plan(tx: Session, episode_id: int) -> PlanVersionRow | None:
    return tx.scalar(
        select(PlanVersionRow)
        .where(PlanVersionRow.episode_id == episode_id)
        .order_by(PlanVersionRow.version.desc())
        .limit(1)
    )


def _patients_plan(
    tx: Session, patient_id: int, episode_id: int, content: ClinicalContent
) -> PlanVersionRow | None:
    """The plan a patient may see: the newest signed version, when the safety gate allows."""
    if not gate_for(tx, patient_id, content).allowance.exercises:
        return None
    return tx.scalar(
        select(PlanVersionRow)
        .where(PlanVersionRow.episode_id == episode_id, PlanVersionRow.status == "signed")
        .order_by(PlanVersionRow.version.desc())
        .limit(1)
    )


def plan_versions(
    tx: Session, actor: Actor, patient_id: int, *, content: ClinicalContent
) -> list[PlanVersion]:
    """Every plan version of the current episode, newest first.

    A patient sees signed versions only, and none while the safety gate allows no exercises
    (a red flag, a referral): drafts and blocked plans are not prescriptions.
    """
    authorize(tx, actor, "patient.read", patient_id)
    episode = current_episode(tx, patient_id)
    query = select(PlanVersionRow).where(PlanVersionRow.episode_id == episode.id)
    if actor.role is Role.PATIENT:
        if not gate_for(tx, patient_id, content).allowance.exercises:
            return []
        query = query.where(PlanVersionRow.status == "signed")
    rows = tx.scalars(query.order_by(PlanVersionRow.version.desc()))
    return [_version(r) for r in rows]


def _add_version(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, episode_id: int, plan: PlanDocument, status: str, change: str
) -> PlanVersion:
    current = _latest_plan(tx, episode_id)
    number = 1 if current is None else current.version + 1
    row = PlanVersionRow(
        episode_id=episode_id,
        version=number,
        data=plan.to_json(),
        status=status,
        change=change[:300],
        created_by=actor.user_id,
    )
    tx.add(row)
    tx.flush()
    return _version(row)


def generate_plan(
    tx: Session, actor: Actor, patient_id: int, *, content: ClinicalContent
) -> PlanVersion:
    """Generate a plan from the intake and assessment with ``content`` (its rules, plan
    settings and library); refused while triage blocks it."""
    authorize(tx, actor, "plan.write", patient_id)
    intake = plan_gate(tx, patient_id)
    episode = current_episode(tx, patient_id)
    assessment = _latest_assessment(tx, episode.id)
    if assessment is None:
        raise Refused("record the assessment before generating a plan", field="assessment")
    case_data = with_questionnaires(tx, episode.id, intake.case_data.to_json())
    plan = stored_plan(case_data, assessment, intake.referral, content)
    return _add_version(tx, actor, episode.id, plan, "draft", "generated")


#: Questionnaires the plan reads (pain, function, fear of movement: clinical/plan_inputs.py).
PLAN_QUESTIONNAIRES = ("nprs", "akps", "tsk11")


def with_questionnaires(tx: Session, episode_id: int, case_data: Mapping[str, Any]) -> JSONObject:
    """The intake's case with the episode's scored NPRS, AKPS and TSK-11 administrations, so
    pain and function entered as questionnaires count for the plan's phase (under
    ``stored_questionnaires``: the plan reads them, triage keeps the intake's case)."""
    rows = tx.scalars(
        select(QuestionnaireRow)
        .where(
            QuestionnaireRow.episode_id == episode_id,
            QuestionnaireRow.instrument.in_(PLAN_QUESTIONNAIRES),
            QuestionnaireRow.total.is_not(None),
        )
        .order_by(QuestionnaireRow.administered_on, QuestionnaireRow.id)
    )
    stored = [
        {
            "instrument": r.instrument,
            "answers": dict(r.answers),
            "administered_on": r.administered_on.isoformat(),
        }
        for r in rows
    ]
    return {**dict(case_data), "stored_questionnaires": stored}


def _editable(
    tx: Session, actor: Actor, patient_id: int, action: str = "plan.write"
) -> tuple[int, PlanDocument]:
    authorize(tx, actor, action, patient_id)
    episode = current_episode(tx, patient_id)
    current = _latest_plan(tx, episode.id)
    if current is None:
        raise NotFound("there is no plan yet; generate one first", field="plan")
    return episode.id, PlanDocument.from_json(current.data)


def editable_plan(tx: Session, actor: Actor, patient_id: int) -> tuple[int, PlanDocument]:
    """The episode id and the current version's plan, to change (``plan.write``)."""
    return _editable(tx, actor, patient_id)


def save_draft(
    tx: Session, actor: Actor, episode_id: int, plan: PlanDocument, change: str
) -> PlanVersion:
    """``plan`` as a new draft version; ``change`` says what changed (plan_history words)."""
    return _add_version(tx, actor, episode_id, plan, "draft", change)


def plan_items(data: Mapping[str, JSONValue]) -> Iterator[JSONObject]:
    """Every item of a plan's stored JSON, component by component (readers of the raw column;
    use cases read :meth:`PlanDocument.items`)."""
    for component in json_objects(data.get("components")):
        yield from json_objects(component.get("items"))


def update_item(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, patient_id: int, item_id: str, dose: str, note: str
) -> PlanVersion:
    """Change one item's dose text and clinician note (a new draft version)."""
    episode_id, plan = _editable(tx, actor, patient_id)
    if not dose.strip():
        raise InvalidInput("the dose cannot be empty", field="dose")
    item = plan.find(item_id).replaced(
        dose=dose.strip()[:300], clinician_note=note.strip()[:_MAX_NOTE]
    )
    plan = plan.with_item(item_id, item)
    return _add_version(tx, actor, episode_id, plan, "draft", f"edited {item_id}")


def set_item_dose(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session, actor: Actor, patient_id: int, item_id: str, fields: DoseFields, note: str
) -> PlanVersion:
    """Set one item's structured dose (its text follows) and note (a new draft version)."""
    episode_id, plan = _editable(tx, actor, patient_id)
    item = plan.find(item_id).replaced(
        dose=dose_text(fields)[:300],
        dose_fields=fields.as_json(),
        clinician_note=note.strip()[:_MAX_NOTE],
    )
    plan = plan.with_item(item_id, item)
    return _add_version(tx, actor, episode_id, plan, "draft", f"edited {item_id}")


def remove_item(tx: Session, actor: Actor, patient_id: int, item_id: str) -> PlanVersion:
    """Remove one item (a new draft version)."""
    episode_id, plan = _editable(tx, actor, patient_id)
    plan = remove_plan_item(plan, item_id)
    return _add_version(tx, actor, episode_id, plan, "draft", f"removed {item_id}")


def add_exercise(
    tx: Session,
    actor: Actor,
    patient_id: int,
    exercise_id: str,
    note: str,
    *,
    content: ClinicalContent,
) -> PlanVersion:
    """Add a library exercise with its library dose (a new draft version)."""
    episode_id, plan = _editable(tx, actor, patient_id)
    library = content.exercises
    exercise = library.get(exercise_id)
    if exercise is None:
        raise InvalidInput(
            "unknown exercise", field="exercise_id", allowed=sorted(library), got=exercise_id
        )
    plan = add_library_item(plan, exercise, note.strip()[:_MAX_NOTE])
    return _add_version(tx, actor, episode_id, plan, "draft", f"added {exercise_id}")


def sign_plan(tx: Session, actor: Actor, patient_id: int, note: str) -> PlanVersion:
    """Sign off the current plan: a new version with status ``signed``; the patient sees it."""
    episode_id, plan = _editable(tx, actor, patient_id, "plan.sign")
    plan_gate(tx, patient_id)
    plan = plan.signed(actor.display_name, note.strip()[:_MAX_NOTE])
    version = _add_version(tx, actor, episode_id, plan, "signed", "signed off")
    patient = tx.get(PatientRow, patient_id)
    if patient is not None:
        patient.status = "active"
    return version
