"""Discharge: the criteria a clinician checks (pain, function, return to running) and the
discharge summary that closes the episode of care.

The criteria use no threshold of their own: pain and function are the changes from the first
to the latest score judged against each instrument's minimal important change (the instrument
content, KB section 4), and return to running is the walk-run programme completed (the next
run is free running with a distance cap, KB section 7). A clinician may discharge with a
criterion unmet (a patient who stops coming) by saying so.

Function is read from the first function questionnaire whose minimal important change applies
to the wording installed (KB 1.2: AKPS or KOOS-PF; KB 4.4: LEFS). A paraphrased item set is a
different instrument (KB 11.2), so the AKPS and LEFS shipped as paraphrases cannot be judged
against their published values: the criterion then says so, with the change measured and
what would allow a judgement (the KOOS-PF from the official paper form, or the developers'
wording installed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.clinical.instruments import Instrument, interpret_change, score_answers
from runnersknee.clinical.return_to_run import PrescriptionKind
from runnersknee.content.bundle import ClinicalContent
from runnersknee.content.sources import plain_sources
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.intake import QuestionnaireView, assert_patient, questionnaires
from runnersknee.services.care.patients import current_episode
from runnersknee.services.running import run_records
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import utcnow

__all__ = [
    "FUNCTION_INSTRUMENTS",
    "Criterion",
    "DischargeRecord",
    "DischargeView",
    "criteria",
    "discharge",
    "discharge_view",
]

_MAX_SUMMARY = 4000
#: Function questionnaires, in the order they are used for the function criterion (KB 1.2:
#: AKPS or KOOS-PF, CPG 2019; KB 4.4: LEFS). KOOS-PF first: entered from the official paper
#: form, its published minimal important change applies.
FUNCTION_INSTRUMENTS = ("koos_pf", "akps", "lefs")
_FUNCTION_LABEL = "Function: a function questionnaire improved by its minimal important change"


@dataclass(frozen=True, slots=True)
class Criterion:
    """One discharge criterion: met (True / False, None when it cannot be judged yet)."""

    key: str
    label: str
    met: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class DischargeRecord:
    """The recorded discharge of an episode (stored as JSON in ``episode.discharge``)."""

    on: date
    by: int
    by_name: str
    at: datetime
    summary: str
    unmet_reason: str
    criteria: tuple[Criterion, ...]

    def to_json(self) -> JSONObject:
        """The stored JSON form."""
        return {
            "on": self.on.isoformat(),
            "by": self.by,
            "by_name": self.by_name,
            "at": self.at.isoformat(),
            "summary": self.summary,
            "unmet_reason": self.unmet_reason,
            "criteria": [
                {"key": c.key, "label": c.label, "met": c.met, "detail": c.detail}
                for c in self.criteria
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DischargeRecord:
        """The record of its stored JSON form."""
        return cls(
            date.fromisoformat(str(data["on"])),
            int(data["by"]),
            str(data.get("by_name") or ""),
            datetime.fromisoformat(str(data["at"])),
            str(data.get("summary") or ""),
            str(data.get("unmet_reason") or ""),
            tuple(
                Criterion(str(c["key"]), str(c["label"]), c.get("met"), str(c.get("detail") or ""))
                for c in data.get("criteria") or ()
            ),
        )


@dataclass(frozen=True, slots=True)
class DischargeView:
    """The criteria now and the recorded discharge of the current episode (if any)."""

    criteria: tuple[Criterion, ...]
    record: DischargeRecord | None

    @property
    def all_met(self) -> bool:
        """Whether every criterion is met."""
        return all(c.met is True for c in self.criteria)


def _score_change(
    items: Sequence[QuestionnaireView],
    instrument_id: str,
    key: str,
    label: str,
    content: ClinicalContent,
) -> Criterion:
    instrument = content.instruments.get(instrument_id)
    rows = _scored(items, instrument_id)
    if instrument is None or len(rows) < 2:
        name = getattr(instrument, "short_name", None) or instrument_id.upper()
        return Criterion(key, label, None, f"Needs two {name} scores (the first and a recent one).")
    change = interpret_change(
        instrument,
        score_answers(instrument, rows[0].answers),
        score_answers(instrument, rows[-1].answers),
    )
    # no established (or applicable) MCID: the criterion cannot be judged, not "unmet"
    met = None if change.exceeds_mcid is None else bool(change.improved and change.exceeds_mcid)
    when = f"{rows[0].administered_on.isoformat()} to {rows[-1].administered_on.isoformat()}"
    return Criterion(key, label, met, f"{change.interpretation} ({when}).")


def _scored(items: Sequence[QuestionnaireView], instrument_id: str) -> list[QuestionnaireView]:
    return [q for q in items if q.instrument == instrument_id and q.total is not None]


def _judgeable(instrument: Instrument | None) -> bool:
    """Whether a change of ``instrument`` can be read against its minimal important change."""
    return instrument is not None and instrument.mcid is not None and instrument.published_wording


def _not_applicable(instrument: Instrument, rows: Sequence[QuestionnaireView]) -> str:
    """Why a paraphrased instrument's change cannot be judged, with the change measured."""
    mcid = instrument.mcid
    first, last = float(rows[0].total or 0), float(rows[-1].total or 0)
    published = (
        f" ({mcid.value:g} points, {plain_sources(mcid.citation_ids)})" if mcid is not None else ""
    )
    return (
        f"{instrument.label} went from {first:g} to {last:g} ({last - first:+g} points, "
        f"{rows[0].administered_on.isoformat()} to {rows[-1].administered_on.isoformat()}). "
        f"Its minimal important change{published} was established with the published form; "
        "this installation asks a paraphrase of it, a different instrument, so the change "
        "cannot be read against that value."
    )


def _function(items: Sequence[QuestionnaireView], content: ClinicalContent) -> Criterion:
    """The function criterion from the first function questionnaire that can be judged."""
    known = content.instruments
    for instrument_id in FUNCTION_INSTRUMENTS:
        if _judgeable(known.get(instrument_id)) and len(_scored(items, instrument_id)) >= 2:
            return _score_change(items, instrument_id, "function", _FUNCTION_LABEL, content)
    reasons = [
        _not_applicable(instrument, rows)
        for instrument_id in FUNCTION_INSTRUMENTS
        if (instrument := known.get(instrument_id)) is not None
        and not _judgeable(instrument)
        and len(rows := _scored(items, instrument_id)) >= 2
    ]
    official = [
        f"the {i.label} from the official paper form (its minimal important change of "
        f"{i.mcid.value:g} points applies, {plain_sources(i.mcid.citation_ids)})"
        for key in FUNCTION_INSTRUMENTS
        if (i := known.get(key)) is not None and _judgeable(i) and i.mcid is not None
    ]
    allow = " or ".join(official) or "a function questionnaire in its published wording"
    reasons.append(
        f"To judge function, record {allow} at the start and again now, or install the "
        "developers' wording of the AKPS (docs/instruments.md)."
    )
    return Criterion("function", _FUNCTION_LABEL, None, " ".join(reasons))


def _running(
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    content: ClinicalContent,
) -> Criterion:
    label = "Return to running: walk-run programme completed"
    runs = run_records.overview(tx, actor, patient_id, today, content=content)
    if runs.next_run is None:
        return Criterion("running", label, False, runs.gate.run_clinician_message)
    if runs.next_run.kind is PrescriptionKind.DISTANCE_CAP:
        return Criterion("running", label, True, "Running freely; the next run has a distance cap.")
    stage = runs.next_run.stage
    where = f"walk-run stage {stage.number}" if stage is not None else "the walk-run programme"
    return Criterion("running", label, False, f"Still in {where}.")


def criteria(
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    content: ClinicalContent,
) -> tuple[Criterion, ...]:
    """Pain, function and return to running, judged now."""
    items = questionnaires(tx, actor, patient_id)
    return (
        _score_change(
            items, "nprs", "pain", "Pain: NPRS improved by its minimal important change", content
        ),
        _function(items, content),
        _running(tx, actor, patient_id, today, content),
    )


def discharge_view(
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    content: ClinicalContent,
) -> DischargeView:
    """The criteria and the recorded discharge (the summary page and the discharge form)."""
    authorize(tx, actor, "patient.read", patient_id)
    episode = current_episode(tx, patient_id)
    stored = episode.discharge
    record = None if stored is None else DischargeRecord.from_json(stored)
    return DischargeView(criteria(tx, actor, patient_id, today, content), record)


def discharge(  # noqa: PLR0917 - use case: tx, actor, record, fields, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    summary: str,
    unmet_reason: str,
    today: date,
    content: ClinicalContent,
) -> DischargeRecord:
    """Close the episode with a summary; with a criterion unmet, ``unmet_reason`` says why."""
    patient = assert_patient(authorize(tx, actor, "patient.write", patient_id))
    episode = current_episode(tx, patient_id)
    if episode.closed_on is not None:
        raise Conflict("this episode of care is already closed", field="summary")
    if not summary.strip():
        raise InvalidInput("write the discharge summary", field="summary")
    judged = criteria(tx, actor, patient_id, today, content)
    if not all(c.met is True for c in judged) and not unmet_reason.strip():
        raise InvalidInput(
            "not every criterion is met: say why you discharge now", field="unmet_reason"
        )
    record = DischargeRecord(
        today,
        actor.user_id,
        actor.display_name,
        utcnow(),
        summary.strip()[:_MAX_SUMMARY],
        unmet_reason.strip()[:1000],
        judged,
    )
    episode.discharge = record.to_json()
    episode.closed_on = today
    patient.status = "discharged"
    patient.next_review_on = None
    return record
