"""Pages: login/logout, the clinician's roster, new patient, record overview, intake, triage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from runnersknee.clinical.errors import InvalidInput, NotFound, RunnersKneeError
from runnersknee.config import Settings
from runnersknee.services.access import accounts
from runnersknee.services.access.accounts import LoginPolicy
from runnersknee.services.access.authz import Actor, Role
from runnersknee.services.access.login import (
    LoginResult,
    SecondFactorNeeded,
    SecondStep,
    audit_logout,
    log_in,
)
from runnersknee.services.care import intake, patient_details, patients
from runnersknee.web.auth import (
    ActorAccess,
    CurrentActor,
    SafeForm,
    check_login_csrf,
    clear_session_cookie,
    login_csrf_token,
    read_page,
    require_role,
    session_cookie_name,
    set_session_cookie,
)
from runnersknee.web.common import (
    case_fields,
    client_address,
    content,
    database,
    error_map,
    instrument_form,
    login_guard,
    parse_answers,
    query_number,
    query_text,
    settings,
    today,
)
from runnersknee.web.local_time import today_for
from runnersknee.web.pages.record import record_name
from runnersknee.web.presenters.dcform import flatten, form_values, parse_form
from runnersknee.web.render import render

__all__ = ["HOME", "intake_page", "questionnaire_page", "router"]

router = APIRouter(include_in_schema=False)

#: Where each role lands after login.
HOME = {Role.CLINICIAN: "/clinic/patients", Role.PATIENT: "/me", Role.ADMIN: "/admin/users"}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home(request: Request) -> Response:
    """Send a logged-in user to their start page, others to the login page."""
    from runnersknee.web.auth import optional_session

    session = optional_session(request)
    if session is None:
        return _see_other("/login")
    return _see_other(HOME[session.actor.role])


@router.get("/login")
def login_page(request: Request) -> Response:
    """The login form."""
    response = Response()
    token = login_csrf_token(request, response)
    page = render(request, "login.html", login_csrf=token)
    page.raw_headers.extend(h for h in response.raw_headers if h[0] == b"set-cookie")
    return page


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the password, start a fresh session, go to the role's start page."""
    form = await request.form()
    sent = form.get("csrf_token")
    check_login_csrf(request, sent if isinstance(sent, str) else None)
    email = str(form.get("email") or "")
    password = str(form.get("password") or "")
    cfg = settings(request)
    policy = LoginPolicy(cfg.login_max_failures, cfg.login_lock_minutes)
    step = SecondStep(
        str(form.get("otp") or "")[:64], str(form.get("enrol_token") or "")[:2000], _key(cfg)
    )
    from starlette.concurrency import run_in_threadpool

    login_guard(request).admit(email, client_address(request))
    try:
        result, token = await run_in_threadpool(_login, request, email, password, policy, step)
    except (InvalidInput, SecondFactorNeeded) as error:
        mfa = error.details if isinstance(error, SecondFactorNeeded) else None
        response = Response()
        return render(
            request,
            "login.html",
            status_code=401 if mfa else 422,
            login_csrf=login_csrf_token(request, response),
            errors={"password": error.message},
            values={"email": email},
            mfa=mfa,
        )
    if result.recovery_codes:
        page = render(request, "recovery_codes.html", codes=result.recovery_codes)
        set_session_cookie(page, cfg, token)
        return page
    redirect = _see_other(HOME[result.actor.role])
    set_session_cookie(redirect, cfg, token)
    return redirect


def _key(cfg: Settings) -> str:
    return cfg.signing_key()


def _login(
    request: Request, email: str, password: str, policy: LoginPolicy, step: SecondStep
) -> tuple[LoginResult, str]:
    db = database(request)
    result = log_in(db, email, password, policy, step)
    with db.transaction() as tx:
        token, _ = accounts.open_session(tx, result.actor)
    return result, token


@router.post("/logout")
def logout(request: Request, form: SafeForm) -> Response:
    """End the session."""
    del form
    cfg = settings(request)
    token = request.cookies.get(session_cookie_name(cfg), "")
    with database(request).transaction() as tx:
        accounts.close_session(tx, token)
    audit_logout(database(request), request.state.actor)
    response = _see_other("/login")
    clear_session_cookie(response, cfg)
    return response


@read_page("/clinic/patients")
async def roster_page(request: Request, access: ActorAccess) -> Response:
    """The roster: search by name or number, filter by status."""
    q = query_text(request, "q", 100)
    status = query_text(request, "status", 20)
    page = query_number(request, "page", 1, 1, 100_000)

    def read(
        tx: Session, actor: Actor
    ) -> tuple[patients.RosterPage, list[patient_details.DueReview]]:
        require_role(actor, Role.CLINICIAN)
        listing = patients.roster(tx, actor, q, status, page)
        if page > 1 or q or status:  # the due list belongs to the roster's start
            return listing, []
        # the clinic's date: the actor is known only now (before, the deployment's zone)
        day = today_for(request, actor, tx)
        return listing, patient_details.reviews_due(tx, actor, day)

    result, due = await access.run(read)
    return render(
        request,
        "clinic/roster.html",
        roster=result,
        due=due,
        q=q,
        status=status,
        statuses=patients.STATUSES,
    )


@router.get("/clinic/patients/new")
def new_patient_page(request: Request, actor: CurrentActor) -> Response:
    """The new-patient form."""
    require_role(actor, Role.CLINICIAN)
    return render(request, "clinic/new_patient.html")


@router.post("/clinic/patients/new")
def new_patient(request: Request, actor: CurrentActor, form: SafeForm) -> Response:
    """Create the patient; an email also creates a portal login and its invitation link."""
    from runnersknee.services.access import access_links
    from runnersknee.web.pages.access import issued_page

    values = {k: str(form.get(k) or "") for k in ("display_name", "birth_year", "email")}
    email = values["email"].strip()
    try:
        year = values["birth_year"].strip()
        if year and not year.isdigit():
            raise InvalidInput("birth year must be a 4-digit year", field="birth_year", got=year)
        data = patients.NewPatient(values["display_name"], int(year) if year else None)
        with database(request).transaction() as tx:
            patient_id = patients.create_patient(tx, actor, data, today(request))
            link = access_links.invite_patient(tx, actor, patient_id, email) if email else None
    except (InvalidInput, RunnersKneeError) as error:
        if not isinstance(error, InvalidInput) and error.code != "conflict":
            raise
        field = getattr(error, "field", None) or error.details.get("field") or "_form"
        return render(
            request,
            "clinic/new_patient.html",
            status_code=422,
            values=values,
            errors={field: error.message, "_form": error.message},
        )
    if link is not None:
        return issued_page(request, link, f"/clinic/patients/{patient_id}")
    return _see_other(f"/clinic/patients/{patient_id}")


def intake_page(
    request: Request, actor: Actor, patient_id: int, action: str, form: FormData | None
) -> Response:
    """Show (GET) or submit (POST) the intake form for ``patient_id``."""
    fields = case_fields(patient=actor.role is Role.PATIENT)
    record: dict[str, Any] = {}
    if actor.role is Role.CLINICIAN:
        record = {"record_id": patient_id, "record_name": record_name(request, patient_id)}
    if form is None:
        with database(request).transaction() as tx:
            current = intake.latest_intake(tx, actor, patient_id)
        values = flatten(current.case_data.to_json() if current else None, fields)
        return render(request, "intake.html", fields=fields, values=values, action=action, **record)
    data, errors = parse_form(fields, form)
    if not errors:
        try:
            with database(request).transaction() as tx:
                intake.submit_intake(tx, actor, patient_id, data, content=content(request))
        except InvalidInput as error:
            errors = error_map(error)
    if errors:
        errors.setdefault("_form", "Please correct the marked fields.")
        return render(
            request,
            "intake.html",
            status_code=422,
            fields=fields,
            values=form_values(form, fields),
            errors=errors,
            action=action,
            **record,
        )
    back = "/me" if actor.role is Role.PATIENT else f"/clinic/patients/{patient_id}"
    return _see_other(back)


@router.get("/clinic/patients/{patient_id}/intake")
def clinic_intake_form(request: Request, actor: CurrentActor, patient_id: int) -> Response:
    """The intake form (clinician)."""
    require_role(actor, Role.CLINICIAN)
    return intake_page(request, actor, patient_id, f"/clinic/patients/{patient_id}/intake", None)


@router.post("/clinic/patients/{patient_id}/intake")
def clinic_intake(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int
) -> Response:
    """Save the intake and show the triage."""
    require_role(actor, Role.CLINICIAN)
    return intake_page(request, actor, patient_id, f"/clinic/patients/{patient_id}/intake", form)


def questionnaire_page(  # noqa: PLR0917 - use case: tx, actor, record, fields
    request: Request,
    actor: Actor,
    patient_id: int,
    instrument_id: str,
    action: str,
    form: FormData | None,
) -> Response:
    """Show or submit one questionnaire."""
    instrument = instrument_form(request, instrument_id)
    if instrument is None:
        raise InvalidInput("unknown questionnaire", field="instrument", got=instrument_id)
    portal = content(request).portal_instruments()
    if actor.role is Role.PATIENT and instrument_id not in portal:
        raise NotFound("this questionnaire is entered by your clinician from the paper form")
    if form is None:
        with database(request).transaction() as tx:
            patients.get_patient(tx, actor, patient_id)
        return render(request, "questionnaire.html", instrument=instrument, action=action)
    values = {k: str(v) for k, v in form.items() if k.startswith("item.")}
    try:
        answers = parse_answers(instrument, form)
        with database(request).transaction() as tx:
            intake.record_questionnaire(
                tx,
                actor,
                patient_id,
                instrument_id,
                answers,
                today(request),
                content=content(request),
            )
    except InvalidInput as error:
        errors = error_map(error)
        if error.field == "answers":  # partly answered: mark each missing item, keep the draft
            missing = error.allowed
            errors.update({f"item.{i}": "Please answer this question." for i in missing})
        return render(
            request,
            "questionnaire.html",
            status_code=422,
            instrument=instrument,
            action=action,
            values=values,
            errors=errors,
        )
    back = "/me/progress" if actor.role is Role.PATIENT else f"/clinic/patients/{patient_id}"
    return _see_other(back)


@router.get("/clinic/patients/{patient_id}/questionnaires/{instrument_id}")
def clinic_questionnaire_form(
    request: Request, actor: CurrentActor, patient_id: int, instrument_id: str
) -> Response:
    """A questionnaire form (clinician enters the patient's answers)."""
    require_role(actor, Role.CLINICIAN)
    action = f"/clinic/patients/{patient_id}/questionnaires/{instrument_id}"
    return questionnaire_page(request, actor, patient_id, instrument_id, action, None)


@router.post("/clinic/patients/{patient_id}/questionnaires/{instrument_id}")
def clinic_questionnaire(
    request: Request, actor: CurrentActor, form: SafeForm, patient_id: int, instrument_id: str
) -> Response:
    """Score and save a questionnaire."""
    require_role(actor, Role.CLINICIAN)
    action = f"/clinic/patients/{patient_id}/questionnaires/{instrument_id}"
    return questionnaire_page(request, actor, patient_id, instrument_id, action, form)
