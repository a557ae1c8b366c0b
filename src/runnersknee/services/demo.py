"""The demo clinic: a clinician, an admin and patients at different stages (idempotent).

Patients: a new patient before intake, a red-flag intake awaiting the referral decision, and a
patient six weeks into a signed plan with exercise and pain logs, two questionnaires and twelve
weeks of runs from generated watch files (services/running/demo_runs.py).
All clinical output (triage, plan, pain decisions, scores) comes from the core.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from runnersknee.config import Settings
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.accounts import actor_for, create_clinic, create_user
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import intake, logs, patients, records
from runnersknee.services.care.morning_baseline import record_baseline
from runnersknee.services.platform.database import Database
from runnersknee.services.running.demo_runs import seed_runs
from runnersknee.store.mapping import JSONObject
from runnersknee.store.tables import ClinicRow, PlanVersionRow, UserRow

__all__ = ["DEMO_CLINIC", "DEMO_LOGINS", "DemoLogin", "seed_demo"]

DEMO_CLINIC = "Demo Clinic (example data)"
#: A number from the UK's range reserved for drama and examples (never a real line).
DEMO_PHONE = "020 7946 0000"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo account printed by ``runnersknee demo``."""

    role: str
    email: str
    password: str
    who: str


DEMO_LOGINS = (
    DemoLogin("clinician", "clinician@demo.example", "demo-clinician-pass", "Dr Demo"),
    DemoLogin("admin", "admin@demo.example", "demo-admin-password", "Demo Admin"),
    DemoLogin("patient", "new@demo.example", "demo-patient-pass", "Alex New (before intake)"),
    DemoLogin("patient", "redflag@demo.example", "demo-patient-pass", "Robin Red (red flag)"),
    DemoLogin("patient", "midplan@demo.example", "demo-patient-pass", "Sam Mid (week 6)"),
)

#: A typical PFP presentation (KB 1.1, 1.3) used for the mid-plan patient.
PFP_CASE: JSONObject = {
    "demographics": {"age_years": 29, "sex": "female", "height_cm": 168, "mass_kg": 61},
    "side": "right",
    "onset": {"kind": "insidious", "symptom_duration_months": 4},
    "pain_sites": ["around_behind_kneecap"],
    "provocative_activities": ["running", "stairs_down", "squatting", "prolonged_sitting"],
    "pain_quality": "dull_ache",
    "pain_timing": "during_and_after",
    "running": {"runs": True, "weekly_km": 30, "runs_per_week": 4, "recent_load_spike": True},
    "contributing_factors": ["recent_training_increase", "hip_glute_quad_imbalance"],
}

#: Infection features (KB 2, emergency) for the red-flag patient.
RED_FLAG_CASE: JSONObject = {
    "demographics": {"age_years": 41, "sex": "male"},
    "side": "left",
    "pain_sites": ["around_behind_kneecap"],
    "provocative_activities": ["stairs_up"],
    "swelling": "without_injury",
    "systemic": {"fever_or_unwell": True, "hot_red_joint": True},
}

ASSESSMENT: JSONObject = {
    "body_mass_kg": 61,
    "function": {"usual_pain_nprs": 2, "worst_pain_nprs": 4, "step_down_pain_nprs": 2},
    "right": {"movement": {"step_down": {"score": 3}}},
    "left": {"movement": {"step_down": {"score": 1}}},
}


def _clinic(tx: Session) -> int | None:
    return tx.scalar(select(ClinicRow.id).where(ClinicRow.name == DEMO_CLINIC))


def _actor(tx: Session, email: str) -> Actor:
    return actor_for(tx, tx.scalars(select(UserRow).where(UserRow.email == email)).one())


def seed_demo(
    database: Database,
    today: date,
    content: ClinicalContent,
    seed: int = 7,
    settings: Settings | None = None,
) -> bool:
    """Create the demo clinic unless it exists; True when it was created now.

    ``settings`` limit the import of the generated watch files (default: ``Settings()``).
    """
    with database.transaction() as tx:
        if _clinic(tx) is not None:
            return False
        clinic_id = create_clinic(tx, DEMO_CLINIC)
        tx.get_one(ClinicRow, clinic_id).phone = DEMO_PHONE
        for login in DEMO_LOGINS[:2]:
            create_user(tx, clinic_id, login.email, login.who, Role(login.role), login.password)
        clinician = _actor(tx, DEMO_LOGINS[0].email)
        ids = [
            patients.create_patient(
                tx,
                clinician,
                patients.NewPatient(login.who.split(" (")[0], 1990, login.email, login.password),
                today - timedelta(weeks=7),
            )
            for login in DEMO_LOGINS[2:]
        ]
        intake.submit_intake(tx, clinician, ids[1], RED_FLAG_CASE, content=content)
        rng = random.Random(seed)
        _mid_plan(tx, clinician, ids[2], today, _Seeding(content, rng))
        if logs.signed_plan(tx, ids[2]) is not None:
            patient = _actor(tx, "midplan@demo.example")
            seed_runs(tx, patient, ids[2], today, settings or Settings(), rng, content)
    return True


@dataclass(frozen=True, slots=True)
class _Seeding:
    content: ClinicalContent
    rng: random.Random


def _mid_plan(
    tx: Session, clinician: Actor, patient_id: int, today: date, seeding: _Seeding
) -> None:
    content, rng = seeding.content, seeding.rng
    intake.submit_intake(tx, clinician, patient_id, PFP_CASE, content=content)
    records.save_assessment(tx, clinician, patient_id, ASSESSMENT)
    start = today - timedelta(weeks=6)
    _questionnaire(tx, clinician, patient_id, start, worse=True, content=content)
    records.generate_plan(tx, clinician, patient_id, content=content)
    records.sign_plan(tx, clinician, patient_id, "Demo plan signed at the first visit.")
    for row in tx.scalars(select(PlanVersionRow)):
        row.created_at = datetime.combine(start, time(9), tzinfo=UTC)
    patient = _actor(tx, "midplan@demo.example")
    record_baseline(tx, patient_id, start, 0)  # usual morning pain before the programme
    plan = logs.signed_plan(tx, patient_id)
    exercise_ids = sorted(logs._plan_exercises(plan))
    for offset in range(42):
        day = start + timedelta(days=offset)
        if rng.random() < 0.25:
            continue
        for exercise_id in exercise_ids:
            logs.log_exercise(tx, patient, patient_id, exercise_id, 3, 10, day, content=content)
        during = 2 if offset < 21 else 1
        morning = 3 if offset == 27 else 0
        logs.log_pain(tx, patient, patient_id, day, during, during, None, content=content)
        next_day = day + timedelta(days=1)
        logs.log_pain(tx, patient, patient_id, next_day, None, None, morning, content=content)
    _questionnaire(
        tx, clinician, patient_id, today - timedelta(days=1), worse=False, content=content
    )


def _questionnaire(
    tx: Session,
    actor: Actor,
    patient_id: int,
    day: date,
    worse: bool,
    *,
    content: ClinicalContent,
) -> None:
    instrument = content.instruments.get("akps")
    if instrument is None:
        return
    answers: dict[str, int | str] = {}
    for item in instrument.items:
        if item.kind == "choice" and item.options:
            ranked = sorted(item.options, key=lambda o: o.points)
            pick = ranked[len(ranked) // 3] if worse else ranked[-1 - len(ranked) // 5]
            answers[item.id] = pick.id
        elif item.minimum is not None and item.maximum is not None:
            answers[item.id] = item.maximum if worse else item.minimum
    intake.record_questionnaire(tx, actor, patient_id, "akps", answers, day, content=content)
