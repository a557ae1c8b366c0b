"""A patient's API answers: engine fields dropped, sources in plain words, data kept."""

from __future__ import annotations

from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care.patient_json import for_actor, for_patient

TRIAGE = {
    "level": "urgent",
    "safety_text": "Please see a doctor within 24-48 hours.",
    "reasons": [
        {
            "rule_id": "RF-FEVER-NEW-KNEE-PAIN",
            "reason": "You have a fever with knee pain (CPG-2019).",
            "citation_ids": ["CPG-2019"],
            "condition": "systemic.fever_or_unwell",
            "verified": False,
        }
    ],
    "prompts": [{"rule_id": "PROMPT-HIP-EXAM-ADOLESCENT"}],
    "plan": {"phase_citation_ids": ["KB-PLAN-DEFAULTS"], "note": "Retest (unverified rule)."},
}


def test_engine_fields_go_and_sources_become_words() -> None:
    plain = for_patient(TRIAGE)
    assert plain["level"] == "urgent"
    reason = plain["reasons"][0]
    assert set(reason) == {"reason", "sources"}
    assert reason["reason"] == "You have a fever with knee pain."
    assert reason["sources"] == "Willy and colleagues, 2019"
    assert "prompts" not in plain
    assert plain["plan"] == {"phase_sources": "your clinic's own guidance", "note": "Retest."}


def test_clinicians_get_the_full_result() -> None:
    doc = Actor(user_id=1, clinic_id=1, role=Role.CLINICIAN, display_name="Dr", patient_id=None)
    assert for_actor(doc, TRIAGE) is TRIAGE
