"""Discharge: the criteria a clinician checks (pain, function, return to running) and the
discharge summary that closes the episode of care.

The criteria use no threshold of their own: pain and function are the NPRS and AKPS changes
from the first to the latest score judged against each instrument's minimal important change
(the instrument content, KB section 4), and return to running is the walk-run programme
completed (the next run is free running with a distance cap, KB section 7). A clinician may
discharge with a criterion unmet (a patient who stops coming) by saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.clinical.instruments import interpret_change, score_answers
from runnersknee.clinical.return_to_run import PrescriptionKind
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care.intake import QuestionnaireView, assert_patient, questionnaires
from runnersknee.services.care.patients import current_episode
from runnersknee.services.running import run_records
from runnersknee.store.tables import utcnow

__all__ = ["Criterion", "DischargeView", "criteria", "discharge", "discharge_view"]

_MAX_SUMMARY = 4000


@dataclass(frozen=True, slots=True)
class Criterion:
    """One discharge criterion: met (True / False, None when it cannot be judged yet)."""

    key: str
    label: str
    met: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class DischargeView:
    """The criteria now and the recorded discharge of the current episode (if any)."""

    criteria: tuple[Criterion, ...]
    record: dict[str, Any] | None

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
    rows = [q for q in items if q.instrument == instrument_id and q.total is not None]
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
        _score_change(
            items,
            "akps",
            "function",
            "Function: AKPS improved by its minimal important change",
            content,
        ),
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
    return DischargeView(criteria(tx, actor, patient_id, today, content), episode.discharge)


def discharge(  # noqa: PLR0917 - use case: tx, actor, record, fields, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    summary: str,
    unmet_reason: str,
    today: date,
    content: ClinicalContent,
) -> dict[str, Any]:
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
    record = {
        "on": today.isoformat(),
        "by": actor.user_id,
        "by_name": actor.display_name,
        "at": utcnow().isoformat(),
        "summary": summary.strip()[:_MAX_SUMMARY],
        "unmet_reason": unmet_reason.strip()[:1000],
        "criteria": [
            {"key": c.key, "label": c.label, "met": c.met, "detail": c.detail} for c in judged
        ],
    }
    episode.discharge = record
    episode.closed_on = today
    patient.status = "discharged"
    patient.next_review_on = None
    return record
