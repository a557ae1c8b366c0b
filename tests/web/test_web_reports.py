"""Reports, FHIR export, data export and erasure through the app (real SQLite, real PDFs).

Patients A (Ann) and B (Ben) both get an intake, an assessment, questionnaires, a signed plan
and logs, each with values of their own, so an export of A can be searched for B's data.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader
from sqlalchemy import func, select

from runnersknee.config import Settings
from runnersknee.services.access.accounts import actor_for
from runnersknee.services.care import intake, logs, records
from runnersknee.services.demo import ASSESSMENT, PFP_CASE
from runnersknee.store.tables import AuditRow, JobRow, PatientRow, PlanVersionRow, UserRow
from runnersknee.web.app import create_app, route_table
from tests.content import CONTENT
from tests.web.conftest import TODAY, World, api_login, client_for, csrf_of, page_login

NPRS_A = {"worst_week": 6, "usual_week": 4, "activity": 5}
NPRS_A_LATER = {"worst_week": 2, "usual_week": 1, "activity": 1}
NPRS_B = {"worst_week": 9, "usual_week": 8, "activity": 7}


def _seed_record(world: World, patient_id: int, email: str, nprs: list[dict[str, int]]) -> None:
    with world.database.transaction() as tx:
        doc = actor_for(tx, tx.query(UserRow).filter_by(email="doc@test.example").one())
        me = actor_for(tx, tx.query(UserRow).filter_by(email=email).one())
        intake.submit_intake(tx, doc, patient_id, PFP_CASE, content=CONTENT)
        records.save_assessment(tx, doc, patient_id, ASSESSMENT)
        for weeks, answers in enumerate(nprs):
            day = TODAY - timedelta(weeks=6 - 5 * weeks)
            intake.record_questionnaire(tx, doc, patient_id, "nprs", answers, day, content=CONTENT)
        records.generate_plan(tx, doc, patient_id, content=CONTENT)
        records.sign_plan(tx, doc, patient_id, f"Signed for patient {patient_id}.")
        plan = logs.signed_plan(tx, patient_id)
        assert plan is not None
        exercise = next(
            i["exercise_id"]
            for i in records.plan_items(plan.data)
            if i.get("exercise_id") == "forward-lunge-0-45"
        )
        for offset in range(3):
            day = TODAY - timedelta(days=offset + 1)
            logs.log_exercise(
                tx, me, patient_id, exercise, 3, 10 + patient_id, day, content=CONTENT
            )
            logs.log_pain(tx, me, patient_id, day, 1, 1, None, content=CONTENT)


@pytest.fixture
def seeded(world: World) -> World:
    _seed_record(world, world.patient_a, "a@test.example", [NPRS_A, NPRS_A_LATER])
    _seed_record(world, world.patient_b, "b@test.example", [NPRS_B])
    return world


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


def test_clinician_prints_the_three_documents_with_their_values(seeded: World) -> None:
    client = client_for(seeded)
    page_login(client, "doc@test.example")
    base = f"/clinic/patients/{seeded.patient_a}"
    record = client.get(base)
    assert f"{base}/reports/evaluation.pdf" in record.text
    assert f"{base}/export.zip" in record.text

    evaluation = client.get(f"{base}/reports/evaluation.pdf")
    assert evaluation.status_code == 200
    assert evaluation.headers["content-type"] == "application/pdf"
    text, pages = _text(evaluation.content)
    for expected in (
        "Physiotherapy evaluation report",
        "Ann A",
        "No. 1",
        "PLAN",
        "Numeric Pain Rating Scale",
        "step down",
        "Signed for patient 1.",
        "signed by Dr Test",
        "References",
        "functional",
    ):
        assert expected in text, expected
    assert "Ben B" not in text
    assert pages == 4

    progress = client.get(f"{base}/reports/progress.pdf")
    text, pages = _text(progress.content)
    assert "Progress report" in text
    assert "NPRS 6 2 -4" in text.replace("−", "-")
    assert "Discharge criteria" in text
    assert pages == 2

    handout = client.get(f"{base}/reports/handout.pdf")
    text, pages = _text(handout.content)
    assert "Forward lunge" in text
    assert "3 sets × 10 reps, 5 times a week" in text
    assert "When to stop and get help" in text
    assert "Which leg: Both legs (painful knee: right)" in text
    for hidden in ("CONS-2018", "KB ", "MCID", "MDC", "PFP-PROBABLE", "citation"):
        assert hidden not in text, hidden
    assert pages == 3


def test_patient_prints_own_handout_but_not_clinical_reports(seeded: World) -> None:
    client = client_for(seeded)
    page_login(client, "a@test.example")
    progress_page = client.get("/me/progress")
    assert "/me/reports/handout.pdf" in progress_page.text
    own = client.get("/me/reports/handout.pdf")
    assert own.status_code == 200
    assert "Ann A" in _text(own.content)[0]
    api = client_for(seeded)
    headers = api_login(api, "a@test.example")
    denied = api.get(f"/api/v1/patients/{seeded.patient_a}/reports/evaluation.pdf", headers=headers)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "forbidden"


def test_fhir_bundle_validates_round_trips_and_is_audited(seeded: World) -> None:
    client = client_for(seeded)
    headers = api_login(client, "doc@test.example")
    response = client.get(f"/api/v1/patients/{seeded.patient_a}/fhir", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "collection"
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    for kind in (
        "Patient",
        "Condition",
        "Questionnaire",
        "QuestionnaireResponse",
        "Observation",
        "CarePlan",
        "Provenance",
        "Practitioner",
    ):
        assert kind in kinds, kind
    again = Bundle.model_validate_json(bundle.model_dump_json())
    assert again.model_dump() == bundle.model_dump()
    condition = next(
        e.resource for e in bundle.entry if e.resource.get_resource_type() == "Condition"
    )
    codes = {(c.system, c.code) for c in condition.code.coding}
    assert ("http://hl7.org/fhir/sid/icd-10", "M22.2") in codes
    assert ("http://snomed.info/sct", "430725003") in codes
    nprs = [e.resource for e in bundle.entry if e.resource.id.startswith("obs-score-")]
    assert {float(o.valueQuantity.value) for o in nprs} == {6.0, 2.0}
    assert all(o.code.coding[0].code == "72514-3" for o in nprs)
    assert "Ben B" not in response.text
    with seeded.database.transaction() as tx:
        audited = tx.scalar(
            select(func.count()).where(
                AuditRow.patient_id == seeded.patient_a, AuditRow.action == "patient.export"
            )
        )
    assert audited == 1


def test_export_zip_of_a_holds_a_and_nothing_of_b(seeded: World) -> None:
    client = client_for(seeded)
    page_login(client, "a@test.example")
    response = client.get("/me/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {
        "fhir/bundle.json",
        "csv/exercise_logs.csv",
        "csv/pain_logs.csv",
        "csv/runs.csv",
        "csv/questionnaire_scores.csv",
        "reports/handout.pdf",
        "README.txt",
    } <= names
    assert "reports/evaluation.pdf" not in names  # clinician documents stay with clinicians
    texts = []
    for name in names:
        data = archive.read(name)
        texts.append(_text(data)[0] if name.endswith(".pdf") else data.decode("utf-8"))
    everything = "\n".join(texts)
    assert "Ann A" in everything
    assert f"forward-lunge-0-45,3,{10 + seeded.patient_a}" in everything
    assert "Ben B" not in everything
    assert f"forward-lunge-0-45,3,{10 + seeded.patient_b}" not in everything
    assert f"Signed for patient {seeded.patient_b}" not in everything
    assert '"value": 9.0' not in archive.read("fhir/bundle.json").decode()


def test_clinician_export_includes_all_pdfs(seeded: World) -> None:
    client = client_for(seeded)
    page_login(client, "doc@test.example")
    response = client.get(f"/clinic/patients/{seeded.patient_b}/export.zip")
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert {"reports/evaluation.pdf", "reports/progress.pdf", "reports/handout.pdf"} <= names


def test_new_patient_without_data_gives_documents_or_the_one_error_shape(world: World) -> None:
    client = client_for(world)
    headers = api_login(client, "doc@test.example")
    base = f"/api/v1/patients/{world.patient_a}"
    assert client.get(f"{base}/reports/evaluation.pdf", headers=headers).status_code == 200
    assert client.get(f"{base}/reports/progress.pdf", headers=headers).status_code == 200
    handout = client.get(f"{base}/reports/handout.pdf", headers=headers)
    assert handout.status_code == 409
    assert set(handout.json()["error"]) >= {"code", "message"}
    bundle = Bundle.model_validate_json(client.get(f"{base}/fhir", headers=headers).content)
    assert [e.resource.get_resource_type() for e in bundle.entry] == ["Patient"]
    export = client.get(f"{base}/export", headers=headers)
    readme = zipfile.ZipFile(io.BytesIO(export.content)).read("README.txt").decode()
    assert "handout.pdf not included" in readme
    for path in ("fhir", "export", "reports/evaluation.pdf", "reports/handout.pdf"):
        missing = client.get(f"/api/v1/patients/999999/{path}", headers=headers)
        assert missing.status_code == 404, path
        assert missing.json()["error"]["code"] == "not_found"


def _admin_app(world: World, tmp_path: Path, **overrides: object) -> World:
    settings = Settings.model_validate(
        {"database_url": world.database.url, "data_dir": tmp_path, **overrides}
    )
    app = create_app(settings, world.database)
    app.state.clock = lambda: TODAY
    return replace(world, app=app)


def _erase(world: World, patient_id: int) -> httpx.Response:
    client = client_for(world)
    token = page_login(client, "admin@test.example")
    page = client.get("/admin/erasure")
    assert page.status_code == 200
    return client.post(
        "/admin/erasure",
        data={
            "csrf_token": csrf_of(page.text) or token,
            "patient_id": str(patient_id),
            "confirm": "yes",
        },
        follow_redirects=False,
    )


def test_erasure_is_refused_without_a_retention_period(seeded: World, tmp_path: Path) -> None:
    world = _admin_app(seeded, tmp_path)
    response = _erase(world, world.patient_b)
    assert response.status_code == 409
    assert "RUNNERSKNEE_RECORD_RETENTION_DAYS" in response.text
    with world.database.transaction() as tx:
        assert tx.get(PatientRow, world.patient_b) is not None


def test_erasure_is_refused_within_the_retention_period(seeded: World, tmp_path: Path) -> None:
    world = _admin_app(seeded, tmp_path, record_retention_days=3650)
    client = client_for(world)
    headers = api_login(client, "admin@test.example")
    response = client.delete(f"/api/v1/patients/{world.patient_b}", headers=headers)
    assert response.status_code == 409
    error = response.json()["error"]
    assert "must be kept until" in error["message"]
    assert error["keep_until"] > TODAY.isoformat()


def test_admin_erases_a_patient_and_the_audit_keeps_only_the_fact(
    seeded: World, tmp_path: Path
) -> None:
    world = _admin_app(seeded, tmp_path, record_retention_days=0)
    upload = tmp_path / "uploads" / str(world.patient_b) / "abc" / "upload"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"video of Ben")
    response = _erase(world, world.patient_b)
    assert response.status_code == 303
    assert not upload.parent.exists()
    with world.database.transaction() as tx:
        assert tx.get(PatientRow, world.patient_b) is None
        assert tx.query(UserRow).filter_by(email="b@test.example").first() is None
        assert tx.get(PatientRow, world.patient_a) is not None
        erased = tx.scalars(select(AuditRow).where(AuditRow.action == "patient.erased")).all()
        assert [(e.patient_id, e.role) for e in erased] == [(world.patient_b, "admin")]
        plans = tx.scalar(select(func.count()).select_from(PlanVersionRow))
    assert plans == 2  # patient A's generated and signed versions only
    clinician = client_for(world)
    headers = api_login(clinician, "doc@test.example")
    gone = clinician.get(f"/api/v1/patients/{world.patient_b}/fhir", headers=headers)
    assert gone.status_code == 404


def test_wrong_roles_get_the_one_error_shape(seeded: World) -> None:
    admin = client_for(seeded)
    headers = api_login(admin, "admin@test.example")
    base = f"/api/v1/patients/{seeded.patient_a}"
    for path in ("fhir", "export", "reports/evaluation.pdf", "reports/handout.pdf"):
        response = admin.get(f"{base}/{path}", headers=headers)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
        assert "Ann A" not in response.text
    doc = client_for(seeded)
    doc_headers = api_login(doc, "doc@test.example")
    erase = doc.delete(base, headers=doc_headers)
    assert erase.status_code == 403
    assert erase.json()["error"]["code"] == "forbidden"
    bad = doc.get("/api/v1/patients/abc/fhir", headers=doc_headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_input"


def test_the_access_matrix_enumerates_the_new_routes(world: World) -> None:
    paths = {path for path, _ in route_table(world.app)}  # type: ignore[arg-type]
    assert {
        "/api/v1/patients/{patient_id}/fhir",
        "/api/v1/patients/{patient_id}/export",
        "/api/v1/patients/{patient_id}/reports/evaluation.pdf",
        "/clinic/patients/{patient_id}/reports/handout.pdf",
        "/clinic/patients/{patient_id}/export.zip",
        "/admin/erasure",
    } <= paths


def _video_job(world: World, cadence: float, left_fppa: float, days_ago: int) -> None:
    metrics = {
        "cadence_spm": {"value": cadence, "unit": "steps/min"},
        "fppa_deg": {
            "value": None,
            "unit": "deg",
            "left": {"value": left_fppa},
            "right": {"value": None},
        },
    }
    with world.database.transaction() as tx:
        patient = tx.get(PatientRow, world.patient_a)
        doc = tx.query(UserRow).filter_by(email="doc@test.example").one()
        assert patient is not None
        tx.add(
            JobRow(
                kind="video_analysis",
                clinic_id=patient.clinic_id,
                patient_id=world.patient_a,
                status="done",
                params={"task": "run", "view": "frontal", "upload": "uploads/x/upload"},
                result={"document": {"metrics": metrics}},
                created_by=doc.id,
                created_at=datetime.combine(TODAY - timedelta(days=days_ago), time(9), tzinfo=UTC),
            )
        )


def test_video_gait_metrics_in_fhir_and_the_progress_report(seeded: World) -> None:
    _video_job(seeded, 160.0, 14.5, 30)
    _video_job(seeded, 171.0, 9.0, 2)
    client = client_for(seeded)
    headers = api_login(client, "doc@test.example")
    base = f"/api/v1/patients/{seeded.patient_a}"
    bundle = Bundle.model_validate_json(client.get(f"{base}/fhir", headers=headers).content)
    cadence = sorted(
        (str(o.effectiveDateTime), float(o.valueQuantity.value), o.valueQuantity.code)
        for o in (e.resource for e in bundle.entry)
        if o.get_resource_type() == "Observation"
        and o.code.coding[-1].code == "video.run.frontal.cadence_spm"
    )
    assert [(v, c) for _, v, c in cadence] == [(160.0, "/min"), (171.0, "/min")]
    progress = client.get(f"{base}/reports/progress.pdf", headers=headers)
    text = " ".join(_text(progress.content)[0].split())
    assert "video · run · frontal · cadence — 160 steps/min 171 steps/min +11.0 steps/min" in text
    assert "video · run · frontal · fppa left 14.5 deg 9 deg -5.5 deg" in text
