"""Response models (``…Out``) of the JSON API: what OpenAPI shows for each success response.

Each route declares its model with :func:`out`; the route still builds its body, which FastAPI
checks against the model. Keys a route leaves out stay out (``exclude_unset``), and a model
lists the keys a client can rely on; nested clinical documents (a triage, a plan, a video
result) are described by their own pages (docs/api.md, docs/case-schema.md) and typed here as
JSON objects.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "FHIR_RESPONSES",
    "AcceptedOut",
    "AlertResolvedOut",
    "AlertsOut",
    "AssessmentOut",
    "CreatedOut",
    "ErasedOut",
    "FlagOut",
    "IntakeOut",
    "JobOut",
    "JobsOut",
    "LinkIssuedOut",
    "MfaRequiredOut",
    "MfaStartOut",
    "NextRunOut",
    "PainLogOut",
    "PasswordChangedOut",
    "PlanVersionOut",
    "PlanVersionsOut",
    "QuestionnaireOut",
    "QuestionnairesOut",
    "RecordOut",
    "RecoveryCodesOut",
    "ReferralOut",
    "RoleOut",
    "RosterOut",
    "RunPainOut",
    "RunsOut",
    "SessionOut",
    "TimelineOut",
    "TodayOut",
    "TriageOut",
    "VideoResultOut",
    "file_responses",
    "out",
]

#: A JSON object (a clinical document described in the docs).
Doc = dict[str, Any]


class ApiOut(BaseModel):
    """A response body; keys beyond the listed ones pass through unchanged."""

    model_config = ConfigDict(extra="allow")


def out(model: type[ApiOut]) -> dict[str, Any]:
    """Route options: ``model`` describes the response; keys the route leaves out stay out."""
    return {"response_model": model, "response_model_exclude_unset": True}


def file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` of a route that answers a file in one of ``media_types``."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"content": dict.fromkeys(media_types, binary)}}


#: OpenAPI ``responses`` of the FHIR export: a Bundle of type ``collection``.
FHIR_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/fhir+json": {
                "schema": {
                    "type": "object",
                    "description": "A FHIR R4B Bundle of type collection.",
                    "properties": {
                        "resourceType": {"type": "string", "enum": ["Bundle"]},
                        "type": {"type": "string", "enum": ["collection"]},
                        "entry": {"type": "array", "items": {"type": "object"}},
                    },
                }
            }
        }
    }
}


class SessionOut(ApiOut):
    """Who is logged in, and the CSRF token for unsafe requests."""

    user_id: int
    role: str
    display_name: str
    patient_id: int | None
    csrf_token: str
    recovery_codes: list[str] | None = Field(
        default=None, description="Only at a first two-factor enrolment, shown once."
    )


class FlagOut(ApiOut):
    """A done action (``logged_out``, ``resolved`` or ``reset``: true)."""

    logged_out: bool | None = None
    resolved: bool | None = None
    reset: bool | None = None


class PasswordChangedOut(ApiOut):
    """The password changed; every session of the login ended."""

    changed: bool
    logged_out: bool


class LinkIssuedOut(ApiOut):
    """A one-time link (password reset, patient invitation or sign-in): e-mailed, or shown once
    to hand over (``link`` and ``token`` are null when it was e-mailed)."""

    purpose: str
    emailed: bool
    token: str | None
    link: str | None
    expires_in_hours: int


class RoleOut(ApiOut):
    """A login's new role."""

    user_id: int
    role: str


class MfaStartOut(ApiOut):
    """A new TOTP secret to confirm with a code."""

    secret: str
    uri: str
    enrol_token: str


class RecoveryCodesOut(ApiOut):
    """One-time recovery codes (shown once)."""

    recovery_codes: list[str]


class MfaRequiredOut(ApiOut):
    """Whether the clinic requires a second factor of clinicians and admins."""

    mfa_required: bool


class PatientOut(ApiOut):
    """One roster line."""

    id: int
    display_name: str
    birth_year: int | None
    status: str
    last_log_on: str | None
    open_alerts: int


class RosterOut(ApiOut):
    """A page of the roster."""

    data: list[PatientOut]
    count: int
    page: int
    pages: int


class CreatedOut(ApiOut):
    """The id of the new record."""

    id: int


class PlanVersionOut(ApiOut):
    """One plan version (the plan document: docs/api.md)."""

    id: int
    version: int
    status: str
    change: str | None
    created_at: str
    plan: Doc


class PlanVersionsOut(ApiOut):
    """Every plan version, newest first."""

    data: list[PlanVersionOut]
    count: int


class QuestionnaireOut(ApiOut):
    """One scored questionnaire."""

    id: int
    instrument: str


class QuestionnairesOut(ApiOut):
    """The questionnaires of the current episode."""

    data: list[QuestionnaireOut]
    count: int


class RecordOut(ApiOut):
    """The record overview."""

    patient_id: int
    display_name: str
    birth_year: int | None
    status: str
    portal_email: str | None
    intake: Doc | None
    assessment: Doc | None
    plan: Doc | None
    questionnaires: list[Doc]
    open_alerts: int


class IntakeOut(ApiOut):
    """The stored intake and its triage."""

    intake_id: int
    triage: Doc
    red_flag: bool


class TriageOut(ApiOut):
    """The latest intake's triage and its referral decision."""

    triage: Doc | None
    referral: Doc | None
    red_flag: bool


class ReferralOut(ApiOut):
    """The recorded referral decision."""

    referral: Doc | None


class AssessmentOut(ApiOut):
    """The stored assessment."""

    assessment: Doc


class TodayOut(ApiOut):
    """Today's exercises of the signed plan, today's pain and the pain-monitoring decision."""

    plan_version: int | None
    items: list[Doc]
    advice: list[Doc]
    pain_today: Doc | None
    decision: Doc | None
    gate: Doc | None


class PainLogOut(ApiOut):
    """The pain-monitoring decision after the entry."""

    decision: Doc | None


class WeekDaysOut(ApiOut):
    """Days with exercise logs in one week."""

    week: str
    days: int


class TimelineOut(ApiOut):
    """Adherence per week, score changes and plan versions."""

    adherence_days_per_week: list[WeekDaysOut]
    scores: list[Doc]
    plans: list[PlanVersionOut]


class AlertResolvedOut(ApiOut):
    """An alert marked handled, with what the clinician did about it."""

    id: int
    patient_id: int
    kind: str
    resolved: bool = Field(description="Always true: the alert is handled.")
    resolved_at: str = Field(description="When it was marked handled (ISO 8601, UTC).")
    resolved_note: str | None = Field(
        description="What was done (the first handling's note; null when none was given)."
    )
    occurred_on: str = Field(description="The day the event happened (ISO date).")


class AlertsOut(ApiOut):
    """Open alerts of the clinic."""

    data: list[Doc]
    count: int


class ErasedOut(ApiOut):
    """What an erasure removed."""

    erased: int
    rows: int
    files: int


class RunsOut(ApiOut):
    """The patient's runs with weekly totals."""

    data: list[Doc]
    count: int
    weeks: list[Doc]
    #: The sources by citation id (clinicians); a patient reads ``sources`` in plain words.
    citations: Doc | None = None
    sources: str | None = None
    gate: Doc


class NextRunOut(ApiOut):
    """The next run (a walk-run stage or a distance cap) with reasons and citations."""

    pain_sessions: int
    gate: Doc
    morning_baseline: Doc | None


class RunPainOut(ApiOut):
    """The next run after the pain entry (``null`` when the gate allows none)."""

    next_run: Doc | None
    gate: Doc


class JobOut(ApiOut):
    """A background job and the links to follow it."""

    id: int
    kind: str
    patient_id: int | None
    status: str
    progress: float
    stage: str | None
    error: str | None
    params: Doc
    created_at: str
    started_at: str | None
    finished_at: str | None
    links: dict[str, str]
    #: A run upload's outcome once finished: ``imported`` runs, ``skipped`` files with plain
    #: reasons, ``duplicates``, ``files_seen``, ``alerts_raised`` (absent for other jobs).
    result: Doc | None = None


class JobsOut(ApiOut):
    """The patient's video jobs."""

    data: list[JobOut]
    count: int


class VideoResultOut(ApiOut):
    """A video analysis: its job, status, result document and output files."""

    job: JobOut
    status: str
    reasons: list[str]
    result: Doc | None
    acceptable: dict[str, float]
    accepted: list[Doc]
    files: dict[str, str]


class AcceptedOut(ApiOut):
    """The measures accepted into the assessment."""

    accepted: dict[str, float]
    assessment: Doc
