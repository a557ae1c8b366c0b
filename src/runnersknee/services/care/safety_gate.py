"""The safety gate of every patient surface: reads the record's facts and asks the core.

:func:`gate_for` is the only way a surface learns whether it may show exercises, a run or a
video self-test today (portal pages, JSON API, CLI). It reads the latest intake's triage, the
referral decision, the newest signed plan's phase, the pain-monitoring decision and open
review alerts, and returns the core's :class:`TodayAllowance` with the wording for patients
and clinicians. Callers have authorized the read of the patient's record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, String, bindparam, func, literal_column, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import BindParameter

from runnersknee.clinical.errors import NotFound, Refused
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
from runnersknee.store.tables import (
    AlertRow,
    ClinicRow,
    EpisodeRow,
    IntakeRow,
    PatientRow,
    PlanVersionRow,
)

__all__ = ["Gate", "episode_subqueries", "gate_for", "require_exercises", "require_runs"]

#: Alert keys of the pain-monitoring reviews
#: (services/care/logs.py, services/running/pain_after_runs.py).
_REVIEW_KEYS = ("pain:review:%", "run_pain:review:%")


def _constant(value: str) -> ColumnElement[str]:
    """``value`` written into the SQL text, not bound.

    SQLite's LIKE optimization plans with the pattern's value, so a statement whose LIKE
    pattern is a bound parameter is prepared again at every execution (about 0.15 ms for
    the gate's statement, the costliest part of a today-page view); a constant pattern is
    prepared once per connection. The patterns are this module's constants.
    """
    return literal_column("'" + value.replace("'", "''") + "'", String)


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


@dataclass(frozen=True, slots=True)
class _Statements:
    start: Executable
    #: The plan's phase and running hold, read from its JSON (JSON_EXTRACT parses the whole
    #: plan document, so they are read only when the caller does not know them).
    phase: Executable
    triage: Executable


def episode_subqueries() -> tuple[Any, Any]:
    """Correlated to ``EpisodeRow``: its latest intake's id and its newest signed plan's id."""
    intakes, plans = aliased(IntakeRow), aliased(PlanVersionRow)
    latest_intake = (
        select(func.max(intakes.id))
        .where(intakes.episode_id == EpisodeRow.id)
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    signed = (
        select(plans.id)
        .where(plans.episode_id == EpisodeRow.id, plans.status == "signed")
        .order_by(plans.version.desc())
        .limit(1)
        .correlate(EpisodeRow)
        .scalar_subquery()
    )
    return latest_intake, signed


@cache
def _statements() -> _Statements:
    """The gate's statements, built once (values are bound per call)."""
    patient: BindParameter[int] = bindparam("patient_id")
    latest_intake, signed = episode_subqueries()
    open_review = (
        select(AlertRow.id)
        .where(
            AlertRow.patient_id == EpisodeRow.patient_id,
            AlertRow.kind == "pain_flare",
            AlertRow.resolved_at.is_(None),
            AlertRow.key.like(_constant(_REVIEW_KEYS[0]))
            | AlertRow.key.like(_constant(_REVIEW_KEYS[1])),
        )
        .correlate(EpisodeRow)
        .exists()
    )
    start = (
        select(
            EpisodeRow.referral,
            IntakeRow.id,
            IntakeRow.triage_level,
            PlanVersionRow.id,
            PlanVersionRow.created_at,
            open_review,
            ClinicRow.name,
            ClinicRow.phone,
        )
        .select_from(EpisodeRow)
        .join(PatientRow, PatientRow.id == EpisodeRow.patient_id)
        .join(ClinicRow, ClinicRow.id == PatientRow.clinic_id)
        .outerjoin(IntakeRow, IntakeRow.id == latest_intake)
        .outerjoin(PlanVersionRow, PlanVersionRow.id == signed)
        .where(EpisodeRow.patient_id == patient)
        .order_by(EpisodeRow.id.desc())
        .limit(1)
    )
    triage = select(IntakeRow.triage).where(IntakeRow.id == bindparam("intake_id"))
    phase = select(
        PlanVersionRow.data["phase"].as_integer(),
        PlanVersionRow.data[("running_hold", "held")].as_boolean(),
    ).where(PlanVersionRow.id == bindparam("plan_id"))
    return _Statements(start, phase, triage)


@dataclass(frozen=True, slots=True)
class _Record:
    facts: GateFacts
    intake_id: int | None
    clinic_name: str
    clinic_phone: str | None


#: ``gate_for(..., pain=...)`` default: the pain decision is not known, read it.
_READ = object()


def _record(  # noqa: PLR0917 - the facts the caller may already know
    tx: Session,
    patient_id: int,
    content: ClinicalContent,
    pain: object,
    phase: object,
    held: object,
) -> _Record:
    """The facts of the current episode, its latest intake's id and the clinic's contact.

    One statement reads the episode, its latest intake's level, its newest signed plan,
    whether a review alert is open and the clinic; the plan's phase is read when the caller
    does not know it, the pain decision only when it can matter.
    """
    connection = tx.connection()
    row = connection.execute(_statements().start, {"patient_id": patient_id}).first()
    if row is None:
        raise NotFound(f"patient {patient_id} has no episode of care")
    referral, intake_id, level, plan_id, signed_at, review, clinic, phone = row
    if plan_id is not None and (phase is _READ or held is _READ):
        found = connection.execute(_statements().phase, {"plan_id": plan_id}).first()
        read_phase, read_held = found if found is not None else (None, None)
        phase = read_phase if phase is _READ else phase
        held = read_held if held is _READ else held
    decision = None
    decided_on = referral.get("intake_id") if isinstance(referral, dict) else None
    if intake_id is not None and decided_on == intake_id:
        decision = str(referral.get("decision"))
    facts = GateFacts(
        has_intake=intake_id is not None,
        triage_level=None if level is None else TriageLevel(level),
        referral_decision=decision,
        plan_phase=None if plan_id is None else _phase_number(phase),
        running_held=plan_id is not None and held is True,
    )
    if signed_at is not None and decide(facts, content.gate.config).exercises:
        if pain is _READ:
            config = content.pain_monitoring
            decided = pain_state.decision_since(tx, patient_id, signed_at.date(), config)
        else:
            decided = pain if isinstance(pain, PainAssessment) else None
        facts = replace(
            facts,
            pain_decision=None if decided is None else decided.decision.value,
            open_review=bool(review),
        )
    return _Record(facts, intake_id, str(clinic), phone)


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
    pain: object = _READ,
    phase: object = _READ,
    held: object = _READ,
) -> Gate:
    """What ``patient_id`` may do today and how to say it (the caller has authorized), with
    the gate's configuration and pain limits of ``content``.

    ``pain`` is the pain-monitoring decision since the newest signed plan's sign-off,
    ``phase`` that plan's ``phase`` value and ``held`` whether it holds running, when the
    caller has just read them (the today view); otherwise they are read here.
    """
    record = _record(tx, patient_id, content, pain, phase, held)
    gate = content.gate
    allowance = decide(record.facts, gate.config)
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
