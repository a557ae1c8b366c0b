"""The tests of one side: movement quality, strength (HHD), flexibility, foot posture (KB 3.1-3.6).

Numeric fields carry their unit in their name and a plausibility range (not a clinical
cut-off); out-of-range values raise :class:`~runnersknee.clinical.errors.InvalidInput`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from runnersknee.clinical._fields import bounded, check_bounds
from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "STRICT",
    "FootPosture",
    "ForceUnit",
    "HhdMeasurement",
    "KneeMedialPosition",
    "Movement",
    "PatellarMobility",
    "SideFlexibility",
    "SingleLegSquat",
    "SlsRating",
    "StepDown",
    "StrengthTest",
]

#: The pydantic configuration of every assessment record: unknown keys are refused.
STRICT: dict[str, Any] = {"extra": "forbid"}
_KG_TO_N = 9.80665


class SlsRating(StrEnum):
    """Overall single-leg squat rating (Crossley 2011, KB 3.1)."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class KneeMedialPosition(StrEnum):
    """Step-down knee-position criterion (Piva 2006, KB 3.2)."""

    NONE = "none"
    MEDIAL_TO_SECOND_TOE = "medial_to_second_toe"
    MEDIAL_TO_FOOT_BORDER = "medial_to_foot_border"


class StrengthTest(StrEnum):
    """Hand-held dynamometry tests recorded (KB 3.4)."""

    HIP_ABDUCTION = "hip_abduction"
    HIP_EXTERNAL_ROTATION = "hip_external_rotation"
    HIP_EXTENSION = "hip_extension"
    KNEE_EXTENSION = "knee_extension"


class ForceUnit(StrEnum):
    """Unit of a raw dynamometer reading."""

    N = "N"
    KG = "kg"


class PatellarMobility(StrEnum):
    """Clinician's grading of medial-lateral patellar glide (KB 3.7; no numeric scale)."""

    HYPOMOBILE = "hypomobile"
    NORMAL = "normal"
    HYPERMOBILE = "hypermobile"


@dataclass(frozen=True, slots=True)
class SingleLegSquat:
    """SLS rating: overall plus the five criteria (True = criterion met), KB 3.1."""

    __pydantic_config__ = STRICT

    overall: SlsRating
    overall_impression_ok: bool | None = None
    trunk_posture_ok: bool | None = None
    pelvis_ok: bool | None = None
    hip_ok: bool | None = None
    knee_ok: bool | None = None

    def failed_criteria(self) -> tuple[str, ...]:
        """Names of the criteria recorded as not met."""
        names = ("overall_impression_ok", "trunk_posture_ok", "pelvis_ok", "hip_ok", "knee_ok")
        return tuple(n.removesuffix("_ok") for n in names if getattr(self, n) is False)


@dataclass(frozen=True, slots=True)
class StepDown:
    """Lateral step-down test (Piva 2006): faults → total 0–6, or a total entered directly.

    When both the faults and ``score`` are given they must agree.
    """

    __pydantic_config__ = STRICT

    score: int | None = bounded(0, 6, "points")
    arm_strategy_fault: bool | None = None
    trunk_lean_fault: bool | None = None
    pelvis_fault: bool | None = None
    knee_position: KneeMedialPosition | None = None
    unsteady_stance_fault: bool | None = None

    def __post_init__(self) -> None:
        check_bounds(self)
        faults = self._fault_total()
        if faults is None and self.score is None:
            raise InvalidInput(
                "step_down needs a score (0-6) or all five criteria",
                field="step_down.score",
                allowed="0..6",
                got=None,
            )
        if faults is not None and self.score is not None and faults != self.score:
            raise InvalidInput(
                f"step_down score {self.score} does not match its criteria (total {faults})",
                field="step_down.score",
                allowed=str(faults),
                got=self.score,
            )

    def _fault_total(self) -> int | None:
        flags = (
            self.arm_strategy_fault,
            self.trunk_lean_fault,
            self.pelvis_fault,
            self.unsteady_stance_fault,
        )
        if any(flag is None for flag in flags) or self.knee_position is None:
            return None
        knee = {"none": 0, "medial_to_second_toe": 1, "medial_to_foot_border": 2}
        return sum(1 for flag in flags if flag) + knee[self.knee_position.value]

    @property
    def total(self) -> int:
        """The 0–6 total (higher = worse)."""
        faults = self._fault_total()
        if faults is not None:
            return faults
        return int(self.score or 0)

    @property
    def band(self) -> str:
        """``good`` (0–1), ``moderate`` (2–3) or ``poor`` (≥ 4), Piva 2006."""
        if self.total <= 1:
            return "good"
        return "moderate" if self.total <= 3 else "poor"


@dataclass(frozen=True, slots=True)
class HhdMeasurement:
    """One hand-held dynamometry result (best of ≥ 2 trials), KB 3.4."""

    __pydantic_config__ = STRICT

    test: StrengthTest
    force: float = bounded(0, 2000, "N or kg", default=dataclasses.MISSING)
    unit: ForceUnit = ForceUnit.N
    lever_arm_m: float | None = bounded(0.05, 1.5, "m")

    def __post_init__(self) -> None:
        check_bounds(self)

    @property
    def force_n(self) -> float:
        """Force in newtons."""
        return self.force * _KG_TO_N if self.unit is ForceUnit.KG else self.force

    @property
    def force_kg(self) -> float:
        """Force in kilograms-force."""
        return self.force if self.unit is ForceUnit.KG else self.force / _KG_TO_N

    def percent_body_weight(self, body_mass_kg: float) -> float:
        """``force_kg / body_mass_kg × 100``."""
        return self.force_kg / body_mass_kg * 100.0

    def torque_nm_per_kg(self, body_mass_kg: float) -> float | None:
        """``force_N × lever_arm_m / body_mass_kg``; None without a lever arm."""
        if self.lever_arm_m is None:
            return None
        return self.force_n * self.lever_arm_m / body_mass_kg


@dataclass(frozen=True, slots=True)
class Movement:
    """Movement-quality tests of one side (KB 3.1–3.3)."""

    __pydantic_config__ = STRICT

    sls: SingleLegSquat | None = None
    step_down: StepDown | None = None
    fppa_sls_deg: float | None = bounded(-90, 90, "deg")
    fppa_step_down_deg: float | None = bounded(-90, 90, "deg")
    fppa_landing_deg: float | None = bounded(-90, 90, "deg")

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class SideFlexibility:
    """Flexibility tests of one side (KB 3.5). ``*_restricted`` are clinician judgements."""

    __pydantic_config__ = STRICT

    hamstring_ake_deg: float | None = bounded(0, 120, "deg")
    prone_knee_bend_deg: float | None = bounded(0, 180, "deg")
    quadriceps_restricted: bool | None = None
    gastrocnemius_dorsiflexion_deg: float | None = bounded(-30, 60, "deg")
    gastrocnemius_restricted: bool | None = None
    soleus_dorsiflexion_deg: float | None = bounded(-30, 70, "deg")
    soleus_restricted: bool | None = None
    weight_bearing_lunge_cm: float | None = bounded(0, 30, "cm")
    ober_positive: bool | None = None
    thomas_hip_flexor_tight: bool | None = None
    thomas_rectus_femoris_tight: bool | None = None

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class FootPosture:
    """Foot Posture Index (−12…+12) and navicular drop (KB 3.6)."""

    __pydantic_config__ = STRICT

    fpi6_total: int | None = bounded(-12, 12, "points")
    navicular_drop_mm: float | None = bounded(0, 40, "mm")
    midfoot_width_difference_mm: float | None = bounded(0, 40, "mm")

    def __post_init__(self) -> None:
        check_bounds(self)

    @property
    def fpi6_category(self) -> str | None:
        """Redmond 2006 category of the FPI-6 total."""
        total = self.fpi6_total
        if total is None:
            return None
        if total >= 10:
            return "highly pronated"
        if total >= 6:
            return "pronated"
        if total >= 0:
            return "normal"
        return "supinated" if total >= -4 else "highly supinated"
