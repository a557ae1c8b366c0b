"""The names a triage condition may read from a :class:`~runnersknee.clinical.case.Case`.

Besides the case's own attribute paths: aliases (``age_years``, ``sex`` ...) and computed
values (``injury_age_days``, ``wells_dvt_score``, ``akps_reports_patellar_instability``).
"""

from __future__ import annotations

import operator

from runnersknee.clinical.case import Case, OnsetKind, Sex
from runnersknee.clinical.condition_schema import ComputedName, Getter, Schema

__all__ = ["CASE_SCHEMA", "wells_dvt_score"]


def _case_schema() -> Schema:
    age: Getter = operator.attrgetter("demographics.age_years")
    return Schema(
        Case,
        {
            "age_years": ComputedName(age, "number", doc="demographics.age_years"),
            "sex": ComputedName(
                operator.attrgetter("demographics.sex"), "enum", enum=Sex, doc="demographics.sex"
            ),
            "symptom_duration_months": ComputedName(
                operator.attrgetter("onset.symptom_duration_months"),
                "number",
                optional=True,
                doc="onset.symptom_duration_months",
            ),
            "onset_kind": ComputedName(
                operator.attrgetter("onset.kind"), "enum", enum=OnsetKind, doc="onset.kind"
            ),
            "traumatic_onset": ComputedName(
                lambda case: case.onset.kind is OnsetKind.TRAUMATIC,
                "bool",
                doc="onset.kind == traumatic",
            ),
            "injury_age_days": ComputedName(
                _injury_age_days,
                "number",
                optional=True,
                doc="days from onset.started_on to recorded_on (unknown unless both are given)",
            ),
            "wells_dvt_score": ComputedName(
                wells_dvt_score,
                "number",
                doc="Wells DVT score from the items an intake holds (Wells 2003; see docs)",
            ),
            "akps_reports_patellar_instability": ComputedName(
                _akps_reports_instability,
                "bool",
                doc="an AKPS answer on item 11 other than 'none' (kneecap slips or dislocates)",
            ),
            "provocative_activity_count": ComputedName(
                lambda case: len(case.provocative_activities),
                "number",
                doc="number of provocative activities",
            ),
        },
    )


def _injury_age_days(case: Case) -> int | None:
    started, recorded = case.onset.started_on, case.recorded_on
    if started is None or recorded is None:
        return None
    return (recorded - started).days


def wells_dvt_score(case: Case) -> int:
    """The Wells DVT score (Wells 2003) from the items the case holds; 0 to 9.

    One point each: active cancer; paralysis, paresis or recent plaster cast of the leg; bed
    rest over 3 days or major surgery within 12 weeks; localised deep-vein tenderness (the
    patient's calf tenderness or the clinician's finding); whole leg swollen; calf swelling
    of 3 cm or more (the clinician's measurement when recorded, else the patient's report of
    a swollen calf); pitting oedema; collateral superficial veins; previous DVT or PE. The
    "alternative diagnosis at least as likely" item (-2) needs clinical judgement and is not
    held, so this score can only over-estimate the probability.
    """
    leg, exam = case.circulation, case.exam
    calf_swelling = (
        leg.calf_swelling
        if exam.calf_swelling_3cm_or_more is None
        else exam.calf_swelling_3cm_or_more
    )
    items = (
        leg.active_cancer,
        leg.leg_in_cast_or_paralysed,
        leg.bed_rest_or_major_surgery,
        leg.calf_tenderness or exam.deep_vein_tenderness is True,
        leg.whole_leg_swollen,
        calf_swelling,
        exam.pitting_oedema is True,
        exam.collateral_superficial_veins is True,
        leg.previous_clot,
    )
    return sum(1 for item in items if item)


#: AKPS item 11 (patellar subluxation/dislocation) answers that report no instability: the
#: option id, or its points (10), as a case file may give either (knowledge base 4.1).
_AKPS_NO_INSTABILITY = ("none", 10, "10")


def _akps_reports_instability(case: Case) -> bool:
    """True when any AKPS administration reports kneecap slipping or dislocation (KB 4.1, 2)."""
    return any(
        entry.instrument == "akps"
        and entry.answers.get("patellar_subluxation", "none") not in _AKPS_NO_INSTABILITY
        for entry in case.questionnaires
    )


#: The schema of :class:`Case` with its computed names (``age_years`` ...).
CASE_SCHEMA = _case_schema()
