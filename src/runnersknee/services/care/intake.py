"""Intake, triage, referral decisions and questionnaires of one episode of care."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput, NotFound, Refused
from runnersknee.clinical.instruments import Instrument, InstrumentScore, score_answers
from runnersknee.clinical.triage import TriageResult, triage
from runnersknee.content.bundle import ClinicalContent
from runnersknee.content.red_flag_actions import load_red_flag_actions
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.care.alerts import close_alerts, raise_alert
from runnersknee.services.care.case_io import parse_case
from runnersknee.services.care.intake_answers import IntakeAnswers
from runnersknee.services.care.patients import current_episode
from runnersknee.services.care.responder import check_non_responder
from runnersknee.store.mapping import JSONObject, to_json
from runnersknee.store.tables import (
    AssessmentRow,
    EpisodeRow,
    IntakeRow,
    PatientRow,
    PlanVersionRow,
    QuestionnaireRow,
    utcnow,
)

__all__ = [
    "RED_FLAG_LEVELS",
    "REFERRAL_DECISIONS",
    "IntakeSummary",
    "IntakeView",
    "QuestionnaireView",
    "latest_case_data",
    "latest_intake",
    "open_to_patient",
    "plan_gate",
    "questionnaires",
    "record_questionnaire",
    "record_referral",
    "submit_intake",
]

#: Triage levels that block a plan until a clinician records a referral decision (KB 8.3).
RED_FLAG_LEVELS = ("emergency", "urgent", "refer")
#: ``referred``: sent on (plan stays blocked); ``cleared``: seen and cleared to treat.
REFERRAL_DECISIONS = ("referred", "cleared")


@dataclass(frozen=True, slots=True)
class IntakeView:
    """The latest intake as stored: the answers (JSON form of the core ``Case``), its triage
    (JSON form of ``TriageResult``) and the referral decision (``decision``, ``note``, ``by``,
    ``by_name``, ``at``, ``intake_id``, ``checklist``)."""

    id: int
    case_data: IntakeAnswers
    triage: JSONObject | None
    level: str | None
    created_at: datetime
    referral: JSONObject | None

    @property
    def red_flag(self) -> bool:
        """Whether triage blocks the plan."""
        return self.level in RED_FLAG_LEVELS


@dataclass(frozen=True, slots=True)
class IntakeSummary:
    """What the portal's start page needs of the latest intake (no answers).

    ``triage`` is read only when the level blocks the plan (the page then shows it).
    """

    id: int
    level: str | None
    created_at: datetime
    referral: JSONObject | None
    triage: JSONObject | None

    @property
    def red_flag(self) -> bool:
        """Whether triage blocks the plan."""
        return self.level in RED_FLAG_LEVELS

    @classmethod
    def of(cls, view: IntakeView) -> IntakeSummary:
        """The summary of a full intake view."""
        triage = view.triage if view.red_flag else None
        return cls(view.id, view.level, view.created_at, view.referral, triage)


@dataclass(frozen=True, slots=True)
class QuestionnaireView:
    """One scored administration."""

    id: int
    instrument: str
    administered_on: date
    total: float | None
    score: JSONObject | None
    answers: dict[str, int | str]


def _has_visit(tx: Session, episode_id: int) -> bool:
    assessed = tx.scalar(select(func.count()).where(AssessmentRow.episode_id == episode_id))
    planned = tx.scalar(select(func.count()).where(PlanVersionRow.episode_id == episode_id))
    return bool(assessed or planned)


def latest_case_data(tx: Session, patient_id: int) -> IntakeAnswers | None:
    """The answers of the current episode's latest intake (the caller has authorized)."""
    found = _latest(tx, patient_id)
    return None if found is None else found.case_data


def open_to_patient(tx: Session, patient_id: int) -> bool:
    """Whether the patient may still send the intake (not after the first visit)."""
    return not _has_visit(tx, current_episode(tx, patient_id).id)


def submit_intake(
    tx: Session,
    actor: Actor,
    patient_id: int,
    data: Mapping[str, Any],
    *,
    content: ClinicalContent,
) -> IntakeView:
    """Validate the intake answers, triage them with ``content``'s rules, store both; red
    flags raise an alert."""
    patient = assert_patient(authorize(tx, actor, "intake.write", patient_id))
    episode = current_episode(tx, patient_id)
    if actor.role is Role.PATIENT and _has_visit(tx, episode.id):
        raise Conflict(
            "the intake is closed after the first visit; tell your clinician what changed",
            field="intake",
        )
    case = parse_case(data, recorded_on=date.today())
    result: TriageResult = triage(case, content.triage_rules)
    level = str(result.level.value)
    row = IntakeRow(
        episode_id=episode.id,
        case_data=to_json(case),
        triage=result.as_dict(),
        triage_level=level,
        entered_by=actor.user_id,
    )
    tx.add(row)
    tx.flush()
    episode.triage_level = level
    episode.referral = None
    if level in RED_FLAG_LEVELS:
        patient.status = "referral"
        raise_alert(
            tx,
            patient_id,
            "red_flag",
            f"intake:{row.id}",
            f"New red-flag answer at intake: triage level {level}",
        )
    elif patient.status in ("intake", "referral"):
        patient.status = "assessment"
    return _view(row, episode)


def assert_patient(patient: PatientRow | None) -> PatientRow:
    """Narrow the result of a record-level authorize call."""
    if patient is None:  # pragma: no cover - authorize returns the row for record actions
        raise NotFound("patient does not exist")
    return patient


def _view(row: IntakeRow, episode: EpisodeRow) -> IntakeView:
    return IntakeView(
        row.id,
        IntakeAnswers.from_json(row.case_data),
        row.triage,
        row.triage_level,
        row.created_at,
        episode.referral,
    )


def latest_intake(tx: Session, actor: Actor, patient_id: int) -> IntakeView | None:
    """The newest intake of the current episode (``None`` before any)."""
    authorize(tx, actor, "patient.read", patient_id)
    return _latest(tx, patient_id)


def _latest(tx: Session, patient_id: int) -> IntakeView | None:
    episode = current_episode(tx, patient_id)
    row = tx.scalar(
        select(IntakeRow)
        .where(IntakeRow.episode_id == episode.id)
        .order_by(IntakeRow.id.desc())
        .limit(1)
    )
    return None if row is None else _view(row, episode)


def record_referral(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    decision: str,
    note: str,
    checklist: Sequence[str] = (),
) -> IntakeView:
    """A clinician records what was done about a red-flag triage (required before a plan).

    ``checklist`` holds the ids of the red-flag checklist items done (kept with the
    decision). The patient's open red-flag alerts are closed with the decision as their note.
    """
    patient = assert_patient(authorize(tx, actor, "referral.write", patient_id))
    if decision not in REFERRAL_DECISIONS:
        raise InvalidInput(
            "choose a referral decision",
            field="decision",
            allowed=list(REFERRAL_DECISIONS),
            got=decision,
        )
    if not note.strip():
        raise InvalidInput("say where the patient was referred or who cleared them", field="note")
    intake = _latest(tx, patient_id)
    if intake is None or not intake.red_flag:
        raise Conflict("there is no red-flag triage to decide on", field="decision")
    episode = current_episode(tx, patient_id)
    episode.referral = {
        "decision": decision,
        "note": note.strip()[:1000],
        "by": actor.user_id,
        "by_name": actor.display_name,
        "at": utcnow().isoformat(),
        "intake_id": intake.id,
        "checklist": _checked(checklist),
    }
    patient.status = "referral" if decision == "referred" else "assessment"
    wording = "referred on" if decision == "referred" else "seen and cleared to treat"
    close_alerts(tx, actor, patient_id, "red_flag", f"Referral outcome: {wording}. {note.strip()}")
    return _view(tx.get_one(IntakeRow, intake.id), episode)


def _checked(items: Sequence[str]) -> list[str]:
    known = [i for i, _ in load_red_flag_actions().checklist]
    unknown = sorted(set(items) - set(known))
    if unknown:
        raise InvalidInput(
            "unknown checklist item", field="checklist", allowed=known, got=unknown[0]
        )
    return [i for i in known if i in items]


def plan_gate(tx: Session, patient_id: int) -> IntakeView:
    """The intake a plan may be built on, or :class:`Refused` saying what is missing."""
    intake = _latest(tx, patient_id)
    if intake is None:
        raise Refused("record the intake before creating a plan", field="intake")
    if intake.level is None:
        raise Refused("triage is not available, so no plan can be created", field="triage")
    if intake.red_flag:
        referral = intake.referral
        if referral is None or referral.get("intake_id") != intake.id:
            raise Refused(
                f"triage level is {intake.level}: record the referral decision first",
                field="decision",
                level=intake.level,
            )
        if referral["decision"] != "cleared":
            raise Refused(
                "the patient was referred on; a plan can be created once they are cleared",
                field="decision",
                level=intake.level,
            )
    return intake


def record_questionnaire(  # noqa: PLR0917 - use case: tx, actor, record, fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    instrument_id: str,
    answers: Mapping[str, int | str],
    administered_on: date,
    *,
    content: ClinicalContent,
) -> QuestionnaireView:
    """Score (with ``content``'s instruments) and store one questionnaire administration."""
    authorize(tx, actor, "questionnaire.write", patient_id)
    instrument = _instrument_for(actor, instrument_id, content)
    score: InstrumentScore = score_answers(instrument, answers)
    if score.total is None:
        missing = [str(i) for i in score.missing_items]
        raise InvalidInput(
            "not enough answers to score this questionnaire; please answer: "
            + ", ".join(_item_labels(instrument, missing)),
            field="answers",
            allowed=missing,
            got=sorted(answers),
        )
    episode = current_episode(tx, patient_id)
    stored: JSONObject = to_json(score)
    row = QuestionnaireRow(
        episode_id=episode.id,
        instrument=instrument_id,
        answers=dict(answers),
        score=stored,
        total=float(score.total),
        administered_on=administered_on,
        entered_by=actor.user_id,
    )
    tx.add(row)
    tx.flush()
    check_non_responder(tx, patient_id, episode.id, instrument_id, content)
    return QuestionnaireView(
        row.id, instrument_id, administered_on, row.total, stored, dict(answers)
    )


def _instrument_for(actor: Actor, instrument_id: str, content: ClinicalContent) -> Instrument:
    """The instrument ``actor`` may fill in, or a clear refusal naming those allowed."""
    known = content.instruments
    if instrument_id not in known:
        raise InvalidInput(
            "unknown questionnaire", field="instrument", allowed=sorted(known), got=instrument_id
        )
    portal = content.portal_instruments()
    if actor.role is Role.PATIENT and instrument_id not in portal:
        raise InvalidInput(
            "this questionnaire is entered by your clinician from the paper form",
            field="instrument",
            allowed=sorted(portal),
            got=instrument_id,
        )
    return known[instrument_id]


def _item_labels(instrument: Instrument, item_ids: list[str]) -> list[str]:
    """Readable names of missing items: their position on the form (``item 3``)."""
    order = {item.id: n for n, item in enumerate(instrument.items, start=1)}
    return [f"item {order[i]}" if i in order else i for i in item_ids]


def questionnaires(tx: Session, actor: Actor, patient_id: int) -> list[QuestionnaireView]:
    """Every administration of the current episode, oldest first."""
    authorize(tx, actor, "patient.read", patient_id)
    episode = current_episode(tx, patient_id)
    rows = tx.scalars(
        select(QuestionnaireRow)
        .where(QuestionnaireRow.episode_id == episode.id)
        .order_by(QuestionnaireRow.administered_on, QuestionnaireRow.id)
    )
    return [
        QuestionnaireView(r.id, r.instrument, r.administered_on, r.total, r.score, r.answers)
        for r in rows
    ]
