"""What an interpretation yields: impairments, their thresholds and HHD strength rows."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from runnersknee.clinical.assessment import LimbSide, StrengthTest

__all__ = [
    "AssessmentThresholds",
    "Impairment",
    "ImpairmentKind",
    "StrengthRow",
    "Threshold",
    "make_impairment",
]


@dataclass(frozen=True, slots=True)
class Threshold:
    """One cut-off with its provenance."""

    value: float
    citation_ids: tuple[str, ...]
    verified: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class AssessmentThresholds:
    """All cut-offs used by :func:`interpret` (names say the comparison and the unit).

    An optional threshold set to None disables its numeric rule (the clinician's judgement
    flag, where one exists, still applies).
    """

    lsi_weak_below_pct: Threshold
    hamstring_ake_tight_male_above_deg: Threshold
    hamstring_ake_tight_female_above_deg: Threshold
    hamstring_ake_tight_other_above_deg: Threshold
    wblt_restricted_below_cm: Threshold
    fpi6_pronated_min: Threshold
    fpi6_highly_pronated_min: Threshold
    navicular_drop_excessive_above_mm: Threshold
    fppa_sls_high_above_deg: Threshold
    fppa_landing_high_above_deg: Threshold
    side_bridge_low_male_below_s: Threshold
    side_bridge_low_female_below_s: Threshold
    side_bridge_low_other_below_s: Threshold
    cadence_low_at_or_below_spm: Threshold
    fppa_measurement_error_deg: Threshold
    hhd_sem_abduction_kg: Threshold
    hhd_sem_external_rotation_kg: Threshold
    fppa_step_down_high_above_deg: Threshold | None = None
    fppa_running_high_above_deg: Threshold | None = None
    pelvic_drop_high_above_deg: Threshold | None = None


class ImpairmentKind(StrEnum):
    """What an impairment is about (stable ids used by the plan generator)."""

    HIP_ABDUCTOR_WEAKNESS = "hip_abductor_weakness"
    HIP_EXTERNAL_ROTATOR_WEAKNESS = "hip_external_rotator_weakness"
    HIP_EXTENSOR_WEAKNESS = "hip_extensor_weakness"
    QUADRICEPS_WEAKNESS = "quadriceps_weakness"
    POOR_SLS_CONTROL = "poor_sls_control"
    REDUCED_STEP_DOWN_CONTROL = "reduced_step_down_control"
    DYNAMIC_KNEE_VALGUS = "dynamic_knee_valgus"
    HAMSTRING_TIGHTNESS = "hamstring_tightness"
    QUADRICEPS_TIGHTNESS = "quadriceps_tightness"
    GASTROCNEMIUS_TIGHTNESS = "gastrocnemius_tightness"
    SOLEUS_TIGHTNESS = "soleus_tightness"
    RESTRICTED_DORSIFLEXION = "restricted_dorsiflexion"
    ITB_TFL_TIGHTNESS = "itb_tfl_tightness"
    HIP_FLEXOR_TIGHTNESS = "hip_flexor_tightness"
    RECTUS_FEMORIS_TIGHTNESS = "rectus_femoris_tightness"
    PRONATED_FOOT = "pronated_foot"
    EXCESSIVE_NAVICULAR_DROP = "excessive_navicular_drop"
    PATELLAR_HYPOMOBILITY = "patellar_hypomobility"
    LOW_LATERAL_TRUNK_ENDURANCE = "low_lateral_trunk_endurance"
    LOW_CADENCE = "low_cadence"
    EXCESSIVE_PELVIC_DROP = "excessive_pelvic_drop"
    OVERSTRIDING = "overstriding"


@dataclass(frozen=True, slots=True)
class Impairment:
    """One interpreted finding, e.g. "hip abductor weakness, left, LSI 74 %"."""

    kind: ImpairmentKind
    label: str
    side: LimbSide | None
    value: float | None
    unit: str
    threshold: float | None
    verified: bool
    citation_ids: tuple[str, ...]
    note: str = ""
    #: Where it was seen: ``running`` for running measures (video or clinician), else the task
    #: (``single-leg squat``, ``step-down``, ``landing``) or "" when not task-specific.
    task: str = ""

    @property
    def id(self) -> str:
        """Stable id, ``kind`` or ``kind:side``."""
        return f"{self.kind.value}:{self.side.value}" if self.side else self.kind.value


@dataclass(frozen=True, slots=True)
class StrengthRow:
    """One HHD result with its normalisations (KB 3.4)."""

    test: StrengthTest
    side: LimbSide
    force_n: float
    force_kg: float
    percent_body_weight: float | None
    torque_nm_per_kg: float | None
    lsi_pct: float | None


#: Kinds whose id does not read as words (the others read as their id with spaces).
_WORDS = {
    ImpairmentKind.POOR_SLS_CONTROL: "poor single-leg squat control",
    ImpairmentKind.REDUCED_STEP_DOWN_CONTROL: "reduced step-down control",
    ImpairmentKind.ITB_TFL_TIGHTNESS: "ITB / TFL tightness",
}


def make_impairment(  # noqa: PLR0917 - one call shape for every rule
    kind: ImpairmentKind,
    text: str,
    side: LimbSide | None,
    value: float | None,
    unit: str,
    threshold: Threshold | None,
    *,
    citations: tuple[str, ...] = (),
    verified: bool | None = None,
    note: str = "",
    task: str = "",
) -> Impairment:
    """An impairment labelled "kind, side, text", citing ``citations`` and the threshold's sources.

    ``verified`` defaults to the threshold's status (True without a threshold).
    """
    where = f", {side.value}" if side else ""
    shown = f", {text}" if text else ""
    cites = tuple(dict.fromkeys(citations + (threshold.citation_ids if threshold else ())))
    notes = " ".join(part for part in (note, threshold.note if threshold else "") if part)
    return Impairment(
        kind=kind,
        label=f"{_WORDS.get(kind, kind.value.replace('_', ' '))}{where}{shown}",
        side=side,
        value=value,
        unit=unit,
        threshold=threshold.value if threshold else None,
        verified=(threshold.verified if threshold else True) if verified is None else verified,
        citation_ids=cites,
        note=notes,
        task=task,
    )
