"""The safety gate of every patient surface: reads the record's facts and asks the core.

:func:`gate_for` is the only way a surface learns whether it may show exercises, a run or a
video self-test today (portal pages, JSON API, CLI). It reads the latest intake's triage, the
referral decision, the newest signed plan's phase, the pain-monitoring decision and open
review alerts, and returns the core's :class:`TodayAllowance` with the wording for patients
and clinicians. Callers have authorized the read of the patient's record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound, Refused
from runnersknee.clinical.safety_gate import (
    GateFacts,
    GateState,
    TodayAllowance,
    decide,
)
from runnersknee.clinical.triage import TriageLevel
from runnersknee.content.gate import load_gate
from runnersknee.services import pain_state
from runnersknee.services.unit import Unit
from runnersknee.store.tables import (
    AlertRow,
    ClinicRow,
    EpisodeRow,
    IntakeRow,
    PatientRow,
    PlanVersionRow,
)

__all__ = ["Gate", "gate_for", "require_exercises", "require_runs"]

#: Alert keys of the pain-monitoring reviews (services/logs.py, services/run_records.py).
_REVIEW_KEYS = ("pain:review:%", "run_pain:review:%")


@dataclass(frozen=True, slots=True)
class Gate:
    """The gate's decision with what each reader is told.

    ``stop_text`` and ``stop_reasons`` are the triage's patient wording (KB 8.3 and each
    fired rule's plain reason) when a red flag blocks; ``clinic_phone`` is how to reach
    the clinic.
    """

    allowance: TodayAllowance
    patient_message: str
    clinician_message: str
    run_patient_message: str
    run_clinician_message: str
    stop_text: str
    stop_reasons: tuple[str, ...]
    clinic_name: str
    clinic_phone: str | None

    @property
    def state(self) -> GateState:
        """Why the gate allows what it allows."""
        return self.allowance.state

    def _decision_json(self) -> dict[str, Any]:
        allowance = self.allowance
        return {
            "state": allowance.state.value,
            "exercises_allowed": allowance.exercises,
            "runs_allowed": allowance.runs,
            "video_self_tests_allowed": allowance.video_self_tests,
            "run_state": allowance.run_state,
        }

    def patient_json(self) -> dict[str, Any]:
        """The API form (plain words only; no rule ids or citation keys)."""
        return self._decision_json() | {
            "message": self.patient_message,
            "run_message": self.run_patient_message,
            "stop_text": self.stop_text,
            "stop_reasons": list(self.stop_reasons),
            "clinic": {"name": self.clinic_name, "phone": self.clinic_phone},
        }

    def clinician_json(self) -> dict[str, Any]:
        """The clinician's form: the same decision in clinical words, with the triage level."""
        level = self.allowance.triage_level
        return self._decision_json() | {
            "triage_level": None if level is None else level.value,
            "plan_phase": self.allowance.plan_phase,
            "message": self.clinician_message,
            "run_message": self.run_clinician_message,
        }


def _facts(tx: Session | Unit, patient_id: int) -> tuple[GateFacts, dict[str, Any] | None]:
    """The facts of the current episode, and the latest intake's triage (JSON form)."""
    connection = tx.connection()
    episode = connection.execute(
        select(EpisodeRow.id, EpisodeRow.referral)
        .where(EpisodeRow.patient_id == patient_id)
        .order_by(EpisodeRow.id.desc())
        .limit(1)
    ).first()
    if episode is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    episode_id, referral = episode
    intake = connection.execute(
        select(IntakeRow.id, IntakeRow.triage_level, IntakeRow.triage)
        .where(IntakeRow.episode_id == episode_id)
        .order_by(IntakeRow.id.desc())
        .limit(1)
    ).first()
    plan = connection.execute(
        select(PlanVersionRow.data, PlanVersionRow.created_at)
        .where(PlanVersionRow.episode_id == episode_id, PlanVersionRow.status == "signed")
        .order_by(PlanVersionRow.version.desc())
        .limit(1)
    ).first()
    decided = None
    if plan is not None:
        decided = pain_state.decision_since(tx, patient_id, plan[1].date())
    open_review = connection.execute(
        select(AlertRow.id)
        .where(
            AlertRow.patient_id == patient_id,
            AlertRow.kind == "pain_flare",
            AlertRow.resolved_at.is_(None),
            AlertRow.key.like(_REVIEW_KEYS[0]) | AlertRow.key.like(_REVIEW_KEYS[1]),
        )
        .limit(1)
    ).first()
    decision = None
    if intake is not None and isinstance(referral, dict) and referral.get("intake_id") == intake[0]:
        decision = str(referral.get("decision"))
    phase = None
    if plan is not None:  # a signed plan without a phase counts as the first phase
        stored = plan[0].get("phase")
        phase = stored if isinstance(stored, int) and not isinstance(stored, bool) else 1
    facts = GateFacts(
        has_intake=intake is not None,
        triage_level=None if intake is None or intake[1] is None else TriageLevel(intake[1]),
        referral_decision=decision,
        plan_phase=phase,
        pain_decision=None if decided is None else str(decided.get("decision")),
        open_review=open_review is not None,
    )
    return facts, None if intake is None else intake[2]


def gate_for(tx: Session | Unit, patient_id: int) -> Gate:
    """What ``patient_id`` may do today and how to say it (the caller has authorized)."""
    facts, triage = _facts(tx, patient_id)
    content = load_gate()
    allowance = decide(facts, content.config)
    clinic = (
        tx.connection()
        .execute(
            select(ClinicRow.name, ClinicRow.phone)
            .join(PatientRow, PatientRow.clinic_id == ClinicRow.id)
            .where(PatientRow.id == patient_id)
        )
        .one()
    )
    opened = allowance.state is GateState.OPEN
    state_text = content.message("allowed" if opened else allowance.state.value)
    run_text = content.message(allowance.run_state)
    blocking = allowance.state in (GateState.RED_FLAG, GateState.REFERRED)
    stop_text, reasons = "", tuple[str, ...]()
    if blocking and triage:
        stop_text = str(triage.get("safety_text") or "")
        reasons = tuple(str(r["reason"]) for r in triage.get("reasons", ()) if r.get("reason"))
    return Gate(
        allowance=allowance,
        patient_message=state_text.patient,
        clinician_message=state_text.clinician,
        run_patient_message=run_text.patient,
        run_clinician_message=run_text.clinician,
        stop_text=stop_text,
        stop_reasons=reasons,
        clinic_name=str(clinic[0]),
        clinic_phone=clinic[1],
    )


def require_exercises(gate: Gate) -> None:
    """Refuse (409) an exercise action the gate does not allow, in the patient's words."""
    if not gate.allowance.exercises:
        raise Refused(gate.patient_message, field="gate", state=gate.state.value)


def require_runs(gate: Gate) -> None:
    """Refuse (409) a run prescription the gate does not allow, in the patient's words."""
    if not gate.allowance.runs:
        raise Refused(
            gate.run_patient_message if gate.allowance.exercises else gate.patient_message,
            field="gate",
            state=gate.allowance.run_state,
        )
