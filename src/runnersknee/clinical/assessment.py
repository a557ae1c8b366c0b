"""The physical-therapy assessment: what a clinician measures (knowledge base section 3).

Values are recorded per side where the test is unilateral (``left`` / ``right``). Every numeric
field carries its unit in its name and a *plausibility* range (not a clinical cut-off) beside
it; out-of-range values raise :class:`~runnersknee.clinical.errors.InvalidInput`. Clinical
cut-offs live in :mod:`runnersknee.clinical.impairments` and in content files.

Angle sign conventions (written once here and in docs/assessment-and-plan.md):

* FPPA (frontal-plane projection angle): degrees at maximum knee flexion, **positive = valgus**
  (knee medial to the hip-ankle line), negative = varus (KB 3.3).
* Contralateral pelvic drop: degrees below horizontal of the swing-side pelvis during stance
  on ``side``; **positive = drop**.
* Trunk lean: degrees of forward trunk flexion from vertical; **positive = forward**.
* Hamstring active knee extension (AKE): knee flexion angle remaining, **0° = full extension**.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from runnersknee.clinical._fields import bounded, check_bounds
from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "Assessment",
    "FootPosture",
    "FootStrike",
    "Footwear",
    "ForceUnit",
    "Function",
    "HhdMeasurement",
    "KneeMedialPosition",
    "LimbSide",
    "Movement",
    "PatellarMobility",
    "Running",
    "SideFlexibility",
    "SideMeasures",
    "SingleLegSquat",
    "SlsRating",
    "StepDown",
    "StrengthTest",
    "Symptoms",
    "apply_video_metrics",
]

_STRICT: dict[str, Any] = {"extra": "forbid"}
_KG_TO_N = 9.80665


class LimbSide(StrEnum):
    """The side of a unilateral measurement."""

    LEFT = "left"
    RIGHT = "right"


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


class FootStrike(StrEnum):
    """Foot-strike pattern in running."""

    REARFOOT = "rearfoot"
    MIDFOOT = "midfoot"
    FOREFOOT = "forefoot"


class PatellarMobility(StrEnum):
    """Clinician's grading of medial-lateral patellar glide (KB 3.7; no numeric scale)."""

    HYPOMOBILE = "hypomobile"
    NORMAL = "normal"
    HYPERMOBILE = "hypermobile"


@dataclass(frozen=True, slots=True)
class SingleLegSquat:
    """SLS rating: overall plus the five criteria (True = criterion met), KB 3.1."""

    __pydantic_config__ = _STRICT

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

    __pydantic_config__ = _STRICT

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

    __pydantic_config__ = _STRICT

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

    __pydantic_config__ = _STRICT

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

    __pydantic_config__ = _STRICT

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

    __pydantic_config__ = _STRICT

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


@dataclass(frozen=True, slots=True)
class SideMeasures:
    """Everything measured on one side."""

    __pydantic_config__ = _STRICT

    movement: Movement = field(default_factory=Movement)
    strength: tuple[HhdMeasurement, ...] = ()
    flexibility: SideFlexibility = field(default_factory=SideFlexibility)
    foot: FootPosture = field(default_factory=FootPosture)
    patellar_tilt_hypomobile: bool | None = None
    patellar_mobility: PatellarMobility | None = None
    side_bridge_s: float | None = bounded(0, 600, "s")
    fppa_running_deg: float | None = bounded(-90, 90, "deg")
    pelvic_drop_deg: float | None = bounded(-30, 45, "deg")

    def __post_init__(self) -> None:
        check_bounds(self)
        tests = [m.test for m in self.strength]
        if len(tests) != len(set(tests)):
            raise InvalidInput(
                "strength lists a test twice on one side",
                field="strength.test",
                allowed=[t.value for t in StrengthTest],
                got=[t.value for t in tests],
            )

    def strength_of(self, test: StrengthTest) -> HhdMeasurement | None:
        """The measurement of ``test`` on this side, if recorded."""
        return next((m for m in self.strength if m.test is test), None)


@dataclass(frozen=True, slots=True)
class Running:
    """Running observations (manual entry now; a video pipeline fills them later)."""

    __pydantic_config__ = _STRICT

    cadence_spm: float | None = bounded(100, 250, "steps/min")
    foot_strike: FootStrike | None = None
    overstride: bool | None = None
    overstride_cm: float | None = bounded(0, 100, "cm")
    trunk_lean_deg: float | None = bounded(-30, 60, "deg")
    pelvic_drop_excessive: bool | None = None
    hard_landing: bool | None = None
    forefoot_strike_immediate_relief: bool | None = None

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class Footwear:
    """Shoes and orthoses in use."""

    __pydantic_config__ = _STRICT

    shoe_type: str | None = None
    shoe_age_km: float | None = bounded(0, 5000, "km")
    shoe_age_months: float | None = bounded(0, 240, "months")
    orthoses_in_use: bool = False
    orthosis_trial_immediate_sls_relief: bool | None = None

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class Function:
    """Pain and function at assessment (NPRS 0–10, AKPS 0–100 = best)."""

    __pydantic_config__ = _STRICT

    usual_pain_nprs: float | None = bounded(0, 10, "/10")
    worst_pain_nprs: float | None = bounded(0, 10, "/10")
    step_down_pain_nprs: float | None = bounded(0, 10, "/10")
    akps_total: int | None = bounded(0, 100, "points")
    irritable: bool | None = None
    #: TSK-11 total (11-44, higher = more fear of movement), when the clinician enters it here.
    tsk11_total: int | None = bounded(11, 44, "points")

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class Symptoms:
    """Assessment findings that restrict exercise choice (contraindication finding ids)."""

    __pydantic_config__ = _STRICT

    calf_achilles_symptoms: bool = False
    pain_with_deep_knee_flexion: bool = False


@dataclass(frozen=True, slots=True)
class Assessment:
    """One physical-therapy assessment of one patient."""

    __pydantic_config__ = _STRICT

    left: SideMeasures = field(default_factory=SideMeasures)
    right: SideMeasures = field(default_factory=SideMeasures)
    running: Running = field(default_factory=Running)
    footwear: Footwear = field(default_factory=Footwear)
    function: Function = field(default_factory=Function)
    symptoms: Symptoms = field(default_factory=Symptoms)
    body_mass_kg: float | None = bounded(15, 300, "kg")
    assessed_on: str | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        check_bounds(self)

    def side(self, side: LimbSide) -> SideMeasures:
        """The measures of one side."""
        return self.left if side is LimbSide.LEFT else self.right


_SIDE_KEYS = {
    "fppa_deg": "fppa_running_deg",
    "fppa_running_deg": "fppa_running_deg",
    "pelvic_drop_deg": "pelvic_drop_deg",
}
_MOVEMENT_KEYS = ("fppa_sls_deg", "fppa_step_down_deg", "fppa_landing_deg")
_RUNNING_FLOAT_KEYS = ("cadence_spm", "overstride_cm", "trunk_lean_deg")


def apply_video_metrics(
    assessment: Assessment, metrics: Mapping[str, float], side: LimbSide | str
) -> Assessment:
    """Copy video-derived metrics into a new assessment (unknown keys are ignored).

    Keys: ``cadence_spm``, ``overstride_cm``, ``trunk_lean_deg`` (whole body);
    ``fppa_deg`` (running FPPA), ``pelvic_drop_deg`` and ``fppa_sls_deg`` /
    ``fppa_step_down_deg`` / ``fppa_landing_deg`` (for ``side``); ``overstride`` (1 = yes,
    0 = no). Range checks apply exactly as for manual entry.
    """
    try:
        limb = LimbSide(side)
    except ValueError as exc:
        raise InvalidInput(
            f"side must be left or right (got {side!r})",
            field="side",
            allowed=[s.value for s in LimbSide],
            got=side,
        ) from exc
    for key, value in metrics.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise InvalidInput(
                f"video metric {key} must be a number", field=key, allowed="number", got=value
            )
    running_changes: dict[str, Any] = {
        k: float(metrics[k]) for k in _RUNNING_FLOAT_KEYS if k in metrics
    }
    if "overstride" in metrics:
        running_changes["overstride"] = bool(metrics["overstride"] >= 0.5)
    side_changes: dict[str, Any] = {
        name: float(metrics[k]) for k, name in _SIDE_KEYS.items() if k in metrics
    }
    movement_changes: dict[str, Any] = {
        k: float(metrics[k]) for k in _MOVEMENT_KEYS if k in metrics
    }
    measures = assessment.side(limb)
    if movement_changes:
        side_changes["movement"] = dataclasses.replace(measures.movement, **movement_changes)
    new_side = dataclasses.replace(measures, **side_changes) if side_changes else measures
    sides: dict[str, Any] = {limb.value: new_side}
    return dataclasses.replace(
        assessment,
        running=dataclasses.replace(assessment.running, **running_changes),
        **sides,
    )
