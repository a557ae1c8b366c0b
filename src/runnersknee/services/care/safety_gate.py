"""The safety gate of every patient surface: reads the record's facts and asks the core.

:func:`gate_for` is the only way a surface learns whether it may show exercises, a run or a
video self-test today (portal pages, JSON API, CLI). It reads the latest intake's triage, the
referral decision, the newest signed plan's phase, the pain-monitoring decision and open
review alerts (the current episode's one read, services/care/episode_read.py, which the
today view shares), and returns the core's :class:`TodayAllowance` with the wording for patients
and clinicians. Callers have authorized the read of the patient's record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Refused
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.clinical.safety_gate import (
    GateFacts,
    GateState,
    TodayAllowance,
    decide,
)
from runnersknee.clinical.triage import TriageLevel
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.care import pain_state
from runnersknee.services.care.episode_read import EpisodeRead, read_episode
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import IntakeRow, PlanVersionRow

__all__ = ["Gate", "gate_for", "require_exercises", "require_runs"]


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

    def _decision_json(self) -> JSONObject:
        allowance = self.allowance
        return {
            "state": allowance.state.value,
            "exercises_allowed": allowance.exercises,
            "runs_allowed": allowance.runs,
            "video_self_tests_allowed": allowance.video_self_tests,
            "run_state": allowance.run_state,
        }

    def patient_json(self) -> JSONObject:
        """The API form (plain words only; no rule ids or citation keys)."""
        return self._decision_json() | {
            "message": self.patient_message,
            "run_message": self.run_patient_message,
            "stop_text": self.stop_text,
            "stop_reasons": list(self.stop_reasons),
            "clinic": {"name": self.clinic_name, "phone": self.clinic_phone},
        }

    def clinician_json(self) -> JSONObject:
        """The clinician's form: the same decision in clinical words, with the triage level."""
        level = self.allowance.triage_level
        return self._decision_json() | {
            "triage_level": None if level is None else level.value,
            "plan_phase": self.allowance.plan_phase,
            "message": self.clinician_message,
            "run_message": self.run_clinician_message,
        }


@dataclass(frozen=True, slots=True)
class _Statements:
    #: The plan's phase and running hold, read from its JSON (JSON_EXTRACT parses the whole
    #: plan document, so they are read only when the caller does not know them).
    phase: Executable
    triage: Executable


@cache
def _statements() -> _Statements:
    """The gate's own statements, built once (values are bound per call)."""
    triage = select(IntakeRow.triage).where(IntakeRow.id == bindparam("intake_id"))
    phase = select(
        PlanVersionRow.data["phase"].as_integer(),
        PlanVersionRow.data[("running_hold", "held")].as_boolean(),
    ).where(PlanVersionRow.id == bindparam("plan_id"))
    return _Statements(phase, triage)


#: ``gate_for(..., pain=...)`` default: the pain decision is not known, read it.
_READ = object()


def _facts(  # noqa: PLR0917 - the facts the caller may already know
    tx: Session,
    record: EpisodeRead,
    content: ClinicalContent,
    pain: object,
    phase: object,
    held: object,
) -> GateFacts:
    """The gate's facts of the current episode ``record``.

    The plan's phase is read when the caller does not know it, the pain decision only when
    it can matter.
    """
    if record.plan_id is not None and (phase is _READ or held is _READ):
        statement = _statements().phase
        found = tx.connection().execute(statement, {"plan_id": record.plan_id}).first()
        read_phase, read_held = found if found is not None else (None, None)
        phase = read_phase if phase is _READ else phase
        held = read_held if held is _READ else held
    referral = record.referral if isinstance(record.referral, dict) else {}
    decision = None
    if record.intake_id is not None and referral.get("intake_id") == record.intake_id:
        decision = str(referral.get("decision"))
    level = record.triage_level
    facts = GateFacts(
        has_intake=record.intake_id is not None,
        triage_level=None if level is None else TriageLevel(level),
        referral_decision=decision,
        plan_phase=None if record.plan_id is None else _phase_number(phase),
        running_held=record.plan_id is not None and held is True,
    )
    if record.signed_at is not None and decide(facts, content.gate.config).exercises:
        if pain is _READ:
            since, limits = record.signed_at.date(), content.pain_monitoring
            decided = pain_state.decision_since(tx, record.patient_id, since, limits)
        else:
            decided = pain if isinstance(pain, PainAssessment) else None
        facts = replace(
            facts,
            pain_decision=None if decided is None else decided.decision.value,
            open_review=record.open_review,
        )
    return facts


def _phase_number(value: object) -> int:
    """A signed plan's phase as the gate counts it (without a phase: the first phase)."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 1
    return number or 1


def gate_for(
    tx: Session,
    patient_id: int,
    content: ClinicalContent,
    *,
    record: EpisodeRead | None = None,
    pain: object = _READ,
    phase: object = _READ,
    held: object = _READ,
) -> Gate:
    """What ``patient_id`` may do today and how to say it (the caller has authorized), with
    the gate's configuration and pain limits of ``content``.

    ``record`` is the current episode's read (services/care/episode_read.py), ``pain`` the
    pain-monitoring decision since the newest signed plan's sign-off, ``phase`` that plan's
    ``phase`` value and ``held`` whether it holds running, when the caller has just read
    them (the today view); otherwise they are read here.
    """
    if record is None:
        record = read_episode(tx, patient_id)
    facts = _facts(tx, record, content, pain, phase, held)
    gate = content.gate
    allowance = decide(facts, gate.config)
    opened = allowance.state is GateState.OPEN
    state_text = gate.message("allowed" if opened else allowance.state.value)
    run_text = gate.message(allowance.run_state)
    stop_text, reasons = "", tuple[str, ...]()
    if allowance.state in (GateState.RED_FLAG, GateState.REFERRED) and record.intake_id:
        found = tx.connection().execute(_statements().triage, {"intake_id": record.intake_id})
        triage = found.scalar()
        if isinstance(triage, dict):
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
        clinic_name=record.clinic_name,
        clinic_phone=record.clinic_phone,
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
