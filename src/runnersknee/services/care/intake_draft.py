"""The patient's step-by-step intake: a saved draft, triage after every step, the same submit.

The draft (one per episode) keeps the answers as typed, so a reload or a later visit resumes
where the patient stopped. After each step the answers so far become a case document and the
core's triage runs on it: an emergency or urgent level records the intake at once through
:func:`runnersknee.services.care.intake.submit_intake` (the same service as every other intake:
alert, status, gate) and the patient sees the stop screen, not the next question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import InvalidInput, Refused
from runnersknee.clinical.safety_gate import GateState
from runnersknee.clinical.triage import triage
from runnersknee.content.bundle import ClinicalContent
from runnersknee.content.intake import Question, Step, case_field, load_intake
from runnersknee.services.access.authz import Actor, Role, authorize
from runnersknee.services.care import intake
from runnersknee.services.care.case_io import parse_case
from runnersknee.services.care.patients import current_episode
from runnersknee.services.care.safety_gate import Gate, gate_for
from runnersknee.store.json_document import json_object
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import IntakeDraftRow, utcnow

__all__ = [
    "CHECK",
    "STOP_LEVELS",
    "Answers",
    "Draft",
    "Stage",
    "StepResult",
    "case_document",
    "load_draft",
    "missing_step",
    "save_step",
    "stage",
    "submit_draft",
]

#: Triage levels that stop the intake at the step that raised them (KB 8.3: any emergency or
#: urgent flag overrides everything).
STOP_LEVELS = ("emergency", "urgent")
#: Question name -> the answer as typed (a list for multiple choice and the body chart).
Answers = dict[str, str | list[str]]
CHECK = "check"


@dataclass(frozen=True, slots=True)
class Draft:
    """The saved answers and the step to show next (``None``: nothing saved yet)."""

    answers: Answers
    step: str | None


@dataclass(frozen=True, slots=True)
class StepResult:
    """What saving a step did: messages per question, or the next step, or a stop."""

    errors: dict[str, str]
    next_step: str | None = None
    stopped: bool = False


def _draft_row(tx: Session, patient_id: int) -> IntakeDraftRow | None:
    episode = current_episode(tx, patient_id)
    return tx.scalar(select(IntakeDraftRow).where(IntakeDraftRow.episode_id == episode.id))


def _authorize(tx: Session, actor: Actor, patient_id: int) -> None:
    if actor.role is not Role.PATIENT:
        raise Refused("the step-by-step intake is the patient's own", field="intake")
    authorize(tx, actor, "intake.write", patient_id)


def load_draft(tx: Session, actor: Actor, patient_id: int) -> Draft:
    """The patient's saved answers (empty before the first step)."""
    _authorize(tx, actor, patient_id)
    row = _draft_row(tx, patient_id)
    return Draft(_answers(tx, patient_id, row), None if row is None else row.step)


def _answers(tx: Session, patient_id: int, row: IntakeDraftRow | None) -> Answers:
    """The draft's answers; without a draft, those of the latest intake (to change them)."""
    if row is not None:
        return dict(row.answers)
    sent = intake.latest_case_data(tx, patient_id)
    return {} if sent is None else answers_from_case(sent.fields)


def answers_from_case(case_data: Mapping[str, Any]) -> Answers:
    """The intake's answers as the pages show them (the reverse of :func:`case_document`)."""
    answers: Answers = {}
    content = load_intake()
    notes = str(case_data.get("notes") or "")
    for step in content.steps:
        for question in step.questions:
            if question.kind == "chart":
                sites = set(case_data.get("pain_sites") or ())
                chosen = [
                    a.id for a in content.chart if a.site is not None and str(a.site) in sites
                ]
                chosen += [
                    a.id
                    for a in content.chart
                    if a.site is None and f"Body chart: {a.label.lower()}." in notes
                ]
                if chosen:
                    answers[question.field] = chosen
                continue
            value: Any = case_data
            for part in question.field.split("."):
                value = value.get(part) if isinstance(value, Mapping) else None
            if question.field == "notes":
                value = "\n".join(
                    line for line in notes.splitlines() if not line.startswith("Body chart: ")
                )
            shown = _shown(question, value)
            if shown:
                answers[question.field] = shown
    return answers


def _with_unasked(tx: Session, patient_id: int, document: JSONObject) -> JSONObject:
    """``document`` plus what the latest intake holds that the pages do not ask (for example
    examination findings a clinician recorded), so sending again does not drop them."""
    sent = intake.latest_case_data(tx, patient_id)
    if not sent:
        return document
    base = sent.to_json()
    base.pop("recorded_on", None)
    for step in load_intake().steps:
        for question in step.questions:
            path = ["pain_sites"] if question.kind == "chart" else question.field.split(".")
            owner: Any = base
            for part in path[:-1]:
                owner = owner.get(part) if isinstance(owner, dict) else None
            if isinstance(owner, dict):
                owner.pop(path[-1], None)
    base.pop("notes", None)
    return _merged(base, document)


def _merged(base: JSONObject, top: Mapping[str, Any]) -> JSONObject:
    for key, value in top.items():
        existing = base.get(key)
        if isinstance(value, Mapping) and isinstance(existing, dict):
            base[key] = _merged(existing, value)
        else:
            base[key] = value
    return base


def _shown(question: Question, value: Any) -> str | list[str]:
    if value is None or value == "":
        return ""
    if question.kind == "yesno":
        return "yes" if value else "no"
    if isinstance(value, list | tuple | frozenset | set):
        return [str(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number_error(question: Question, text: str) -> str | None:
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return "Please write a number, for example 3."
    spec = case_field(question.field)
    meta = spec.metadata if spec is not None else {}
    low, high = meta.get("minimum"), meta.get("maximum")
    if low is not None and high is not None and not low <= number <= high:
        unit = f" {question.unit}" if question.unit else ""
        return f"Please write a number from {low:g} to {high:g}{unit}."
    if question.kind == "scale" and not number.is_integer():
        return "Please choose a whole number from 0 to 10."
    return None


def _check_answer(step: Step, question: Question, value: str | list[str]) -> str | None:
    """A plain message when ``value`` is missing or not well-formed, else None."""
    if not value:
        return "Please answer this question." if step.required(question) else None
    if isinstance(value, list):
        allowed = (
            {a.id for a in load_intake().chart}
            if question.kind == "chart"
            else {c[0] for c in question.choices}
        )
        return None if set(value) <= allowed else "Please choose from the list."
    if question.kind in ("number", "scale"):
        return _number_error(question, value)
    if question.kind in ("choice", "yesno") and value not in {c[0] for c in question.choices}:
        return "Please choose one of the answers."
    if question.kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            return "Please give the date as day, month and year."
    return None


def _value(question: Question, raw: str | list[str]) -> Any:
    """The case document's value of one answer."""
    if question.kind == "yesno":
        return raw == "yes"
    if question.kind in ("number", "scale") and isinstance(raw, str):
        number = float(raw.replace(",", "."))
        spec = case_field(question.field)
        whole = spec is not None and "int" in str(spec.type) and number.is_integer()
        return int(number) if whole or question.kind == "scale" else number
    return raw


def _put(document: JSONObject, path: str, value: Any) -> None:
    *groups, name = path.split(".")
    for group in groups:
        document = json_object(document.setdefault(group, {}))
    document[name] = value


def case_document(answers: Mapping[str, str | list[str]]) -> JSONObject:
    """The case document of the answers (what the clinician's form would submit)."""
    document: JSONObject = {}
    notes: list[str] = []
    for step in load_intake().steps_for(answers):
        for question in step.questions:
            raw = answers.get(question.field)
            if not raw:
                continue
            if question.kind == "chart":
                chosen = [a for a in load_intake().chart if a.id in raw]
                document["pain_sites"] = [str(a.site) for a in chosen if a.site is not None]
                notes += [f"Body chart: {a.label.lower()}." for a in chosen if a.site is None]
            elif question.field == "notes" and isinstance(raw, str):
                notes.insert(0, raw.strip())
            else:
                _put(document, question.field, _value(question, raw))
    if notes:
        document["notes"] = "\n".join(notes)
    return document


def _step(answers: Mapping[str, object], slug: str) -> tuple[Step, str | None]:
    """The step ``slug`` and the slug after it (``check`` after the last)."""
    shown = load_intake().steps_for(answers)
    for index, step in enumerate(shown):
        if step.slug == slug:
            return step, shown[index + 1].slug if index + 1 < len(shown) else CHECK
    raise InvalidInput("no such step", field="step", got=slug)


def _triage_level(answers: Answers, today: date, content: ClinicalContent) -> str | None:
    """The core's triage level of the answers so far (``None`` without triage content)."""
    result = triage(parse_case(case_document(answers), recorded_on=today), content.triage_rules)
    return result.level.value


def save_step(  # noqa: PLR0917 - use case: tx, actor, record, step, answers, day
    tx: Session,
    actor: Actor,
    patient_id: int,
    slug: str,
    given: Mapping[str, str | list[str]],
    today: date,
    content: ClinicalContent,
) -> StepResult:
    """Check and keep one step's answers; on a red-flag page, stop at once on an emergency or
    urgent triage of the answers so far."""
    _authorize(tx, actor, patient_id)
    row = _draft_row(tx, patient_id)
    answers = _answers(tx, patient_id, row)
    step, _ = _step(answers, slug)
    errors: dict[str, str] = {}
    for question in step.questions:
        value = given.get(question.field) or ""
        message = _check_answer(step, question, value)
        if message:
            errors[question.field] = message
        if value:
            answers[question.field] = value
        else:
            answers.pop(question.field, None)
    if errors:
        return StepResult(errors)
    try:
        level = _triage_level(answers, today, content)
    except InvalidInput as error:
        return StepResult({error.field or "_form": "Please check this answer."})
    # Only a red-flag page stops: the pages before them give the context (an injury's age is
    # asked on the injury page, after "how it started") that a rule may need first.
    if step.safety and level in STOP_LEVELS:
        document = _with_unasked(tx, patient_id, case_document(answers))
        intake.submit_intake(tx, actor, patient_id, document, content=content)
        _discard(tx, patient_id)
        return StepResult({}, stopped=True)
    _, next_step = _step(answers, slug)
    _keep(tx, patient_id, row, answers, next_step or CHECK)
    return StepResult({}, next_step)


def _keep(
    tx: Session, patient_id: int, row: IntakeDraftRow | None, answers: Answers, step: str
) -> None:
    if row is None:
        episode = current_episode(tx, patient_id)
        tx.add(IntakeDraftRow(episode_id=episode.id, answers=answers, step=step))
        return
    row.answers = answers
    row.step = step
    row.updated_at = utcnow()


def _discard(tx: Session, patient_id: int) -> None:
    episode = current_episode(tx, patient_id)
    tx.execute(delete(IntakeDraftRow).where(IntakeDraftRow.episode_id == episode.id))


@dataclass(frozen=True, slots=True)
class Stage:
    """Where the patient is in the intake: ``stop`` (a red flag was recorded), ``closed``
    (after the first visit), ``sent`` (answers recorded, no draft), or the step to show."""

    kind: str
    step: str | None
    gate: Gate


def stage(tx: Session, actor: Actor, patient_id: int, content: ClinicalContent) -> Stage:
    """The patient's place in the intake and what the safety gate says."""
    _authorize(tx, actor, patient_id)
    gate = gate_for(tx, patient_id, content)
    if gate.state in (GateState.RED_FLAG, GateState.REFERRED):
        return Stage("stop", None, gate)
    if not intake.open_to_patient(tx, patient_id):
        return Stage("closed", None, gate)
    row = _draft_row(tx, patient_id)
    if row is not None:
        return Stage("step", row.step, gate)
    if gate.state is not GateState.NO_INTAKE:
        return Stage("sent", None, gate)
    return Stage("step", load_intake().steps[0].slug, gate)


def missing_step(answers: Answers) -> str | None:
    """The first step with an unanswered required question (None when all are answered)."""
    for step in load_intake().steps_for(answers):
        for question in step.questions:
            if step.required(question) and not answers.get(question.field):
                return step.slug
    return None


def submit_draft(
    tx: Session, actor: Actor, patient_id: int, content: ClinicalContent
) -> intake.IntakeView:
    """Send the draft as the intake (the same service as the clinician's form); drop the draft."""
    _authorize(tx, actor, patient_id)
    row = _draft_row(tx, patient_id)
    answers: Answers = {} if row is None else dict(row.answers)
    unanswered = missing_step(answers)
    if unanswered is not None:
        raise InvalidInput("please answer every question first", field="step", got=unanswered)
    document = _with_unasked(tx, patient_id, case_document(answers))
    view = intake.submit_intake(tx, actor, patient_id, document, content=content)
    _discard(tx, patient_id)
    return view
