"""JSON API /api/v1 (part 1): sessions, patients, intake and triage, questionnaires, referral.

Errors always have the one shape ``{"error": {"code", "message", ...}}``. Unsafe requests
need the session's CSRF token in ``X-CSRF-Token`` (returned by login and GET /auth/session).
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from runnersknee.clinical.assessment import Assessment
from runnersknee.clinical.errors import InvalidInput
from runnersknee.services.access import accounts
from runnersknee.services.access.accounts import LoginPolicy
from runnersknee.services.access.login import SecondStep, audit_logout, log_in
from runnersknee.services.care import intake, patients, records
from runnersknee.services.care.intake_answers import IntakeAnswers
from runnersknee.services.care.patient_json import for_actor
from runnersknee.web.api.errors import ERROR_RESPONSES
from runnersknee.web.api.models import (
    CreatedOut,
    FlagOut,
    IntakeOut,
    QuestionnaireOut,
    QuestionnairesOut,
    RecordOut,
    ReferralOut,
    RosterOut,
    SessionOut,
    TriageOut,
    out,
)
from runnersknee.web.auth import (
    CurrentActor,
    CurrentSession,
    clear_session_cookie,
    session_cookie_name,
    set_session_cookie,
)
from runnersknee.web.common import (
    client_address,
    content,
    database,
    login_guard,
    settings,
    today,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

JSON = dict[str, Any]


class LoginIn(BaseModel):
    """Email and password."""

    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    password: str = Field(max_length=1000)
    otp: str = Field(default="", max_length=64, description="TOTP or recovery code.")
    enrol_token: str = Field(
        default="", max_length=2000, description="From a first-enrolment mfa_required error."
    )


class PatientIn(BaseModel):
    """A new patient (a portal login follows by invitation: POST .../invite)."""

    model_config = ConfigDict(extra="forbid")
    display_name: str = Field(max_length=200)
    birth_year: int | None = None


class QuestionnaireIn(BaseModel):
    """Answers keyed by item id (option id or number)."""

    model_config = ConfigDict(extra="forbid")
    instrument: str = Field(max_length=40)
    answers: dict[str, int | str]
    administered_on: date | None = None


class ReferralIn(BaseModel):
    """The referral decision of a red-flag triage."""

    model_config = ConfigDict(extra="forbid")
    decision: str = Field(max_length=20)
    note: str = Field(max_length=1000)


@dataclasses.dataclass(frozen=True, slots=True)
class _StoredPlanVersion:
    """A plan version in the JSON API: its plan in the stored JSON form (``data``)."""

    id: int
    version: int
    status: str
    change: str
    data: JSON
    created_by: int
    created_at: datetime


def _plain(value: Any) -> Any:
    if isinstance(value, records.PlanVersion):  # the plan as stored (its typed form: .document)
        value = _StoredPlanVersion(
            value.id,
            value.version,
            value.status,
            value.change,
            value.data,
            value.created_by,
            value.created_at,
        )
    if isinstance(value, Assessment):
        return records.assessment_json(value)
    if isinstance(value, IntakeAnswers):  # the answers as stored
        return value.to_json()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _actor_json(session: accounts.OpenSession) -> JSON:
    actor = session.actor
    return {
        "user_id": actor.user_id,
        "role": actor.role.value,
        "display_name": actor.display_name,
        "patient_id": actor.patient_id,
        "csrf_token": session.csrf_token,
    }


@router.post("/auth/login", tags=["auth"], **out(SessionOut))
def login(request: Request, body: LoginIn, response: Response) -> JSON:
    """Log in; sets the session cookie and returns the CSRF token for unsafe requests.

    A login with two-factor sign-in (or whose clinic requires it) first answers 401
    ``mfa_required``; send the TOTP code as ``otp`` (with ``enrol_token`` for a first
    enrolment, whose answer also lists the recovery codes, once)."""
    cfg = settings(request)
    policy = LoginPolicy(cfg.login_max_failures, cfg.login_lock_minutes)
    login_guard(request).admit(body.email, client_address(request))
    db = database(request)
    step = SecondStep(body.otp, body.enrol_token, cfg.signing_key())
    result = log_in(db, body.email, body.password, policy, step)
    with db.transaction() as tx:
        token, csrf = accounts.open_session(tx, result.actor)
    set_session_cookie(response, cfg, token)
    body_out = _actor_json(accounts.OpenSession(result.actor, csrf))
    if result.recovery_codes:
        body_out["recovery_codes"] = list(result.recovery_codes)
    return body_out


@router.get("/auth/session", tags=["auth"], **out(SessionOut))
def session_info(session: CurrentSession) -> JSON:
    """Who is logged in, and the CSRF token."""
    return _actor_json(session)


@router.post("/auth/logout", tags=["auth"], **out(FlagOut))
def logout(request: Request, session: CurrentSession, response: Response) -> JSON:
    """End the session."""
    cfg = settings(request)
    with database(request).transaction() as tx:
        accounts.close_session(tx, request.cookies.get(session_cookie_name(cfg), ""))
    audit_logout(database(request), session.actor)
    clear_session_cookie(response, cfg)
    return {"logged_out": True}


@router.get("/patients", tags=["patients"], **out(RosterOut))
def list_patients(
    request: Request, actor: CurrentActor, q: str = "", status: str = "", page: int = 1
) -> JSON:
    """The roster (clinicians)."""
    with database(request).transaction() as tx:
        result = patients.roster(tx, actor, q[:100], status[:20], max(1, min(page, 100000)))
    return {
        "data": _plain(list(result.entries)),
        "count": result.total,
        "page": result.page,
        "pages": result.pages,
    }


@router.post("/patients", tags=["patients"], status_code=201, **out(CreatedOut))
def create_patient(request: Request, actor: CurrentActor, body: PatientIn) -> JSON:
    """Add a patient to the clinic."""
    data = patients.NewPatient(body.display_name, body.birth_year)
    with database(request).transaction() as tx:
        patient_id = patients.create_patient(tx, actor, data, today(request))
    return {"id": patient_id}


@router.get("/patients/{patient_id}", tags=["patients"], **out(RecordOut))
def get_patient(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """The record overview: status, intake with triage, assessment, current plan, scores."""
    with database(request).transaction() as tx:
        overview = records.overview(tx, actor, patient_id, content=content(request))
    body: JSON = _plain(overview)
    if overview.intake is not None:
        body["intake"]["red_flag"] = overview.intake.red_flag
    result: JSON = for_actor(actor, body)
    return result


@router.put("/patients/{patient_id}/intake", tags=["intake"], **out(IntakeOut))
def put_intake(request: Request, actor: CurrentActor, patient_id: int, body: JSON) -> JSON:
    """Submit the intake (a case document, see docs/case-schema.md); returns the triage."""
    with database(request).transaction() as tx:
        view = intake.submit_intake(tx, actor, patient_id, body, content=content(request))
    triage = for_actor(actor, view.triage)
    return {"intake_id": view.id, "triage": triage, "red_flag": view.red_flag}


@router.get("/patients/{patient_id}/triage", tags=["intake"], **out(TriageOut))
def get_triage(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """The triage of the latest intake and the referral decision."""
    with database(request).transaction() as tx:
        view = intake.latest_intake(tx, actor, patient_id)
    if view is None:
        return {"triage": None, "referral": None, "red_flag": False}
    triage = for_actor(actor, view.triage)
    return {"triage": triage, "referral": view.referral, "red_flag": view.red_flag}


@router.post("/patients/{patient_id}/referral", tags=["intake"], **out(ReferralOut))
def post_referral(request: Request, actor: CurrentActor, patient_id: int, body: ReferralIn) -> JSON:
    """Record the referral decision (``referred`` or ``cleared``) of a red-flag triage."""
    with database(request).transaction() as tx:
        view = intake.record_referral(tx, actor, patient_id, body.decision, body.note)
    return {"referral": view.referral}


@router.post(
    "/patients/{patient_id}/questionnaires",
    tags=["questionnaires"],
    status_code=201,
    **out(QuestionnaireOut),
)
def post_questionnaire(
    request: Request, actor: CurrentActor, patient_id: int, body: QuestionnaireIn
) -> JSON:
    """Score and store a questionnaire."""
    with database(request).transaction() as tx:
        view = intake.record_questionnaire(
            tx,
            actor,
            patient_id,
            body.instrument,
            body.answers,
            body.administered_on or today(request),
            content=content(request),
        )
    result: JSON = for_actor(actor, _plain(view))
    return result


@router.get(
    "/patients/{patient_id}/questionnaires", tags=["questionnaires"], **out(QuestionnairesOut)
)
def get_questionnaires(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """Every administration of the current episode."""
    with database(request).transaction() as tx:
        items = intake.questionnaires(tx, actor, patient_id)
    return {"data": for_actor(actor, _plain(items)), "count": len(items)}


def require_json_object(body: Any) -> JSON:
    """Refuse a request body that is not a JSON object."""
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    return body
