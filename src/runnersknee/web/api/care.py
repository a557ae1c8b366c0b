"""JSON API /api/v1 (part 2): assessment, plan versions, logs, timeline, alerts, today."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from runnersknee.services.care import alerts, logs, records, today_view
from runnersknee.services.care.patient_json import for_actor
from runnersknee.services.review import timeline
from runnersknee.web.api.errors import ERROR_RESPONSES
from runnersknee.web.api.models import (
    AlertResolvedOut,
    AlertsOut,
    AssessmentOut,
    CreatedOut,
    PainLogOut,
    PlanVersionOut,
    PlanVersionsOut,
    TimelineOut,
    TodayOut,
    out,
)
from runnersknee.web.api.patients import JSON, _plain
from runnersknee.web.auth import CurrentActor
from runnersknee.web.common import content, database, today

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)


class ItemEdit(BaseModel):
    """A new dose text and clinician note for one plan item."""

    model_config = ConfigDict(extra="forbid")
    dose: str = Field(max_length=300)
    note: str = Field(default="", max_length=1000)


class ExerciseAdd(BaseModel):
    """A library exercise to add."""

    model_config = ConfigDict(extra="forbid")
    exercise_id: str = Field(max_length=80)
    note: str = Field(default="", max_length=1000)


class AlertResolveIn(BaseModel):
    """What was done about an alert (kept on it, like the alerts page's note)."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=alerts.NOTE_MAX)


class SignIn(BaseModel):
    """Sign-off note."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=1000)


class ExerciseLogIn(BaseModel):
    """Sets (and reps) done of one plan exercise."""

    model_config = ConfigDict(extra="forbid")
    exercise_id: str = Field(max_length=80)
    sets_done: int
    reps_done: int | None = None
    performed_on: date | None = None


class PainLogIn(BaseModel):
    """Pain 0–10 during / after a session, or the next morning."""

    model_config = ConfigDict(extra="forbid")
    during: int | None = None
    after: int | None = None
    next_morning: int | None = None
    activity: str = Field(default="exercise", max_length=20)
    logged_on: date | None = None


def _version(version: records.PlanVersion) -> JSON:
    return {
        "id": version.id,
        "version": version.version,
        "status": version.status,
        "change": version.change,
        "created_at": version.created_at.isoformat(),
        "plan": version.data,
    }


@router.put("/patients/{patient_id}/assessment", tags=["assessment"], **out(AssessmentOut))
def put_assessment(request: Request, actor: CurrentActor, patient_id: int, body: JSON) -> JSON:
    """Store an assessment (left/right measures; see clinical/assessment.py)."""
    with database(request).transaction() as tx:
        stored = records.save_assessment(tx, actor, patient_id, body)
    return {"assessment": stored}


@router.get("/patients/{patient_id}/plans", tags=["plans"], **out(PlanVersionsOut))
def get_plans(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """Every plan version, newest first."""
    with database(request).transaction() as tx:
        versions = records.plan_versions(tx, actor, patient_id, content=content(request))
    return {"data": for_actor(actor, [_version(v) for v in versions]), "count": len(versions)}


@router.post("/patients/{patient_id}/plans", tags=["plans"], status_code=201, **out(PlanVersionOut))
def post_plan(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """Generate a plan version (refused while triage blocks it)."""
    with database(request).transaction() as tx:
        version = records.generate_plan(tx, actor, patient_id, content=content(request))
    return _version(version)


@router.patch("/patients/{patient_id}/plans/items/{item_id}", tags=["plans"], **out(PlanVersionOut))
def patch_item(
    request: Request, actor: CurrentActor, patient_id: int, item_id: str, body: ItemEdit
) -> JSON:
    """Edit one item (a new draft version)."""
    with database(request).transaction() as tx:
        version = records.update_item(tx, actor, patient_id, item_id, body.dose, body.note)
    return _version(version)


@router.delete(
    "/patients/{patient_id}/plans/items/{item_id}", tags=["plans"], **out(PlanVersionOut)
)
def delete_item(request: Request, actor: CurrentActor, patient_id: int, item_id: str) -> JSON:
    """Remove one item (a new draft version)."""
    with database(request).transaction() as tx:
        version = records.remove_item(tx, actor, patient_id, item_id)
    return _version(version)


@router.post(
    "/patients/{patient_id}/plans/items", tags=["plans"], status_code=201, **out(PlanVersionOut)
)
def add_item(request: Request, actor: CurrentActor, patient_id: int, body: ExerciseAdd) -> JSON:
    """Add a library exercise (a new draft version)."""
    with database(request).transaction() as tx:
        version = records.add_exercise(
            tx, actor, patient_id, body.exercise_id, body.note, content=content(request)
        )
    return _version(version)


@router.post("/patients/{patient_id}/plans/sign", tags=["plans"], **out(PlanVersionOut))
def sign(request: Request, actor: CurrentActor, patient_id: int, body: SignIn) -> JSON:
    """Sign off the current plan (a new, signed version)."""
    with database(request).transaction() as tx:
        version = records.sign_plan(tx, actor, patient_id, body.note)
    return _version(version)


@router.get("/patients/{patient_id}/today", tags=["logs"], **out(TodayOut))
def get_today(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """Today's exercises of the signed plan, today's logs and the pain-monitoring decision."""
    with database(request).transaction() as tx:
        view = today_view.today(tx, actor, patient_id, today(request), content=content(request))
    result: JSON = _plain(dataclasses.replace(view, gate=None, items=(), advice=()))
    result["items"] = [item.to_json() for item in view.items]
    result["advice"] = [advice.to_json() for advice in view.advice]
    del result["sets_today"]  # the items carry their own sets (the page's session needs it)
    result["gate"] = None if view.gate is None else view.gate.patient_json()
    plain: JSON = for_actor(actor, result)
    return plain


@router.post(
    "/patients/{patient_id}/exercise-logs", tags=["logs"], status_code=201, **out(CreatedOut)
)
def post_exercise_log(
    request: Request, actor: CurrentActor, patient_id: int, body: ExerciseLogIn
) -> JSON:
    """Log sets and reps of one exercise."""
    with database(request).transaction() as tx:
        log_id = logs.log_exercise(
            tx,
            actor,
            patient_id,
            body.exercise_id,
            body.sets_done,
            body.reps_done,
            body.performed_on or today(request),
            content=content(request),
        )
    return {"id": log_id}


@router.post("/patients/{patient_id}/pain-logs", tags=["logs"], status_code=201, **out(PainLogOut))
def post_pain_log(request: Request, actor: CurrentActor, patient_id: int, body: PainLogIn) -> JSON:
    """Log pain; returns the pain-monitoring decision (KB 5.5)."""
    with database(request).transaction() as tx:
        decision = logs.log_pain(
            tx,
            actor,
            patient_id,
            body.logged_on or today(request),
            body.during,
            body.after,
            body.next_morning,
            body.activity,
            content=content(request),
        )
    return {"decision": for_actor(actor, _plain(decision))}


@router.get("/patients/{patient_id}/timeline", tags=["logs"], **out(TimelineOut))
def get_timeline(request: Request, actor: CurrentActor, patient_id: int) -> JSON:
    """Adherence per week, score changes and plan versions (charts are on the pages)."""
    with database(request).transaction() as tx:
        data = timeline.timeline(tx, actor, patient_id, today(request), content=content(request))
    body: JSON = {
        "adherence_days_per_week": [{"week": w, "days": d} for w, d in data.adherence_days],
        "scores": [
            {"instrument": s.instrument_id, "change": s.change and s.change.to_json()}
            for s in data.scores
        ],
        "plans": [_version(v) for v in data.plans],
    }
    plain: JSON = for_actor(actor, body)
    return plain


@router.get("/alerts", tags=["alerts"], **out(AlertsOut))
def get_alerts(request: Request, actor: CurrentActor) -> JSON:
    """Open alerts of the clinic."""
    with database(request).transaction() as tx:
        items = alerts.list_alerts(tx, actor)
    data: list[Any] = _plain(items)
    for entry, item in zip(data, items, strict=True):
        entry["created_at"] = item.created_at.isoformat()
        entry["resolved_at"] = None
    return {"data": data, "count": len(items)}


@router.post("/alerts/{alert_id}/resolve", tags=["alerts"], **out(AlertResolvedOut))
def resolve(
    request: Request, actor: CurrentActor, alert_id: int, body: AlertResolveIn | None = None
) -> JSON:
    """Mark an alert handled with a note of what was done (the body is optional).

    An alert already handled keeps its first handling; the answer shows it."""
    note = body.note if body is not None else ""
    with database(request).transaction() as tx:
        view = alerts.resolve_alert(tx, actor, alert_id, note)
    resolved_at = view.resolved_at
    return {
        "id": view.id,
        "patient_id": view.patient_id,
        "kind": view.kind,
        "resolved": True,
        "resolved_at": resolved_at.isoformat() if resolved_at else "",
        "resolved_note": view.resolved_note,
        "occurred_on": view.event_day.isoformat(),
    }
