"""Test helper: make a patient eligible for runs (cleared triage, running-phase signed plan)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from runnersknee.services.access.authz import Actor
from runnersknee.services.care import intake, records
from runnersknee.services.demo import PFP_CASE
from tests.content import CONTENT

#: An assessment in the running phase (KB 7.1: daily pain <= 2/10, step-down score <= 3).
READY: dict[str, Any] = {
    "body_mass_kg": 61,
    "function": {"usual_pain_nprs": 1, "worst_pain_nprs": 2, "step_down_pain_nprs": 1},
    "right": {"movement": {"step_down": {"score": 1}}},
    "left": {"movement": {"step_down": {"score": 1}}},
}
#: An assessment of an irritable knee (phase 1: pain above 3/10).
IRRITABLE: dict[str, Any] = READY | {
    "function": {"usual_pain_nprs": 5, "worst_pain_nprs": 7, "step_down_pain_nprs": 5}
}


def sign_plan_for(
    tx: Session, clinician: Actor, patient_id: int, assessment: dict[str, Any] = READY
) -> dict[str, Any]:
    """A PFP intake, ``assessment`` and a signed plan for ``patient_id``; returns the plan."""
    intake.submit_intake(tx, clinician, patient_id, PFP_CASE, content=CONTENT)
    records.save_assessment(tx, clinician, patient_id, assessment)
    records.generate_plan(tx, clinician, patient_id, content=CONTENT)
    return records.sign_plan(tx, clinician, patient_id, "Seen and signed.").data
