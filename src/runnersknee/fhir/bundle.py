"""One patient's record as a FHIR R4B ``Bundle`` (type ``collection``), validated resource by
resource with the ``fhir.resources`` R4B models.

Resources: Patient, Condition (patellofemoral pain), Questionnaire + QuestionnaireResponse
per instrument and administration, Observation (questionnaire totals, assessment measures,
runs), CarePlan (plan items as activities with their dose), Practitioner + Provenance for the
clinician's sign-off. Codes and system URLs come from ``content/data/interop/codes.toml``.
Resource ids are stable (``qr-12``, ``obs-measure-...``) and every resource keeps the local id
it came from, so an importer could map the bundle back.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from runnersknee.content.codes import InteropCodes, load_codes
from runnersknee.fhir.record import (
    Administration,
    InstrumentForm,
    Measure,
    PatientRecord,
    PlanSummary,
    RunEntry,
    measure_label,
)

__all__ = ["build_bundle", "bundle_json", "parse_bundle"]

JSON = dict[str, Any]
_NAMESPACE = uuid.UUID("6f1c52c4-8e3d-4c7e-9a55-2f1f4c3f9b10")
_GENDER = {"female": "female", "male": "male", "other": "other"}


def _ref(kind: str, rid: str) -> JSON:
    return {"reference": f"{kind}/{rid}"}


def _when(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.isoformat(timespec="seconds")


def _quantity(codes: InteropCodes, value: float, unit: str) -> JSON:
    quantity: JSON = {"value": value, "unit": unit}
    ucum = codes.ucum_code(unit)
    if ucum is not None:
        quantity |= {"system": codes.system("ucum"), "code": ucum}
    return quantity


def _category(codes: InteropCodes, code: str) -> list[JSON]:
    return [{"coding": [{"system": codes.system("observation_category"), "code": code}]}]


def _patient(record: PatientRecord, codes: InteropCodes) -> JSON:
    resource: JSON = {
        "resourceType": "Patient",
        "id": f"patient-{record.patient_id}",
        "identifier": [{"system": codes.system("local_patient"), "value": str(record.patient_id)}],
        "name": [{"text": record.display_name}],
    }
    if record.birth_year is not None:
        resource["birthDate"] = f"{record.birth_year:04d}"
    if record.sex in _GENDER:
        resource["gender"] = _GENDER[record.sex]
    return resource


def _condition(record: PatientRecord, codes: InteropCodes, subject: JSON) -> JSON | None:
    if not record.pfp_probable or record.intake_on is None:
        return None
    resource: JSON = {
        "resourceType": "Condition",
        "id": f"condition-pfp-{record.patient_id}",
        "clinicalStatus": {
            "coding": [{"system": codes.system("condition_clinical"), "code": "active"}]
        },
        "verificationStatus": {
            "coding": [{"system": codes.system("condition_verification"), "code": "provisional"}]
        },
        "category": [
            {
                "coding": [
                    {"system": codes.system("condition_category"), "code": "encounter-diagnosis"}
                ]
            }
        ],
        "code": {
            "coding": [code.coding() for code in codes.condition],
            "text": "Patellofemoral pain",
        },
        "subject": subject,
        "recordedDate": record.intake_on.isoformat(),
    }
    if record.knee_side:
        resource["bodySite"] = [{"text": f"{record.knee_side} knee"}]
    if record.triage_reasons:
        resource["note"] = [{"text": reason} for reason in record.triage_reasons]
    return resource


def _questionnaire(form: InstrumentForm) -> JSON:
    items = []
    for item in form.items:
        entry: JSON = {"linkId": item.id, "text": item.text}
        if item.options:
            entry["type"] = "choice"
            entry["answerOption"] = [
                {"valueCoding": {"code": oid, "display": label}} for oid, label in item.options
            ]
        else:
            entry["type"] = "integer"
        items.append(entry)
    return {
        "resourceType": "Questionnaire",
        "id": f"questionnaire-{form.id.replace('_', '-')}",
        "url": f"urn:runnersknee:questionnaire:{form.id}",
        "version": form.version,
        "name": form.id,
        "title": form.name,
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def _response(admin: Administration, form: InstrumentForm | None, subject: JSON) -> JSON:
    labels = {i.id: dict(i.options) for i in form.items} if form else {}
    items = []
    for item_id, value in admin.answers.items():
        answer: JSON
        if isinstance(value, int) and not isinstance(value, bool):
            answer = {"valueInteger": value}
        else:
            display = labels.get(item_id, {}).get(str(value), str(value))
            answer = {"valueCoding": {"code": str(value), "display": display}}
        items.append({"linkId": item_id, "answer": [answer]})
    resource: JSON = {
        "resourceType": "QuestionnaireResponse",
        "id": f"qr-{admin.id}",
        "identifier": {
            "system": "urn:runnersknee:questionnaire-administration",
            "value": str(admin.id),
        },
        "status": "completed",
        "subject": subject,
        "authored": admin.day.isoformat(),
        "item": items,
    }
    if form is not None:
        resource["questionnaire"] = f"urn:runnersknee:questionnaire:{form.id}|{form.version}"
    return resource


def _score(admin: Administration, codes: InteropCodes, subject: JSON) -> JSON | None:
    if admin.total is None:
        return None
    coding = [{"system": codes.system("local_instrument"), "code": admin.instrument_id}]
    known = codes.instruments.get(admin.instrument_id)
    if known is not None:
        coding.insert(0, known.coding())
    return {
        "resourceType": "Observation",
        "id": f"obs-score-{admin.id}",
        "status": "final",
        "category": _category(codes, "survey"),
        "code": {"coding": coding, "text": f"{admin.instrument_id.upper()} total"},
        "subject": subject,
        "effectiveDateTime": admin.day.isoformat(),
        "valueQuantity": _quantity(codes, admin.total, "score"),
        "interpretation": [{"text": admin.reading}] if admin.reading else None,
        "derivedFrom": [_ref("QuestionnaireResponse", f"qr-{admin.id}")],
    }


def _measure(measure: Measure, codes: InteropCodes, subject: JSON, number: int) -> JSON:
    coding = [{"system": codes.system("local_measure"), "code": measure.field}]
    leaf = measure.field.rsplit(".", 1)[-1]
    known = codes.measures.get(leaf)
    if known is not None:
        coding.insert(0, known.coding())
    digest = hashlib.sha1(f"{measure.field}|{measure.day}".encode()).hexdigest()[:12]
    resource: JSON = {
        "resourceType": "Observation",
        "id": f"obs-measure-{number}-{digest}",
        "status": "final",
        "category": _category(codes, "exam"),
        "code": {"coding": coding, "text": measure_label(measure.field, with_side=True)},
        "subject": subject,
        "effectiveDateTime": measure.day.isoformat(),
        "valueQuantity": _quantity(codes, measure.value, measure.unit),
    }
    if measure.side:
        resource["bodySite"] = {"text": measure.side}
    return resource


def _run(run: RunEntry, codes: InteropCodes, subject: JSON) -> JSON:
    components = [
        {
            "code": {"coding": [{"system": codes.system("local_measure"), "code": "duration_s"}]},
            "valueQuantity": _quantity(codes, round(run.duration_s, 1), "s"),
        }
    ]
    if run.cadence_spm is not None:
        components.append(
            {
                "code": {
                    "coding": [{"system": codes.system("local_measure"), "code": "cadence_spm"}]
                },
                "valueQuantity": _quantity(codes, round(run.cadence_spm, 1), "steps/min"),
            }
        )
    return {
        "resourceType": "Observation",
        "id": f"obs-run-{run.id}",
        "status": "final",
        "category": _category(codes, "activity"),
        "code": {
            "coding": [{"system": codes.system("local_measure"), "code": "run.distance_m"}],
            "text": "Run distance",
        },
        "subject": subject,
        "effectiveDateTime": run.day.isoformat(),
        "valueQuantity": _quantity(codes, round(run.distance_m, 1), "m"),
        "component": components,
    }


def _care_plan(plan: PlanSummary, codes: InteropCodes, subject: JSON, pid: int) -> JSON:
    activities = [
        {
            "detail": {
                "kind": "ServiceRequest",
                "code": {
                    "coding": [{"system": codes.system("local_plan_item"), "code": a.item_id}],
                    "text": a.title,
                },
                "status": "not-started",
                "scheduledString": a.dose or "as instructed",
                "description": a.reason or a.title,
            }
        }
        for a in plan.activities
    ]
    return {
        "resourceType": "CarePlan",
        "id": f"careplan-{pid}-v{plan.version}",
        "identifier": [{"system": "urn:runnersknee:plan-version", "value": str(plan.version)}],
        "status": "active" if plan.signed_at else "draft",
        "intent": "plan",
        "title": f"Patellofemoral pain plan, phase {plan.phase_name}",
        "subject": subject,
        "created": _when(plan.created_at),
        "addresses": [_ref("Condition", f"condition-pfp-{pid}")],
        "activity": activities,
        "note": [{"text": plan.sign_note}] if plan.sign_note else None,
    }


def _sign_off(plan: PlanSummary, codes: InteropCodes, pid: int) -> Iterator[JSON]:
    if plan.signed_at is None or plan.signed_by is None:
        return
    practitioner = f"practitioner-{hashlib.sha1(plan.signed_by.encode()).hexdigest()[:12]}"
    yield {"resourceType": "Practitioner", "id": practitioner, "name": [{"text": plan.signed_by}]}
    yield {
        "resourceType": "Provenance",
        "id": f"provenance-{pid}-v{plan.version}",
        "target": [_ref("CarePlan", f"careplan-{pid}-v{plan.version}")],
        "recorded": _when(plan.signed_at),
        "agent": [{"who": _ref("Practitioner", practitioner)}],
        "signature": [
            {
                "type": [codes.signature.coding()],
                "when": _when(plan.signed_at),
                "who": _ref("Practitioner", practitioner),
            }
        ],
    }


def _resources(record: PatientRecord, codes: InteropCodes) -> Iterator[JSON]:
    pid = record.patient_id
    subject = _ref("Patient", f"patient-{pid}")
    yield _patient(record, codes)
    condition = _condition(record, codes, subject)
    if condition is not None:
        yield condition
    used = sorted({a.instrument_id for a in record.administrations})
    yield from (_questionnaire(record.instruments[i]) for i in used if i in record.instruments)
    for admin in record.administrations:
        yield _response(admin, record.instruments.get(admin.instrument_id), subject)
        score = _score(admin, codes, subject)
        if score is not None:
            yield score
    yield from (_measure(m, codes, subject, n) for n, m in enumerate(record.measures, 1))
    yield from (_run(r, codes, subject) for r in record.runs)
    if record.plan is not None:
        plan = _care_plan(record.plan, codes, subject, pid)
        if condition is None:
            del plan["addresses"]
        yield plan
        yield from _sign_off(record.plan, codes, pid)


def _validated(resource: JSON) -> Any:
    clean = {k: v for k, v in resource.items() if v is not None}
    return get_fhir_model_class(str(clean["resourceType"])).model_validate(clean)


def build_bundle(record: PatientRecord, generated: datetime) -> Bundle:
    """The validated bundle (each resource parsed by its R4B model; errors raise)."""
    codes = load_codes()
    entries = []
    for resource in _resources(record, codes):
        model = _validated(resource)
        key = f"{record.patient_id}/{resource['resourceType']}/{resource['id']}"
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}", "resource": model})
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "id": f"patient-{record.patient_id}-export",
            "type": "collection",
            "timestamp": _when(generated),
            "entry": entries,
        }
    )


def bundle_json(bundle: Bundle) -> str:
    """The bundle as FHIR JSON (no empty elements)."""
    return bundle.model_dump_json(exclude_none=True, indent=2)


def parse_bundle(text: str | bytes) -> Bundle:
    """Parse (and validate) a bundle back from JSON."""
    return Bundle.model_validate_json(text)
