"""Reports, FHIR export, the patient's data export and erasure: JSON API and page routes.

Every route reads through the services, which authorize and audit the read
(``report.clinical``, ``patient.read``, ``patient.export``, ``patient.erase``).
PDFs are laid out after the database transaction has ended.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from runnersknee.clinical.errors import InvalidInput, Refused
from runnersknee.reports.pdf import render_pdf
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.documents import erasure, export, report_data
from runnersknee.web.api.errors import ERROR_RESPONSES
from runnersknee.web.api.models import FHIR_RESPONSES, ErasedOut, file_responses, out
from runnersknee.web.auth import CurrentActor, SafeForm, own_patient, require_role
from runnersknee.web.common import content, database, settings, today
from runnersknee.web.render import render

__all__ = ["pages", "router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, tags=["reports"])
pages = APIRouter(include_in_schema=False)

_PDF = "application/pdf"


def _download(data: bytes, media_type: str, name: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _pdf(request: Request, actor: Actor, patient_id: int, kind: str) -> Response:
    with database(request).transaction() as tx:
        doc = report_data.patient_document(
            tx, actor, patient_id, kind, today(request), content(request)
        )
    rendered = render_pdf(doc)
    return _download(rendered.pdf, _PDF, f"patient-{patient_id}-{kind}.pdf")


def _zip(request: Request, actor: Actor, patient_id: int) -> Response:
    with database(request).transaction() as tx:
        parts = export.gather_export(
            tx, actor, patient_id, today(request), content=content(request)
        )
    made = export.zip_export(parts, today(request), settings(request))
    return _download(made.data, "application/zip", made.name)


def _api_pdf(kind: str) -> Callable[..., Response]:
    def api_pdf(request: Request, actor: CurrentActor, patient_id: int) -> Response:
        return _pdf(request, actor, patient_id, kind)

    api_pdf.__doc__ = f"The {kind} PDF of a patient (``application/pdf``)."
    return api_pdf


def _page_pdf(kind: str) -> Callable[..., Response]:
    def page_pdf(request: Request, actor: CurrentActor, patient_id: int) -> Response:
        require_role(actor, Role.CLINICIAN)
        return _pdf(request, actor, patient_id, kind)

    return page_pdf


def _register_pdf_routes() -> None:
    for kind in report_data.KINDS:
        router.add_api_route(
            f"/patients/{{patient_id}}/reports/{kind}.pdf",
            _api_pdf(kind),
            methods=["GET"],
            name=f"report_{kind}",
            response_class=Response,
            responses=file_responses(_PDF),
        )
        pages.add_api_route(
            f"/clinic/patients/{{patient_id}}/reports/{kind}.pdf", _page_pdf(kind), methods=["GET"]
        )


_register_pdf_routes()


@router.get(
    "/patients/{patient_id}/fhir",
    response_class=Response,
    responses=FHIR_RESPONSES,
)
def get_fhir(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The patient's record as a FHIR R4B Bundle (type collection)."""
    with database(request).transaction() as tx:
        text = export.fhir_bundle(
            tx, actor, patient_id, datetime.now(UTC), content=content(request)
        )
    return Response(text, media_type="application/fhir+json")


@router.get(
    "/patients/{patient_id}/export",
    response_class=Response,
    responses=file_responses("application/zip"),
)
def get_export(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The right-of-access zip: FHIR bundle, CSVs, PDFs and uploaded files."""
    return _zip(request, actor, patient_id)


@router.delete("/patients/{patient_id}", **out(ErasedOut))
def delete_patient(request: Request, actor: CurrentActor, patient_id: int) -> dict[str, int]:
    """Erase a patient (admin; refused within the clinic's retention period)."""
    with database(request).transaction() as tx:
        done = erasure.erase_patient(tx, actor, patient_id, settings(request), datetime.now(UTC))
    return {"erased": done.patient_id, "rows": done.rows, "files": done.files}


@pages.get("/clinic/patients/{patient_id}/export.zip")
def clinic_export(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The record's export zip (clinician)."""
    require_role(actor, Role.CLINICIAN)
    return _zip(request, actor, patient_id)


@pages.get("/me/reports/handout.pdf")
def my_handout(request: Request, actor: CurrentActor) -> Response:
    """The patient's printable home-exercise handout."""
    return _pdf(request, actor, own_patient(actor), "handout")


@pages.get("/me/export.zip")
def my_export(request: Request, actor: CurrentActor) -> Response:
    """The patient's own data (right of access)."""
    return _zip(request, actor, own_patient(actor))


@pages.get("/admin/erasure")
def erasure_form(request: Request, actor: CurrentActor) -> Response:
    """The erasure form (admin): a patient number and a confirmation."""
    require_role(actor, Role.ADMIN)
    return render(request, "admin/erasure.html", retention=settings(request).record_retention_days)


@pages.post("/admin/erasure")
def erasure_submit(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Erase the patient named in the form, or show why not."""
    require_role(actor, Role.ADMIN)
    raw = str(form.get("patient_id") or "").strip()
    retention = settings(request).record_retention_days
    try:
        if not raw.isdigit():
            raise InvalidInput("enter the patient number", field="patient_id", got=raw[:20])
        if form.get("confirm") != "yes":
            raise InvalidInput("tick the box to confirm the erasure", field="confirm")
        with database(request).transaction() as tx:
            erasure.erase_patient(tx, actor, int(raw), settings(request), datetime.now(UTC))
    except (InvalidInput, Refused) as error:
        status = 422 if isinstance(error, InvalidInput) else 409
        return render(
            request,
            "admin/erasure.html",
            status_code=status,
            retention=retention,
            errors={"_form": error.message},
            values={"patient_id": raw[:20]},
        )
    return RedirectResponse(f"/admin/erasure?erased={int(raw)}", status_code=303)
