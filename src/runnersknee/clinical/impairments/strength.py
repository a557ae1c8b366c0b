"""Hand-held dynamometry: results normalised to body mass, LSI and weakness (KB 3.4)."""

from __future__ import annotations

from collections.abc import Iterator

from runnersknee.clinical.assessment import Assessment, LimbSide, StrengthTest
from runnersknee.clinical.case import Case, KneeSide
from runnersknee.clinical.impairments.model import (
    AssessmentThresholds,
    Impairment,
    ImpairmentKind,
    StrengthRow,
    make_impairment,
)

__all__ = ["involved_sides", "strength_findings", "strength_table"]


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


def strength_findings(
    case: Case, assessment: Assessment, limits: AssessmentThresholds
) -> Iterator[Impairment]:
    """Weakness where the involved side's LSI is below the limit (one painful side only)."""
    limit = limits.lsi_weak_below_pct
    for row in strength_table(case, assessment):
        if row.lsi_pct is None or row.lsi_pct >= limit.value:
            continue
        note = "Reference: LSI 71-79 % in PFP vs 93-101 % in controls (Robinson & Nee 2007)."
        if row.test is StrengthTest.HIP_ABDUCTION:
            note += f" HHD SEM {limits.hhd_sem_abduction_kg.value:g} kg (Piva 2006)."
        if row.test is StrengthTest.HIP_EXTERNAL_ROTATION:
            note += f" HHD SEM {limits.hhd_sem_external_rotation_kg.value:g} kg (Piva 2006)."
        yield make_impairment(
            _WEAKNESS[row.test],
            f"LSI {row.lsi_pct:.0f} %",
            row.side,
            round(row.lsi_pct, 1),
            "%",
            limit,
            citations=_STRENGTH_SOURCES[row.test] + ("PIVA-2006",),
            note=note,
        )
