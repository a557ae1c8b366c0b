"""Whether "Generate plan" can work now, and if not, what the clinician does next.

The same checks as :func:`runnersknee.services.care.intake.plan_gate` and the core (a plan needs
an intake, a triage of level ``plan`` and an assessment), read ahead so the record can say
what is missing instead of answering the button with a refusal.
"""

from __future__ import annotations

from dataclasses import dataclass

from runnersknee.services.care.intake import IntakeView

__all__ = ["PlanReadiness", "plan_readiness"]


@dataclass(frozen=True, slots=True)
class PlanReadiness:
    """``blocked`` with the reason and the next step (text and the page that does it)."""

    blocked: bool
    reason: str
    next_step: str
    next_url: str


_READY = PlanReadiness(False, "", "", "")


def plan_readiness(
    patient_id: int, intake: IntakeView | None, has_assessment: bool
) -> PlanReadiness:
    """What stands between the record and a generated plan (nothing: ``blocked`` False)."""
    base = f"/clinic/patients/{patient_id}"
    if intake is None:
        return PlanReadiness(True, "No intake recorded.", "Record the intake.", f"{base}/intake")
    if intake.level is None:
        return PlanReadiness(
            True, "Triage is not available.", "Record the intake again.", f"{base}/intake"
        )
    if intake.red_flag:
        blocked = _red_flag_step(base, intake)
        if blocked is not None:
            return blocked
    if not has_assessment:
        return PlanReadiness(
            True, "No assessment recorded.", "Record the assessment.", f"{base}/assessment"
        )
    return _READY


def _red_flag_step(base: str, intake: IntakeView) -> PlanReadiness | None:
    referral = intake.referral
    level = intake.level or ""
    if referral is None or referral.get("intake_id") != intake.id:
        return PlanReadiness(
            True,
            f"Red-flag triage ({level}): no exercises, runs or plan until it is dealt with.",
            "Contact the patient and record the referral outcome.",
            f"{base}#referral-title",
        )
    if referral.get("decision") != "cleared":
        return PlanReadiness(
            True,
            "The patient was referred on.",
            "Record \u201ccleared\u201d once they have been seen and cleared to treat.",
            f"{base}#referral-title",
        )
    return PlanReadiness(
        True,
        f"The patient was cleared, but the intake still triages as {level}.",
        "Update the intake with the findings after clearance (for example the red-flag "
        "answers that no longer apply); the plan follows the new triage.",
        f"{base}/intake",
    )
