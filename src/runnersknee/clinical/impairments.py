"""Assessment interpretation: measured values → impairments, each with its source.

Every rule compares a value with a :class:`Threshold` that names its citations and whether
the knowledge base verified it (``verified = False`` → a configurable default that needs
clinical review). Thresholds come from ``content/data/assessment/thresholds.toml``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from runnersknee.clinical.assessment import Assessment, LimbSide, SideMeasures, StrengthTest
from runnersknee.clinical.case import Case, KneeSide, Sex

__all__ = [
    "AssessmentThresholds",
    "Impairment",
    "ImpairmentKind",
    "StrengthRow",
    "Threshold",
    "interpret",
    "involved_sides",
    "strength_table",
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


_WEAKNESS = {
    StrengthTest.HIP_ABDUCTION: ImpairmentKind.HIP_ABDUCTOR_WEAKNESS,
    StrengthTest.HIP_EXTERNAL_ROTATION: ImpairmentKind.HIP_EXTERNAL_ROTATOR_WEAKNESS,
    StrengthTest.HIP_EXTENSION: ImpairmentKind.HIP_EXTENSOR_WEAKNESS,
    StrengthTest.KNEE_EXTENSION: ImpairmentKind.QUADRICEPS_WEAKNESS,
}
_STRENGTH_SOURCES = {
    StrengthTest.HIP_ABDUCTION: ("ROBINSON-NEE-2007", "IRELAND-2003", "VAN-CANT-2014"),
    StrengthTest.HIP_EXTERNAL_ROTATION: ("ROBINSON-NEE-2007", "IRELAND-2003", "VAN-CANT-2014"),
    StrengthTest.HIP_EXTENSION: ("ROBINSON-NEE-2007", "VAN-CANT-2014"),
    StrengthTest.KNEE_EXTENSION: ("NEAL-2019-RISK",),
}


def involved_sides(case: Case) -> tuple[LimbSide, ...]:
    """The painful side(s) of the case."""
    if case.side is KneeSide.BOTH:
        return (LimbSide.LEFT, LimbSide.RIGHT)
    return (LimbSide(case.side.value),)


def _body_mass(case: Case, assessment: Assessment) -> float | None:
    return assessment.body_mass_kg or case.demographics.mass_kg


def strength_table(case: Case, assessment: Assessment) -> tuple[StrengthRow, ...]:
    """Every HHD result normalised to body mass, with the LSI on the involved side.

    ``LSI = involved / uninvolved × 100`` is only defined for one painful side.
    """
    mass = _body_mass(case, assessment)
    involved = involved_sides(case)
    rows: list[StrengthRow] = []
    for side in (LimbSide.LEFT, LimbSide.RIGHT):
        for measure in assessment.side(side).strength:
            lsi = None
            if len(involved) == 1 and side is involved[0]:
                other = _other(side)
                reference = assessment.side(other).strength_of(measure.test)
                if reference is not None and reference.force_n > 0:
                    lsi = measure.force_n / reference.force_n * 100.0
            rows.append(
                StrengthRow(
                    test=measure.test,
                    side=side,
                    force_n=measure.force_n,
                    force_kg=measure.force_kg,
                    percent_body_weight=measure.percent_body_weight(mass) if mass else None,
                    torque_nm_per_kg=measure.torque_nm_per_kg(mass) if mass else None,
                    lsi_pct=lsi,
                )
            )
    return tuple(rows)


def _other(side: LimbSide) -> LimbSide:
    return LimbSide.RIGHT if side is LimbSide.LEFT else LimbSide.LEFT


def _make(  # noqa: PLR0917 - one call shape for every rule
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
    where = f", {side.value}" if side else ""
    shown = f", {text}" if text else ""
    cites = tuple(dict.fromkeys(citations + (threshold.citation_ids if threshold else ())))
    notes = " ".join(part for part in (note, threshold.note if threshold else "") if part)
    return Impairment(
        kind=kind,
        label=f"{kind.value.replace('_', ' ')}{where}{shown}",
        side=side,
        value=value,
        unit=unit,
        threshold=threshold.value if threshold else None,
        verified=(threshold.verified if threshold else True) if verified is None else verified,
        citation_ids=cites,
        note=notes,
        task=task,
    )


def _strength(
    case: Case, assessment: Assessment, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    limit = limits.lsi_weak_below_pct
    for row in strength_table(case, assessment):
        if row.lsi_pct is None or row.lsi_pct >= limit.value:
            continue
        note = "Reference: LSI 71-79 % in PFP vs 93-101 % in controls (Robinson & Nee 2007)."
        if row.test is StrengthTest.HIP_ABDUCTION:
            note += f" HHD SEM {limits.hhd_sem_abduction_kg.value:g} kg (Piva 2006)."
        if row.test is StrengthTest.HIP_EXTERNAL_ROTATION:
            note += f" HHD SEM {limits.hhd_sem_external_rotation_kg.value:g} kg (Piva 2006)."
        yield _make(
            _WEAKNESS[row.test],
            f"LSI {row.lsi_pct:.0f} %",
            row.side,
            round(row.lsi_pct, 1),
            "%",
            limit,
            citations=_STRENGTH_SOURCES[row.test] + ("PIVA-2006",),
            note=note,
        )


def _fppa_note(limits: AssessmentThresholds) -> str:
    error = limits.fppa_measurement_error_deg.value
    return (
        "2D FPPA: SEM 2-4 deg (Gwynne 2014); a change under about "
        f"{error:g} deg is within measurement error (Munro 2012). Reference only: SLS PFP "
        "16.8 +/- 5.4 deg vs controls 8.4 +/- 5.1 deg (Herrington 2014)."
    )


def _movement(
    side: LimbSide, measures: SideMeasures, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    movement = measures.movement
    if movement.sls is not None and movement.sls.overall.value != "good":
        failed = ", ".join(movement.sls.failed_criteria())
        yield _make(
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
        yield _make(
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
            yield _make(
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


def _flexibility(
    side: LimbSide, measures: SideMeasures, sex: Sex, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    flex = measures.flexibility
    ake = _ake_limit(sex, limits)
    if flex.hamstring_ake_deg is not None and flex.hamstring_ake_deg > ake.value:
        yield _make(
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
        yield _make(
            ImpairmentKind.RESTRICTED_DORSIFLEXION,
            f"weight-bearing lunge {flex.weight_bearing_lunge_cm:g} cm",
            side,
            flex.weight_bearing_lunge_cm,
            "cm",
            wblt,
            citations=("POWDEN-2015",),
        )
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
            yield _make(
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


def _foot_and_knee(
    side: LimbSide, measures: SideMeasures, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    foot = measures.foot
    if foot.fpi6_total is not None and foot.fpi6_total >= limits.fpi6_pronated_min.value:
        yield _make(
            ImpairmentKind.PRONATED_FOOT,
            f"FPI-6 {foot.fpi6_total:+d} ({foot.fpi6_category})",
            side,
            float(foot.fpi6_total),
            "points",
            limits.fpi6_pronated_min,
        )
    drop = limits.navicular_drop_excessive_above_mm
    if foot.navicular_drop_mm is not None and foot.navicular_drop_mm > drop.value:
        yield _make(
            ImpairmentKind.EXCESSIVE_NAVICULAR_DROP,
            f"navicular drop {foot.navicular_drop_mm:g} mm",
            side,
            foot.navicular_drop_mm,
            "mm",
            drop,
        )
    if measures.patellar_tilt_hypomobile:
        yield _make(
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


def _trunk_and_running(
    side: LimbSide, measures: SideMeasures, sex: Sex, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    bridge = _side_bridge_limit(sex, limits)
    if measures.side_bridge_s is not None and measures.side_bridge_s < bridge.value:
        yield _make(
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
        yield _make(
            ImpairmentKind.EXCESSIVE_PELVIC_DROP,
            f"contralateral pelvic drop {measures.pelvic_drop_deg:g} deg",
            side,
            measures.pelvic_drop_deg,
            "deg",
            drop,
            citations=("BRAMAH-2018",),
            task="running",
        )


def _running(
    case: Case, assessment: Assessment, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    running = assessment.running
    cadence = running.cadence_spm
    low = limits.cadence_low_at_or_below_spm
    if case.running.runs and cadence is not None and cadence <= low.value:
        yield _make(
            ImpairmentKind.LOW_CADENCE, f"{cadence:g} steps/min", None, cadence, "steps/min", low
        )
    if running.pelvic_drop_excessive:
        yield _make(
            ImpairmentKind.EXCESSIVE_PELVIC_DROP,
            "visible in running (clinician judgement)",
            None,
            None,
            "",
            None,
            citations=("BRAMAH-2018", "NEAL-2016-GAIT"),
            verified=False,
            note=(
                "No validated cut-off; each 1 deg more drop raised the odds of injury "
                "(Bramah 2018)."
            ),
            task="running",
        )
    if running.overstride:
        yield _make(
            ImpairmentKind.OVERSTRIDING,
            "foot lands well ahead of the body (clinician judgement)",
            None,
            running.overstride_cm,
            "cm" if running.overstride_cm is not None else "",
            None,
            citations=("WILLSON-2014",),
            verified=False,
        )


_SideRule = Callable[[LimbSide, SideMeasures, Sex, AssessmentThresholds], Iterator[Impairment]]


def interpret(
    case: Case, assessment: Assessment, thresholds: AssessmentThresholds
) -> tuple[Impairment, ...]:
    """All impairments of ``assessment``, in a stable order (strength, then per side, then gait)."""
    sex = case.demographics.sex
    found: list[Impairment] = list(_strength(case, assessment, thresholds))
    rules: tuple[_SideRule, ...] = (
        lambda s, m, _x, t: _movement(s, m, t),
        _flexibility,
        lambda s, m, _x, t: _foot_and_knee(s, m, t),
        _trunk_and_running,
    )
    for side in (LimbSide.LEFT, LimbSide.RIGHT):
        measures = assessment.side(side)
        for rule in rules:
            found.extend(rule(side, measures, sex, thresholds))
    found.extend(_running(case, assessment, thresholds))
    return tuple(found)
