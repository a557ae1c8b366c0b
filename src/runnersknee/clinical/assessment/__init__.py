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

This package's public face: import the names from here. The tests of one side are in
:mod:`.side_tests`, the whole record in :mod:`.record`, video metrics in :mod:`.video`.
"""

from __future__ import annotations

from runnersknee.clinical.assessment.record import (
    Assessment,
    FootStrike,
    Footwear,
    Function,
    LimbSide,
    Running,
    SideMeasures,
    Symptoms,
)
from runnersknee.clinical.assessment.side_tests import (
    FootPosture,
    ForceUnit,
    HhdMeasurement,
    KneeMedialPosition,
    Movement,
    PatellarMobility,
    SideFlexibility,
    SingleLegSquat,
    SlsRating,
    StepDown,
    StrengthTest,
)
from runnersknee.clinical.assessment.video import apply_video_metrics

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
