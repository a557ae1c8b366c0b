"""The FHIR R4B bundle: validated resources, a round trip, codes from content, reversible ids."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from runnersknee.content.codes import load_codes
from runnersknee.content.review import render_review_markdown
from runnersknee.fhir.bundle import _validated, build_bundle, bundle_json, parse_bundle
from runnersknee.fhir.record import (
    Administration,
    InstrumentForm,
    PatientRecord,
    PlanActivity,
    PlanSummary,
    QuestionItem,
    RunEntry,
    measures_of,
)
from runnersknee.services.care.case_io import load_case_document
from runnersknee.services.care.planning import parse_assessment

CASE = Path(__file__).resolve().parents[3] / "examples/assessed/female-runner-hip-weakness.yaml"
SIGNED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def record() -> PatientRecord:
    assessment = parse_assessment(load_case_document(CASE)["assessment"])
    akps = InstrumentForm(
        "akps",
        "Kujala",
        "v1",
        (
            QuestionItem(
                "limp",
                "Do you limp?",
                "choice",
                (("none", "No limp"), ("constant", "All the time")),
            ),
        ),
    )
    return PatientRecord(
        patient_id=7,
        display_name="Ann Example",
        birth_year=1990,
        sex="female",
        knee_side="left",
        intake_on=date(2026, 3, 1),
        triage_level="plan",
        pfp_probable=True,
        triage_reasons=("Pain around the kneecap on loaded knee bending.",),
        instruments={"akps": akps},
        administrations=(
            Administration(11, "akps", date(2026, 3, 1), {"limp": "none"}, 5.0, "AKPS 5"),
        ),
        measures=measures_of(assessment, date(2026, 3, 2)),
        runs=(RunEntry(3, date(2026, 3, 3), 5012.4, 1800.0, 168.0),),
        plan=PlanSummary(
            2,
            "signed",
            "isotonic",
            SIGNED,
            (
                PlanActivity(
                    "strengthening:lateral-step-down",
                    "strengthening",
                    "Lateral step-down",
                    "3 × 5, 7×/week",
                    "weak hips",
                ),
            ),
            "Dr Example",
            SIGNED,
            "ok",
        ),
    )


def test_every_resource_validates_and_the_bundle_round_trips(record: PatientRecord) -> None:
    bundle = build_bundle(record, SIGNED)
    assert bundle.type == "collection"
    kinds = [entry.resource.get_resource_type() for entry in bundle.entry]
    assert kinds[:4] == ["Patient", "Condition", "Questionnaire", "QuestionnaireResponse"]
    assert {"CarePlan", "Provenance", "Practitioner", "Observation"} <= set(kinds)
    assert len({entry.fullUrl for entry in bundle.entry}) == len(kinds)
    text = bundle_json(bundle)
    again = parse_bundle(text)
    assert bundle_json(again) == text
    assert build_bundle(record, SIGNED).model_dump() == bundle.model_dump()  # stable ids


def test_a_wrong_resource_is_refused() -> None:
    with pytest.raises(ValidationError):
        _validated({"resourceType": "Observation", "id": "x", "status": "final", "code": 3})


def test_codes_and_units_come_from_content(record: PatientRecord) -> None:
    codes = load_codes()
    resources = {e.resource.id: e.resource for e in build_bundle(record, SIGNED).entry}
    condition = resources["condition-pfp-7"]
    assert [(c.system, c.code) for c in condition.code.coding] == [
        (c.system, c.code) for c in codes.condition
    ]
    assert all(c.code for c in condition.code.coding)  # the unset ICD-11 code is left out
    cadence = next(
        r
        for r in resources.values()
        if r.get_resource_type() == "Observation" and r.code.coding[0].code == "running.cadence_spm"
    )
    assert (cadence.valueQuantity.system, cadence.valueQuantity.code) == (
        "http://unitsofmeasure.org",
        "/min",
    )
    weight = next(
        r
        for r in resources.values()
        if r.get_resource_type() == "Observation" and r.code.coding[0].code == "29463-7"
    )
    assert weight.code.coding[0].system == "http://loinc.org"
    assert float(weight.valueQuantity.value) == 61.0
    fppa = next(
        r
        for r in resources.values()
        if r.get_resource_type() == "Observation"
        and r.code.coding[0].code == "left.movement.fppa_sls_deg"
    )
    assert (fppa.bodySite.text, fppa.valueQuantity.code) == ("left", "deg")
    provenance = resources["provenance-7-v2"]
    assert provenance.signature[0].type[0].code == codes.signature.code
    assert provenance.target[0].reference == "CarePlan/careplan-7-v2"


def test_unverified_codes_are_listed_for_clinical_review() -> None:
    review = render_review_markdown()
    assert "Patellofemoral pain, SNOMED CT" in review
    assert "Patellofemoral pain, ICD-11" in review
    assert "Patellofemoral pain, ICD-10" not in review


def test_the_mapping_can_be_reversed(record: PatientRecord) -> None:
    resources = [e.resource for e in build_bundle(record, SIGNED).entry]
    response = next(r for r in resources if r.get_resource_type() == "QuestionnaireResponse")
    answers = {i.linkId: i.answer[0].valueCoding.code for i in response.item}
    assert answers == dict(record.administrations[0].answers)
    assert response.questionnaire == "urn:runnersknee:questionnaire:akps|v1"
    measures = {
        r.code.coding[-1].code: float(r.valueQuantity.value)
        for r in resources
        if r.get_resource_type() == "Observation" and r.id.startswith("obs-measure-")
    }
    assert measures == {m.field: m.value for m in record.measures}
    plan = next(r for r in resources if r.get_resource_type() == "CarePlan")
    assert [a.detail.code.coding[0].code for a in plan.activity] == [
        "strengthening:lateral-step-down"
    ]
    assert plan.activity[0].detail.scheduledString == "3 × 5, 7×/week"
