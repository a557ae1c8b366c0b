"""One assessment: both sides' measures, running, footwear, function and symptoms."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from runnersknee.clinical._fields import bounded, check_bounds
from runnersknee.clinical.assessment.side_tests import (
    STRICT,
    FootPosture,
    HhdMeasurement,
    Movement,
    PatellarMobility,
    SideFlexibility,
    StrengthTest,
)
from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "Assessment",
    "FootStrike",
    "Footwear",
    "Function",
    "LimbSide",
    "Running",
    "SideMeasures",
    "Symptoms",
]


class LimbSide(StrEnum):
    """The side of a unilateral measurement."""

    LEFT = "left"
    RIGHT = "right"


class FootStrike(StrEnum):
    """Foot-strike pattern in running."""

    REARFOOT = "rearfoot"
    MIDFOOT = "midfoot"
    FOREFOOT = "forefoot"


@dataclass(frozen=True, slots=True)
class SideMeasures:
    """Everything measured on one side."""

    __pydantic_config__ = STRICT

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

    __pydantic_config__ = STRICT

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

    __pydantic_config__ = STRICT

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

    __pydantic_config__ = STRICT

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

    __pydantic_config__ = STRICT

    calf_achilles_symptoms: bool = False
    pain_with_deep_knee_flexion: bool = False


@dataclass(frozen=True, slots=True)
class Assessment:
    """One physical-therapy assessment of one patient."""

    __pydantic_config__ = STRICT

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
