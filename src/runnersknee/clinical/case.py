"""The case model: what a patient (or clinician) reports at intake.

Every symptom and cause named in the seed article can be recorded here, together with the
red-flag and differential items of knowledge-base section 2 and the fields of section 9.2.
Values are plain, frozen dataclasses; numeric fields carry their unit in the name and their
allowed range beside them (see :func:`runnersknee.clinical._fields.bounded`).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from runnersknee.clinical._fields import asked, bounded, check_bounds
from runnersknee.clinical.errors import InvalidInput

__all__ = [
    "Activity",
    "BackAndBladder",
    "Case",
    "Circulation",
    "ContributingFactor",
    "Demographics",
    "ExamFindings",
    "InjuryMechanism",
    "KneeSide",
    "MechanicalSymptoms",
    "Onset",
    "OnsetKind",
    "PainQuality",
    "PainSite",
    "PainTiming",
    "QuestionnaireAnswers",
    "RunningHistory",
    "Sex",
    "Swelling",
    "SystemicSymptoms",
]

#: Lets pydantic (at the edges only) reject unknown keys when it builds these dataclasses.
_STRICT: dict[str, Any] = {"extra": "forbid"}


class Sex(StrEnum):
    """Sex recorded for reference values (e.g. hamstring cut-offs differ by sex)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class KneeSide(StrEnum):
    """Which knee hurts."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


class OnsetKind(StrEnum):
    """Insidious onset is typical of PFP; traumatic onset routes to section 2 (CONS-2016-1)."""

    INSIDIOUS = "insidious"
    TRAUMATIC = "traumatic"


class InjuryMechanism(StrEnum):
    """How a traumatic onset happened."""

    TWIST = "twist"
    FALL = "fall"
    DIRECT_BLOW = "direct_blow"
    OTHER = "other"


class PainSite(StrEnum):
    """Where the pain is (the location gate of knowledge-base section 2)."""

    AROUND_BEHIND_KNEECAP = "around_behind_kneecap"
    PATELLAR_TENDON_INFERIOR_POLE = "patellar_tendon_inferior_pole"
    TIBIAL_TUBEROSITY = "tibial_tuberosity"
    LATERAL_EPICONDYLE = "lateral_epicondyle"
    JOINT_LINE = "joint_line"
    HIP_GROIN_THIGH = "hip_groin_thigh"
    BACK = "back"


class Activity(StrEnum):
    """Activities that may provoke pain around or behind the kneecap (section 1.3)."""

    SQUATTING = "squatting"
    STAIRS_UP = "stairs_up"
    STAIRS_DOWN = "stairs_down"
    PROLONGED_SITTING = "prolonged_sitting"
    RISING_FROM_SITTING = "rising_from_sitting"
    RUNNING = "running"
    JUMPING = "jumping"
    KNEELING = "kneeling"


class PainQuality(StrEnum):
    """How the pain feels; the seed describes PFP as a dull ache."""

    DULL_ACHE = "dull_ache"
    SHARP = "sharp"
    BURNING = "burning"
    THROBBING = "throbbing"


class PainTiming(StrEnum):
    """When running-related pain comes on (seed: during or after running)."""

    DURING = "during"
    AFTER = "after"
    DURING_AND_AFTER = "during_and_after"
    NOT_RELATED = "not_related"


class Swelling(StrEnum):
    """Swelling as the patient reports it."""

    NONE = "none"
    SMALL_AFTER_ACTIVITY = "small_after_activity"
    WITHIN_2H_OF_INJURY = "within_2h_of_injury"
    WITHOUT_INJURY = "without_injury"
    PERSISTENT_LUMP = "persistent_lump"


class ContributingFactor(StrEnum):
    """The causes the seed names, as the patient or clinician sees them."""

    REPETITIVE_RUNNING_JUMPING = "repetitive_running_jumping"
    POOR_RUNNING_MECHANICS = "poor_running_mechanics"
    KNEECAP_MISALIGNMENT = "kneecap_misalignment"
    HIP_GLUTE_QUAD_IMBALANCE = "hip_glute_quad_imbalance"
    WEAK_CORE = "weak_core"
    FLAT_FEET = "flat_feet"
    IMPROPER_FOOTWEAR = "improper_footwear"
    RECENT_TRAINING_INCREASE = "recent_training_increase"


@dataclass(frozen=True, slots=True)
class Demographics:
    """Age, sex, height and mass."""

    __pydantic_config__ = _STRICT

    age_years: int = bounded(5, 110, "years", default=MISSING)
    sex: Sex = Sex.OTHER
    height_cm: float | None = bounded(80, 250, "cm")
    mass_kg: float | None = bounded(15, 300, "kg")

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class Onset:
    """How and when the problem started."""

    __pydantic_config__ = _STRICT

    kind: OnsetKind = OnsetKind.INSIDIOUS
    started_on: date | None = None
    mechanism: InjuryMechanism | None = None
    #: For a traumatic onset without an injury date: is the injury recent (acute, within
    #: 7 days)? ``None`` (not asked) counts as recent, so the acute-injury red flags fire
    #: unless someone says the injury is old. An injury date (``started_on``) decides instead.
    injury_is_recent: bool | None = None
    symptom_duration_months: float | None = bounded(0, 600, "months")

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class MechanicalSymptoms:
    """Crepitus, locking, giving way, instability (sections 1.1 and 2)."""

    __pydantic_config__ = _STRICT

    crepitus: bool = False
    locking: bool = False
    catching_clicking: bool = False
    giving_way: bool = False
    cannot_fully_straighten: bool = False
    patellar_dislocation_history: bool = False
    subluxation_sensation: bool = False
    acute_dislocation: bool = False
    knee_came_out_and_went_back: bool = asked(
        "After an injury, did your knee bend the wrong way or 'come out and go back in' "
        "(not only the kneecap)?"
    )


@dataclass(frozen=True, slots=True)
class SystemicSymptoms:
    """Red-flag answers: infection, tumour, inflammatory and neurological features."""

    __pydantic_config__ = _STRICT

    fever_or_unwell: bool = False
    hot_red_joint: bool = False
    immunocompromised: bool = False
    night_pain: bool = False
    night_sweats: bool = False
    unexplained_weight_loss: bool = False
    constant_pain_unrelated_to_load: bool = False
    pallor_or_easy_bruising: bool = False
    multiple_joints_affected: bool = False
    numbness_tingling_or_weakness: bool = False
    morning_stiffness_minutes: int | None = bounded(0, 1440, "min")
    limp: bool = False
    unable_to_bear_weight: bool = False
    pain_worse_over_time: bool = False
    cancer_history: bool = asked("Have you ever had cancer, or do you have cancer now?")

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class Circulation:
    """Blood-clot (deep vein thrombosis) and blood-supply warning signs (KB 11.1).

    The first five are signs in the leg; the rest are the clot risk factors of the Wells
    score that a patient can answer (Wells 2003), plus long travel (NICE NG158).
    """

    __pydantic_config__ = _STRICT

    calf_swelling: bool = asked("Is the calf (lower leg) on the painful side swollen?")
    calf_tenderness: bool = asked(
        "Is the calf on the painful side sore when you press or squeeze it?"
    )
    whole_leg_swollen: bool = asked("Is the whole leg swollen?")
    cold_pale_or_numb_foot: bool = asked("Is the foot on that side cold, pale or numb?")
    foot_drop: bool = asked(
        "Has it become hard to lift the front of your foot, so that it slaps or drags?"
    )
    long_travel: bool = asked(
        "Have you recently sat still on a long journey (more than 4 hours by plane, car, "
        "bus or train)?"
    )
    leg_in_cast_or_paralysed: bool = asked(
        "Has the leg recently been in a plaster cast, or is it paralysed or very weak?"
    )
    bed_rest_or_major_surgery: bool = asked(
        "Have you been in bed for more than 3 days, or had a major operation, in the last 12 weeks?"
    )
    previous_clot: bool = asked(
        "Have you ever had a blood clot in a leg (DVT) or in the lungs (pulmonary embolism)?"
    )
    active_cancer: bool = asked(
        "Are you being treated for cancer now, or were you treated in the last 6 months?"
    )


@dataclass(frozen=True, slots=True)
class BackAndBladder:
    """Warning signs of cauda equina syndrome (pressure on the nerves at the base of the spine)."""

    __pydantic_config__ = _STRICT

    saddle_numbness: bool = asked(
        "Is there numbness or tingling between your legs, around your bottom or genitals?"
    )
    new_bladder_or_bowel_change: bool = asked(
        "Have you newly had trouble passing urine, or leaked urine or stool without meaning to?"
    )
    both_legs_nerve_symptoms: bool = asked(
        "Do you have pain, numbness or weakness going down both legs from your back?"
    )
    new_sexual_dysfunction: bool = asked("Have you noticed a new change in sexual function?")


@dataclass(frozen=True, slots=True)
class ExamFindings:
    """Examination findings: clinician only, never asked of the patient.

    Ottawa items, bone-stress signs, the Wells items that need an examination and foot
    pulses. ``None`` means "not examined"; rules only fire on a recorded finding.
    """

    __pydantic_config__ = _STRICT

    isolated_patellar_tenderness: bool | None = None
    fibular_head_tenderness: bool | None = None
    cannot_flex_to_90: bool | None = None
    cannot_walk_4_steps: bool | None = None
    focal_bony_tenderness: bool | None = None
    pain_on_hopping: bool | None = None
    squat_reproduces_pain: bool | None = None
    patellar_facet_tenderness: bool | None = None
    pain_on_resisted_knee_extension: bool | None = None
    patellar_tilt_hypomobile: bool | None = None
    small_effusion: bool | None = None
    reduced_painful_hip_internal_rotation: bool | None = None
    calf_swelling_3cm_or_more: bool | None = asked(
        "Calf circumference 3 cm or more above the other side (10 cm below the tibial tuberosity)",
        clinician_only=True,
        default=None,
    )
    deep_vein_tenderness: bool | None = asked(
        "Localised tenderness along the deep venous system", clinician_only=True, default=None
    )
    pitting_oedema: bool | None = asked(
        "Pitting oedema confined to the symptomatic leg", clinician_only=True, default=None
    )
    collateral_superficial_veins: bool | None = asked(
        "Collateral superficial veins (non-varicose)", clinician_only=True, default=None
    )
    foot_pulses_weak_or_absent: bool | None = asked(
        "Dorsalis pedis or posterior tibial pulse weak or absent",
        clinician_only=True,
        default=None,
    )


@dataclass(frozen=True, slots=True)
class RunningHistory:
    """Running exposure, which the return-to-run planner and load rules use."""

    __pydantic_config__ = _STRICT

    runs: bool = True
    weekly_km: float | None = bounded(0, 400, "km")
    longest_run_30d_km: float | None = bounded(0, 250, "km")
    runs_per_week: int | None = bounded(0, 21, "runs")
    years_running: float | None = bounded(0, 80, "years")
    cadence_spm: float | None = bounded(100, 250, "steps/min")
    shoe_model: str | None = None
    shoe_age_km: float | None = bounded(0, 5000, "km")
    recent_load_spike: bool = False

    def __post_init__(self) -> None:
        check_bounds(self)


@dataclass(frozen=True, slots=True)
class QuestionnaireAnswers:
    """One administration of a questionnaire: item id → answer (option id or number)."""

    __pydantic_config__ = _STRICT

    instrument: str
    answers: dict[str, int | str] = field(default_factory=dict)
    version: str | None = None
    administered_on: date | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """Everything triage needs about one knee problem of one person."""

    __pydantic_config__ = _STRICT

    demographics: Demographics
    side: KneeSide = KneeSide.LEFT
    case_id: str | None = None
    onset: Onset = field(default_factory=Onset)
    pain_sites: frozenset[PainSite] = frozenset()
    provocative_activities: frozenset[Activity] = frozenset()
    pain_quality: PainQuality | None = None
    pain_timing: PainTiming | None = None
    #: The patient's knee pain at intake, 0-10 (recorded for the clinician; no rule reads it).
    pain_now_nprs: int | None = bounded(0, 10, "points")
    swelling: Swelling = Swelling.NONE
    mechanical: MechanicalSymptoms = field(default_factory=MechanicalSymptoms)
    systemic: SystemicSymptoms = field(default_factory=SystemicSymptoms)
    circulation: Circulation = field(default_factory=Circulation)
    back_and_bladder: BackAndBladder = field(default_factory=BackAndBladder)
    exam: ExamFindings = field(default_factory=ExamFindings)
    running: RunningHistory = field(default_factory=RunningHistory)
    contributing_factors: frozenset[ContributingFactor] = frozenset()
    questionnaires: tuple[QuestionnaireAnswers, ...] = ()
    pregnant_or_recent_surgery: bool = False
    notes: str | None = None
    #: The day the answers were given; the injury's age (``onset.started_on``) is counted to
    #: it. The services set it to the day of triage when a case does not carry it.
    recorded_on: date | None = None

    def __post_init__(self) -> None:
        started = self.onset.started_on
        if started is not None and self.recorded_on is not None and started > self.recorded_on:
            raise InvalidInput(
                f"the problem cannot start after the day of the answers ({self.recorded_on})",
                field="onset.started_on",
                got=started.isoformat(),
            )
        check_bounds(self)
