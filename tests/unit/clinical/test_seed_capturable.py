"""Every symptom and cause named in the seed article can be recorded in a case."""

from __future__ import annotations

from runnersknee.clinical.case import (
    Activity,
    Case,
    ContributingFactor,
    Demographics,
    MechanicalSymptoms,
    PainQuality,
    PainSite,
    PainTiming,
)
from runnersknee.clinical.triage import TriageLevel, triage
from runnersknee.content.triage import load_triage_rules

#: Seed wording → the case field that records it.
SEED_SYMPTOMS = {
    "dull, aching pain around or behind the kneecap": "pain_quality, pain_sites",
    "discomfort during or after running, squatting, or stair climbing": "pain_timing, activities",
    "a sensation of grinding or popping in the knee": "mechanical.crepitus",
    "pain after sitting for long periods with bent knees": "provocative prolonged_sitting",
}
SEED_CAUSES = {
    "repetitive knee movement during running or jumping": "repetitive_running_jumping",
    "poor running mechanics": "poor_running_mechanics",
    "misalignment of the kneecap": "kneecap_misalignment",
    "muscle imbalances, especially in the hips, glutes, and quadriceps": "hip_glute_quad_imbalance",
    "weak core": "weak_core",
    "poor foot support (flat feet)": "flat_feet",
    "improper footwear": "improper_footwear",
}


def seed_case() -> Case:
    return Case(
        demographics=Demographics(age_years=29),
        pain_sites=frozenset({PainSite.AROUND_BEHIND_KNEECAP}),
        pain_quality=PainQuality.DULL_ACHE,
        pain_timing=PainTiming.DURING_AND_AFTER,
        provocative_activities=frozenset(
            {
                Activity.RUNNING,
                Activity.SQUATTING,
                Activity.STAIRS_UP,
                Activity.STAIRS_DOWN,
                Activity.PROLONGED_SITTING,
                Activity.JUMPING,
            }
        ),
        mechanical=MechanicalSymptoms(crepitus=True),
        contributing_factors=frozenset(ContributingFactor(v) for v in SEED_CAUSES.values()),
    )


def test_every_seed_cause_has_a_contributing_factor() -> None:
    values = {factor.value for factor in ContributingFactor}
    assert set(SEED_CAUSES.values()) <= values


def test_the_seed_presentation_is_recorded_and_triaged_as_pfp() -> None:
    case = seed_case()
    assert case.mechanical.crepitus
    assert Activity.PROLONGED_SITTING in case.provocative_activities
    result = triage(case, load_triage_rules())
    assert result.level is TriageLevel.PLAN
    assert result.pfp_probable
    supporting = {item.rule_id for item in result.supporting}
    assert "SUP-CRITERION-A-CREPITUS" in supporting
    assert "SUP-CRITERION-D-SITTING" in supporting
    assert len(SEED_SYMPTOMS) == 4
