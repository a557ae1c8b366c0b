"""Shared builders for the assessment/plan tests: a small exercise library and cases.

The library is built here (not loaded) so the generator is tested independently of the
content library; every target tag of the shared vocabulary appears at least once.
"""

from __future__ import annotations

from runnersknee.clinical.assessment import (
    Assessment,
    FootPosture,
    Function,
    HhdMeasurement,
    Movement,
    Running,
    SideFlexibility,
    SideMeasures,
    SingleLegSquat,
    SlsRating,
    StepDown,
    StrengthTest,
)
from runnersknee.clinical.case import (
    Activity,
    Case,
    Demographics,
    KneeSide,
    PainSite,
    RunningHistory,
    Sex,
)
from runnersknee.clinical.exercises import Component, Dose, Exercise, Phase

__all__ = ["TestTriage", "assessed", "library", "make_case", "make_exercise"]

P1, P2, P3, P4 = Phase.ISOMETRIC, Phase.ISOTONIC, Phase.FUNCTIONAL, Phase.PLYOMETRIC_RUNNING


class TestTriage:
    """A stand-in triage result with the attributes the generator reads."""

    __test__ = False

    def __init__(self, level: str = "plan") -> None:
        self.level = level
        self.plan_allowed = level == "plan"
        self.reasons = ()


def make_exercise(
    ex_id: str,
    component: Component,
    phases: tuple[Phase, ...],
    targets: tuple[str, ...],
    *,
    contraindications: tuple[str, ...] = (),
    progression_id: str | None = None,
    regression_id: str | None = None,
    equipment: tuple[str, ...] = (),
    verified: bool = True,
) -> Exercise:
    """An exercise with a plain dose and a citation."""
    return Exercise(
        id=ex_id,
        name=ex_id.replace("_", " ").capitalize(),
        component=component,
        phases=phases,
        targets=targets,
        equipment=equipment,
        setup="Set up.",
        steps=("Do it.",),
        cues=("Cue.",),
        common_errors=("Error.",),
        dose=Dose(sets=3, reps=10, per_week=3, citation_ids=("CONS-2018",), verified=verified),
        citation_ids=("CONS-2018",),
        progression_id=progression_id,
        regression_id=regression_id,
        contraindications=contraindications,
    )


def library() -> dict[str, Exercise]:
    """A small library covering every target tag and phase, with links."""
    s, t, g, f, m = (
        Component.STRENGTHENING,
        Component.STRETCHING,
        Component.GAIT_RETRAINING,
        Component.FOOTWEAR_ORTHOSES,
        Component.PAIN_MANAGEMENT,
    )
    exercises = [
        make_exercise("quad_isometric", s, (P1, P2), ("quadriceps",), progression_id="wall_squat"),
        make_exercise(
            "wall_squat",
            s,
            (P2, P3),
            ("quadriceps",),
            regression_id="quad_isometric",
            progression_id="lunge",
            contraindications=("pain_with_deep_knee_flexion",),
        ),
        make_exercise(
            "lunge",
            s,
            (P3, P4),
            ("quadriceps", "hip_extensors"),
            regression_id="wall_squat",
            contraindications=("poor_step_down_control",),
        ),
        make_exercise(
            "step_down",
            s,
            (P3,),
            ("quadriceps", "hip_abductors"),
            contraindications=("irritable_knee", "poor_step_down_control"),
        ),
        make_exercise("hip_abd_iso", s, (P1,), ("hip_abductors",), progression_id="side_lying_abd"),
        make_exercise(
            "side_lying_abd", s, (P2, P3), ("hip_abductors",), regression_id="hip_abd_iso"
        ),
        make_exercise("clamshell", s, (P1, P2), ("hip_external_rotators",)),
        make_exercise("bridge", s, (P1, P2, P3), ("hip_extensors",)),
        make_exercise("side_plank", s, (P2, P3), ("core", "hip_abductors")),
        make_exercise(
            "calf_raise", s, (P2, P3, P4), ("calf",), contraindications=("calf_achilles_symptoms",)
        ),
        make_exercise(
            "hops",
            s,
            (P4,),
            ("quadriceps", "calf"),
            contraindications=("irritable_knee", "pregnancy_or_recent_surgery"),
        ),
        make_exercise("band_walk", s, (P2, P3), ("hip_abductors",), equipment=("band",)),
        make_exercise("hamstring_stretch", t, (P1, P2, P3, P4), ("hamstrings_stretch",)),
        make_exercise("calf_stretch", t, (P1, P2, P3, P4), ("calf_stretch",)),
        make_exercise(
            "quad_stretch",
            t,
            (P2, P3, P4),
            ("quadriceps_stretch",),
            contraindications=("pain_with_deep_knee_flexion",),
        ),
        make_exercise("hip_flexor_stretch", t, (P1, P2, P3, P4), ("hip_flexor_stretch",)),
        make_exercise(
            "cadence_cue", g, (P2, P3, P4), ("cadence",), contraindications=("not_running",)
        ),
        make_exercise(
            "hip_drop_mirror",
            g,
            (P2, P3, P4),
            ("hip_drop_cue",),
            contraindications=("not_running",),
        ),
        make_exercise(
            "shorter_steps", g, (P2, P3, P4), ("step_length",), contraindications=("not_running",)
        ),
        make_exercise(
            "forefoot_strike",
            g,
            (P3, P4),
            ("foot_strike",),
            contraindications=("not_running", "calf_achilles_symptoms"),
        ),
        make_exercise("prefab_orthoses", f, (P1, P2, P3, P4), ("orthoses",)),
        make_exercise("footwear_check", f, (P1, P2, P3, P4), ("footwear",)),
        make_exercise("patellar_taping", m, (P1, P2, P3), ("taping",)),
        make_exercise("ice_comfort", m, (P1, P2, P3, P4), ("pain_self_management",)),
    ]
    return {ex.id: ex for ex in exercises}


def make_case(
    *,
    side: KneeSide = KneeSide.LEFT,
    sex: Sex = Sex.FEMALE,
    age: int = 28,
    runs: bool = True,
    mass_kg: float | None = 60.0,
    pregnant: bool = False,
    weekly_km: float | None = None,
) -> Case:
    """A PFP-probable case (pain around the kneecap, squatting and running provoke it)."""
    return Case(
        demographics=Demographics(age_years=age, sex=sex, height_cm=165, mass_kg=mass_kg),
        side=side,
        case_id="test-case",
        pain_sites=frozenset({PainSite.AROUND_BEHIND_KNEECAP}),
        provocative_activities=frozenset({Activity.SQUATTING, Activity.RUNNING}),
        running=RunningHistory(
            runs=runs, weekly_km=(30 if weekly_km is None else weekly_km) if runs else None
        ),
        pregnant_or_recent_surgery=pregnant,
    )


def assessed(
    *,
    usual_pain: float | None = 2.0,
    worst_pain: float | None = 3.0,
    step_down: int | None = 3,
    abd_left_n: float = 148.0,
    abd_right_n: float = 200.0,
    fppa_sls: float | None = 17.0,
    cadence: float | None = 160.0,
    fpi6: int | None = 3,
    ake: float | None = None,
    fppa_running: float | None = None,
    pelvic_drop_seen: bool | None = None,
) -> Assessment:
    """A left-sided runner with hip abductor weakness, high FPPA and low cadence by default."""
    movement = Movement(
        sls=SingleLegSquat(overall=SlsRating.POOR, pelvis_ok=False, knee_ok=False),
        step_down=StepDown(score=step_down) if step_down is not None else None,
        fppa_sls_deg=fppa_sls,
    )
    left = SideMeasures(
        movement=movement,
        strength=(
            HhdMeasurement(test=StrengthTest.HIP_ABDUCTION, force=abd_left_n, lever_arm_m=0.8),
        ),
        flexibility=SideFlexibility(hamstring_ake_deg=ake),
        foot=FootPosture(fpi6_total=fpi6),
        fppa_running_deg=fppa_running,
    )
    right = SideMeasures(
        strength=(
            HhdMeasurement(test=StrengthTest.HIP_ABDUCTION, force=abd_right_n, lever_arm_m=0.8),
        ),
        foot=FootPosture(fpi6_total=fpi6),
    )
    return Assessment(
        left=left,
        right=right,
        running=Running(cadence_spm=cadence, pelvic_drop_excessive=pelvic_drop_seen),
        function=Function(usual_pain_nprs=usual_pain, worst_pain_nprs=worst_pain, akps_total=72),
    )
