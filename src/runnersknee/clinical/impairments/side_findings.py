"""Per-side findings: movement control, flexibility, foot and knee, trunk and running (KB 3)."""

from __future__ import annotations

from collections.abc import Iterator

from runnersknee.clinical.assessment import LimbSide, SideMeasures
from runnersknee.clinical.case import Sex
from runnersknee.clinical.impairments.model import (
    AssessmentThresholds,
    Impairment,
    ImpairmentKind,
    Threshold,
    make_impairment,
)

__all__ = [
    "flexibility_findings",
    "foot_and_knee_findings",
    "movement_findings",
    "trunk_and_running_findings",
]


def _fppa_note(limits: AssessmentThresholds) -> str:
    error = limits.fppa_measurement_error_deg.value
    return (
        "2D FPPA: SEM 2-4 deg (Gwynne 2014); a change under about "
        f"{error:g} deg is within measurement error (Munro 2012). Reference only: SLS PFP "
        "16.8 +/- 5.4 deg vs controls 8.4 +/- 5.1 deg (Herrington 2014)."
    )


def movement_findings(
    side: LimbSide, measures: SideMeasures, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    movement = measures.movement
    if movement.sls is not None and movement.sls.overall.value != "good":
        failed = ", ".join(c.replace("_", " ") for c in movement.sls.failed_criteria())
        yield make_impairment(
            ImpairmentKind.POOR_SLS_CONTROL,
            f"rated {movement.sls.overall.value}" + (f" ({failed})" if failed else ""),
            side,
            None,
            "",
            None,
            citations=("CROSSLEY-2011-SLS",),
            verified=False,
            note="Rating verified; its link to hip abductor function is an unverified detail.",
        )
    if movement.step_down is not None and movement.step_down.band != "good":
        band = movement.step_down.band
        yield make_impairment(
            ImpairmentKind.REDUCED_STEP_DOWN_CONTROL,
            f"score {movement.step_down.total}/6 ({band})",
            side,
            float(movement.step_down.total),
            "points",
            None,
            citations=("PIVA-2006",),
            note="Bands: 0-1 good, 2-3 moderate, 4 or more poor (Piva 2006).",
        )
    tasks = (
        ("single-leg squat", movement.fppa_sls_deg, limits.fppa_sls_high_above_deg),
        ("step-down", movement.fppa_step_down_deg, limits.fppa_step_down_high_above_deg),
        ("landing", movement.fppa_landing_deg, limits.fppa_landing_high_above_deg),
        ("running", measures.fppa_running_deg, limits.fppa_running_high_above_deg),
    )
    for task, angle, limit in tasks:
        if angle is not None and limit is not None and angle > limit.value:
            yield make_impairment(
                ImpairmentKind.DYNAMIC_KNEE_VALGUS,
                f"FPPA {angle:g} deg on {task}",
                side,
                angle,
                "deg",
                limit,
                citations=("HERRINGTON-2014", "MUNRO-2012", "GWYNNE-2014"),
                note=_fppa_note(limits),
                task=task,
            )


_JUDGED = "No validated cut-off in the knowledge base; recorded as the clinician judged it."


def _by_sex(sex: Sex, male: Threshold, female: Threshold, other: Threshold) -> Threshold:
    """The threshold for ``sex`` (reference values differ by sex, KB 3.5 and 3.8)."""
    return male if sex is Sex.MALE else female if sex is Sex.FEMALE else other


def _ake_limit(sex: Sex, limits: AssessmentThresholds) -> Threshold:
    return _by_sex(
        sex,
        limits.hamstring_ake_tight_male_above_deg,
        limits.hamstring_ake_tight_female_above_deg,
        limits.hamstring_ake_tight_other_above_deg,
    )


def flexibility_findings(
    side: LimbSide, measures: SideMeasures, sex: Sex, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    """Measured deficits first (AKE, weight-bearing lunge), then the clinician's judgements."""
    yield from _measured_flexibility(side, measures, sex, limits)
    yield from _judged_flexibility(side, measures)


def _measured_flexibility(
    side: LimbSide, measures: SideMeasures, sex: Sex, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    flex = measures.flexibility
    ake = _ake_limit(sex, limits)
    if flex.hamstring_ake_deg is not None and flex.hamstring_ake_deg > ake.value:
        yield make_impairment(
            ImpairmentKind.HAMSTRING_TIGHTNESS,
            f"AKE {flex.hamstring_ake_deg:g} deg",
            side,
            flex.hamstring_ake_deg,
            "deg",
            ake,
            citations=("GAJDOSIK-1983",),
        )
    wblt = limits.wblt_restricted_below_cm
    if flex.weight_bearing_lunge_cm is not None and flex.weight_bearing_lunge_cm < wblt.value:
        yield make_impairment(
            ImpairmentKind.RESTRICTED_DORSIFLEXION,
            f"weight-bearing lunge {flex.weight_bearing_lunge_cm:g} cm",
            side,
            flex.weight_bearing_lunge_cm,
            "cm",
            wblt,
            citations=("POWDEN-2015",),
        )


def _judged_flexibility(side: LimbSide, measures: SideMeasures) -> Iterator[Impairment]:
    """Restrictions the clinician judged (no validated cut-off in the knowledge base)."""
    flex = measures.flexibility
    judged = (
        (
            flex.quadriceps_restricted,
            ImpairmentKind.QUADRICEPS_TIGHTNESS,
            "prone knee bend",
            ("PIVA-2005",),
        ),
        (
            flex.gastrocnemius_restricted,
            ImpairmentKind.GASTROCNEMIUS_TIGHTNESS,
            "knee straight",
            ("PIVA-2005",),
        ),
        (flex.soleus_restricted, ImpairmentKind.SOLEUS_TIGHTNESS, "knee bent", ("PIVA-2005",)),
        (
            flex.ober_positive,
            ImpairmentKind.ITB_TFL_TIGHTNESS,
            "Ober test positive",
            ("PIVA-2006", "PIVA-2005"),
        ),
        (
            flex.thomas_hip_flexor_tight,
            ImpairmentKind.HIP_FLEXOR_TIGHTNESS,
            "Thomas test",
            ("BMJ-BP-ITBS",),
        ),
        (
            flex.thomas_rectus_femoris_tight,
            ImpairmentKind.RECTUS_FEMORIS_TIGHTNESS,
            "Thomas test",
            ("BMJ-BP-ITBS",),
        ),
    )
    for flag, kind, text, cites in judged:
        if flag:
            yield make_impairment(
                kind,
                f"{text} (clinician judgement)",
                side,
                None,
                "",
                None,
                citations=cites,
                verified=False,
                note=_JUDGED,
            )


def foot_and_knee_findings(
    side: LimbSide, measures: SideMeasures, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    foot = measures.foot
    if foot.fpi6_total is not None and foot.fpi6_total >= limits.fpi6_pronated_min.value:
        yield make_impairment(
            ImpairmentKind.PRONATED_FOOT,
            f"FPI-6 {foot.fpi6_total:+d} ({foot.fpi6_category})",
            side,
            float(foot.fpi6_total),
            "points",
            limits.fpi6_pronated_min,
        )
    drop = limits.navicular_drop_excessive_above_mm
    if foot.navicular_drop_mm is not None and foot.navicular_drop_mm > drop.value:
        yield make_impairment(
            ImpairmentKind.EXCESSIVE_NAVICULAR_DROP,
            f"navicular drop {foot.navicular_drop_mm:g} mm",
            side,
            foot.navicular_drop_mm,
            "mm",
            drop,
        )
    if measures.patellar_tilt_hypomobile:
        yield make_impairment(
            ImpairmentKind.PATELLAR_HYPOMOBILITY,
            "patellar tilt test hypomobile",
            side,
            None,
            "",
            None,
            citations=("CPG-2019", "NUNES-2013", "HAIM-2006"),
            note="Supports the diagnosis (grade C); low sensitivity.",
        )


def _side_bridge_limit(sex: Sex, limits: AssessmentThresholds) -> Threshold:
    return _by_sex(
        sex,
        limits.side_bridge_low_male_below_s,
        limits.side_bridge_low_female_below_s,
        limits.side_bridge_low_other_below_s,
    )


def trunk_and_running_findings(
    side: LimbSide, measures: SideMeasures, sex: Sex, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    bridge = _side_bridge_limit(sex, limits)
    if measures.side_bridge_s is not None and measures.side_bridge_s < bridge.value:
        yield make_impairment(
            ImpairmentKind.LOW_LATERAL_TRUNK_ENDURANCE,
            f"side bridge {measures.side_bridge_s:g} s",
            side,
            measures.side_bridge_s,
            "s",
            bridge,
            citations=("MCGILL-1999", "SCHMITZ-2014"),
            verified=False,
            note=(
                "Screening only: the cut-off is a healthy-population average (McGill 1999), so "
                "about half of healthy people fall below it; low weight in the plan."
            ),
        )
    drop = limits.pelvic_drop_high_above_deg
    if (
        measures.pelvic_drop_deg is not None
        and drop is not None
        and measures.pelvic_drop_deg > drop.value
    ):
        yield make_impairment(
            ImpairmentKind.EXCESSIVE_PELVIC_DROP,
            f"contralateral pelvic drop {measures.pelvic_drop_deg:g} deg",
            side,
            measures.pelvic_drop_deg,
            "deg",
            drop,
            citations=("BRAMAH-2018",),
            task="running",
        )
