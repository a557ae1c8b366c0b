"""Clinician pages of one record: the summary (with the red-flag workflow), the referral
outcome, the patient's details, the Questionnaires and Runs tabs."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.content.red_flag_actions import load_red_flag_actions
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.care import intake, patient_details, patients, records
from runnersknee.services.care.plan_readiness import plan_readiness
from runnersknee.services.care.triage_view import ClinicianTriage, clinician_triage
from runnersknee.services.review import discharge, record_summary, suggestions
from runnersknee.services.running import run_records
from runnersknee.web.auth import CurrentActor, SafeForm, require_role
from runnersknee.web.common import content, database, error_map, today
from runnersknee.web.local_time import zone_of
from runnersknee.web.render import render

__all__ = ["record_name", "record_page", "router", "triage_for"]

router = APIRouter(include_in_schema=False)

#: Confirmation shown after a redirect (``?done=...``).
_DONE = {
    "referral": "Referral outcome recorded. The red-flag alert is closed and the banner "
    "shows the decision.",
    "details": "Details saved.",
    "discharge": "Discharged. The episode of care is closed and the summary is kept below.",
    "dismissed": "Suggestion dismissed; your reason is kept with it.",
}


def record_name(request: Request, patient_id: int) -> str:
    """The patient's name for a record page's heading (an authorized, audited read)."""
    with database(request).transaction() as tx:
        return patients.get_patient(tx, request.state.actor, patient_id).display_name


def triage_for(request: Request, overview: records.Overview) -> ClinicianTriage | None:
    """The latest intake's triage in clinician wording (the record's banner)."""
    found = overview.intake
    return clinician_triage(
        found.triage if found else None, content(request).triage_rules, load_red_flag_actions()
    )


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def record_page(
    request: Request,
    actor: Actor,
    patient_id: int,
    *,
    code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    """Render the record's summary tab."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        info = patient_details.details(tx, actor, patient_id)
        glance = record_summary.summary(
            tx,
            actor,
            patient_id,
            overview.assessment,
            today(request),
            content(request),
        )
        discharged = patients.current_episode(tx, patient_id).discharge
        zone = zone_of(request, actor, tx)
        sugg = suggestions.view(tx, actor, patient_id, today(request), zone, content(request))
    done = request.query_params.get("done", "")
    return render(
        request,
        "clinic/patient.html",
        status_code=code,
        o=overview,
        info=info,
        s=glance,
        ready=plan_readiness(patient_id, overview.intake, overview.assessment is not None),
        triage=triage_for(request, overview),
        red_flag=load_red_flag_actions(),
        decisions=intake.REFERRAL_DECISIONS,
        errors=errors or {},
        values=values or {},
        message=_DONE.get(done),
        today=today(request),
        discharged=discharged,
        sugg=sugg,
        back="summary",
    )


@router.get("/clinic/patients/{patient_id}")
def patient_page(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """One record: summary at a glance, triage and the red-flag workflow, next steps."""
    return record_page(request, actor, patient_id)


@router.post("/clinic/patients/{patient_id}/referral")
def referral(request: Request, actor: CurrentActor, form: SafeForm, patient_id: int) -> Response:
    """Record the referral outcome of a red-flag triage (closes the red-flag alert)."""
    require_role(actor, Role.CLINICIAN)
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "")
    checklist = [str(v) for v in form.getlist("checklist")]
    try:
        with database(request).transaction() as tx:
            intake.record_referral(tx, actor, patient_id, decision, note, checklist)
    except InvalidInput as error:
        values = {"decision": decision, "note": note, "checklist": checklist}
        return record_page(
            request, actor, patient_id, code=422, errors=error_map(error), values=values
        )
    return _see_other(f"/clinic/patients/{patient_id}?done=referral")


def _details_page(
    request: Request,
    patient_id: int,
    values: dict[str, str],
    errors: dict[str, str],
    code: int = 200,
) -> Response:
    return render(
        request,
        "clinic/details.html",
        status_code=code,
        patient_id=patient_id,
        values=values,
        errors=errors,
    )


@router.get("/clinic/patients/{patient_id}/details")
def details_form(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Edit the patient's name, birth year, phone and next review date."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        info = patient_details.details(tx, actor, patient_id)
    values = {
        "display_name": info.display_name,
        "birth_year": "" if info.birth_year is None else str(info.birth_year),
        "phone": info.phone or "",
        "next_review_on": "" if info.next_review_on is None else info.next_review_on.isoformat(),
    }
    return _details_page(request, patient_id, values, {})


def _parse_details(form: FormData) -> tuple[dict[str, str], patient_details.PatientDetails]:
    values = {
        k: str(form.get(k) or "").strip()
        for k in ("display_name", "birth_year", "phone", "next_review_on")
    }
    year = values["birth_year"]
    if year and not (year.isdigit() and len(year) == 4):
        raise InvalidInput("birth year must be a 4-digit year", field="birth_year", got=year)
    try:
        review = date.fromisoformat(values["next_review_on"]) if values["next_review_on"] else None
    except ValueError as exc:
        raise InvalidInput(
            "next review: a date such as 2026-03-16", field="next_review_on"
        ) from exc
    data = patient_details.PatientDetails(
        values["display_name"], int(year) if year else None, values["phone"] or None, review
    )
    return values, data


@router.post("/clinic/patients/{patient_id}/details")
def details_save(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int
) -> Response:
    """Save the details; nothing changes when one of them is refused."""
    require_role(actor, Role.CLINICIAN)
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    try:
        values, data = _parse_details(form)
        with database(request).transaction() as tx:
            patient_details.update_details(tx, actor, patient_id, data, today(request))
    except InvalidInput as error:
        errors = error_map(error)
        errors.setdefault("_form", error.message)
        with database(request).transaction() as tx:
            patient_details.details(tx, actor, patient_id)  # authorize before echoing
        return _details_page(request, patient_id, values, errors, 422)
    return _see_other(f"/clinic/patients/{patient_id}?done=details")


@router.get("/clinic/patients/{patient_id}/questionnaires")
def questionnaires_tab(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """Every scored questionnaire of the episode, and forms to enter a new one."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
    return render(request, "clinic/questionnaires.html", o=overview)


@router.get("/clinic/patients/{patient_id}/runs")
def runs_tab(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The patient's runs (distance, time, pace, cadence, pain, spikes), weekly km, next run."""
    require_role(actor, Role.CLINICIAN)
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        view = run_records.overview(tx, actor, patient_id, today(request), content=content(request))
    pain_by_day = {p.day: p for p in view.pain}
    return render(request, "clinic/runs.html", o=overview, v=view, pain_by_day=pain_by_day)


def _discharge_page(
    request: Request,
    actor: Actor,
    patient_id: int,
    *,
    code: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
        view = discharge.discharge_view(tx, actor, patient_id, today(request), content(request))
    return render(
        request,
        "clinic/discharge.html",
        status_code=code,
        o=overview,
        d=view,
        errors=errors or {},
        values=values or {},
    )


@router.get("/clinic/patients/{patient_id}/discharge")
def discharge_form(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The discharge criteria as judged today and the discharge summary form."""
    require_role(actor, Role.CLINICIAN)
    return _discharge_page(request, actor, patient_id)


@router.post("/clinic/patients/{patient_id}/discharge")
def discharge_save(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int
) -> Response:
    """Discharge: close the episode with the summary (a reason when a criterion is unmet)."""
    require_role(actor, Role.CLINICIAN)
    values = {k: str(form.get(k) or "") for k in ("summary", "unmet_reason")}
    try:
        with database(request).transaction() as tx:
            discharge.discharge(
                tx,
                actor,
                patient_id,
                values["summary"],
                values["unmet_reason"],
                today(request),
                content(request),
            )
    except (InvalidInput, Conflict) as error:
        errors = error_map(error) if isinstance(error, InvalidInput) else {}
        errors.setdefault("_form", error.message)
        return _discharge_page(request, actor, patient_id, code=422, errors=errors, values=values)
    return _see_other(f"/clinic/patients/{patient_id}?done=discharge")
