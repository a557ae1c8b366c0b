"""Plan-change suggestions of one record: the evidence gathered through the existing use cases,
judged by the core (clinical/suggestions.py), and the clinician's decisions.

Suggestions are **computed** on every read, never stored: the evidence (pain logs, exercise
logs, runs, questionnaires, the plan) changes all the time and a stored suggestion would go
stale. Only the decisions are stored (``plan_suggestion``, migration 0012): accepting one
applies its changes to a copy of the current plan version as a new **draft** (nothing reaches
the patient before sign-off); dismissing one keeps the clinician's reason. A decided
suggestion's evidence ``key`` is never suggested again; new evidence gives a new key.
Reading them is ``suggestion.read`` (clinicians); every decision is authorized as
``plan.write`` and audited (``suggestion.accept`` / ``suggestion.dismiss``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from runnersknee.clinical.errors import Conflict, InvalidInput
from runnersknee.clinical.load import CadenceStatus
from runnersknee.clinical.suggestions import (
    Evidence,
    ItemFacts,
    RunFacts,
    Settings,
    Suggestion,
    suggest,
)
from runnersknee.content.bundle import ClinicalContent
from runnersknee.services.access.authz import Actor, authorize
from runnersknee.services.care import pain_state, records
from runnersknee.services.care.alerts import SPIKE_ALERT_CATEGORIES
from runnersknee.services.care.patients import current_episode
from runnersknee.services.care.plan_changes import apply_changes
from runnersknee.services.care.plan_document import PlanDocument
from runnersknee.services.care.records import PlanVersion
from runnersknee.services.care.responder import Administration, reassessments
from runnersknee.services.platform.audit import record_access
from runnersknee.services.running import run_records
from runnersknee.store.tables import (
    ExerciseLogRow,
    PainLogRow,
    PlanSuggestionRow,
    PlanVersionRow,
    UserRow,
)

__all__ = ["Decision", "SuggestionsView", "accept", "dismiss", "view"]

_REASON_MAX = 1000
#: The plan setting ``completions_required`` cites the project's plan defaults (plan.toml).
_COMPLETIONS_CITES = ("KB-PLAN-DEFAULTS",)


@dataclass(frozen=True, slots=True)
class Decision:
    """A decided suggestion as the record lists it."""

    title: str
    evidence: str
    status: str
    note: str | None
    by: str
    at: datetime
    plan_version: int | None


@dataclass(frozen=True, slots=True)
class SuggestionsView:
    """Open suggestions (newest evidence) and the decisions already taken."""

    open: tuple[Suggestion, ...]
    decided: tuple[Decision, ...]


def _settings(content: ClinicalContent) -> Settings:
    plan = content.plan_config
    return Settings(
        completions_required=plan.completions_required,
        completions_citation_ids=_COMPLETIONS_CITES,
        orthoses_max_weeks=plan.orthoses_max_weeks.value,
        orthoses_citation_ids=plan.orthoses_max_weeks.citation_ids,
        cadence_min_pct=plan.cadence_increase_min_pct.value,
        cadence_max_pct=plan.cadence_increase_max_pct.value,
        cadence_citation_ids=plan.cadence_increase_max_pct.citation_ids,
        running_min_phase=content.gate.config.running_min_phase,
    )


def _local(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _first_signed(versions: Sequence[PlanVersion], zone: tzinfo) -> dict[str, date]:
    """Each item id → the day the oldest signed version holding it was signed."""
    found: dict[str, date] = {}
    for version in reversed(versions):  # oldest first
        if version.signed:
            for item in version.document.items():
                found.setdefault(str(item.id), _local(version.created_at, zone))
    return found


def _days_logged(tx: Session, patient_id: int, since: date) -> dict[str, int]:
    rows = tx.execute(
        select(ExerciseLogRow.exercise_id, func.count(func.distinct(ExerciseLogRow.performed_on)))
        .where(ExerciseLogRow.patient_id == patient_id, ExerciseLogRow.performed_on >= since)
        .group_by(ExerciseLogRow.exercise_id)
    ).all()
    return {str(exercise): int(days) for exercise, days in rows}


def _run_facts(runs: run_records.RunsOverview, since: date | None) -> tuple[RunFacts, bool]:
    cadence = runs.cadence
    spikes = tuple(
        (e.run.run_on, (e.spike.increase_fraction or 0.0) * 100)
        for e in runs.runs
        if e.spike.category in SPIKE_ALERT_CATEGORIES and since and e.run.run_on >= since
    )[:3]
    facts = RunFacts(
        cadence.baseline_spm,
        cadence.latest_spm,
        cadence.status is CadenceStatus.BELOW_TARGET,
        spikes,
    )
    recent = any(e.run.run_on >= runs.today - timedelta(days=30) for e in runs.runs)
    return facts, recent


def _item_facts(
    plan: PlanDocument, logged: dict[str, int], first: dict[str, date]
) -> tuple[ItemFacts, ...]:
    """What the record says about each item of ``plan``."""
    return tuple(
        ItemFacts(
            str(item.id),
            item.title or str(item.id),
            item.exercise_id,
            logged.get(item.exercise_id or "", 0),
            first.get(str(item.id)),
        )
        for item in plan.items()
    )


def _evidence(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> Evidence | None:
    overview = records.overview(tx, actor, patient_id, content=content)
    if overview.plan is None:
        return None
    versions = records.plan_versions(tx, actor, patient_id, content=content)
    signed = next((v for v in versions if v.signed), None)
    since = signed.created_at.date() if signed is not None else None  # as the gate reads it
    logged = _days_logged(tx, patient_id, since) if since else {}
    items = _item_facts(overview.plan.document, logged, _first_signed(versions, zone))
    decision = (
        pain_state.decision_since(tx, patient_id, since, content.pain_monitoring) if since else None
    )
    pain_day = (
        tx.scalar(
            select(func.max(PainLogRow.logged_on)).where(
                PainLogRow.patient_id == patient_id, PainLogRow.logged_on >= since
            )
        )
        if since
        else None
    )
    runs, recent = _run_facts(
        run_records.overview(tx, actor, patient_id, today, content=content), since
    )
    scores = reassessments(
        [
            Administration(q.id, q.instrument, q.administered_on, dict(q.answers))
            for q in overview.questionnaires
            if q.total is not None
        ],
        content,
    )
    return Evidence(
        today=today,
        signed_version=signed.version if signed else None,
        plan_phase=overview.plan.document.phase,
        items=items,
        pain_decision=decision.decision.value if decision else None,
        pain_reasons=decision.reasons if decision else (),
        pain_citation_ids=decision.citation_ids if decision else (),
        pain_day=pain_day,
        runner=recent or (overview.intake is not None and overview.intake.case_data.runs),
        running_held=overview.plan.document.running_held,
        runs=runs,
        scores=scores,
    )


def _decided(tx: Session, patient_id: int) -> tuple[Decision, ...]:
    rows = tx.execute(
        select(PlanSuggestionRow, UserRow.display_name, PlanVersionRow.version)
        .join(UserRow, UserRow.id == PlanSuggestionRow.decided_by)
        .outerjoin(PlanVersionRow, PlanVersionRow.id == PlanSuggestionRow.plan_version_id)
        .where(PlanSuggestionRow.patient_id == patient_id)
        .order_by(PlanSuggestionRow.created_at.desc(), PlanSuggestionRow.id.desc())
        .limit(100)
    ).all()
    return tuple(
        Decision(row.title, row.evidence, row.status, row.note, str(name), row.created_at, number)
        for row, name, number in rows
    )


def _decided_keys(tx: Session, patient_id: int) -> set[str]:
    return set(
        tx.scalars(select(PlanSuggestionRow.key).where(PlanSuggestionRow.patient_id == patient_id))
    )


def _open(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> tuple[Suggestion, ...]:
    evidence = _evidence(tx, actor, patient_id, today, zone, content)
    if evidence is None:
        return ()
    found = suggest(evidence, content.follow_up, content.exercises, _settings(content))
    done = _decided_keys(tx, patient_id)
    return tuple(s for s in found if s.key not in done)


def view(  # noqa: PLR0917 - use case: tx, actor, record, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> SuggestionsView:
    """The open suggestions and the decisions taken (clinicians; authorized, audited)."""
    authorize(tx, actor, "suggestion.read", patient_id)
    return SuggestionsView(
        _open(tx, actor, patient_id, today, zone, content), _decided(tx, patient_id)
    )


def _find(  # noqa: PLR0917 - use case: tx, actor, record, key, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    key: str,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> Suggestion:
    authorize(tx, actor, "plan.write", patient_id)
    for found in _open(tx, actor, patient_id, today, zone, content):
        if found.key == key:
            return found
    raise Conflict(
        "this suggestion no longer applies (it was decided, or the record changed): "
        "see the current suggestions",
        field="suggestion",
    )


def _record(  # noqa: PLR0917 - the decision's fields
    tx: Session,
    actor: Actor,
    patient_id: int,
    suggestion: Suggestion,
    status: str,
    note: str | None,
    version: PlanVersion | None,
) -> None:
    row = PlanSuggestionRow(
        patient_id=patient_id,
        episode_id=current_episode(tx, patient_id).id,
        rule=suggestion.rule,
        key=suggestion.key[:160],
        status=status,
        title=suggestion.title[:300],
        evidence=suggestion.reason[:_REASON_MAX],
        note=note,
        plan_version_id=None if version is None else version.id,
        decided_by=actor.user_id,
    )
    tx.add(row)
    try:
        tx.flush()
    except IntegrityError as error:  # another clinician decided it a moment ago
        msg = "this suggestion was decided a moment ago: see the current suggestions"
        raise Conflict(msg, field="suggestion") from error
    action = f"suggestion.{'accept' if status == 'accepted' else 'dismiss'}"
    record_access(
        tx, actor.user_id, actor.role.value, action, "suggestion", str(row.id), patient_id
    )


def accept(  # noqa: PLR0917 - use case: tx, actor, record, key, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    key: str,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> PlanVersion:
    """Apply the suggestion ``key`` to the current version as a new draft; refused (nothing
    changes) when it no longer applies or a change cannot be made."""
    suggestion = _find(tx, actor, patient_id, key, today, zone, content)
    episode_id, plan = records.editable_plan(tx, actor, patient_id)
    plan = apply_changes(plan, suggestion.changes, content.exercises, today, suggestion.reason)
    version = records.save_draft(tx, actor, episode_id, plan, f"accepted {suggestion.title}")
    _record(tx, actor, patient_id, suggestion, "accepted", None, version)
    return version


def dismiss(  # noqa: PLR0917 - use case: tx, actor, record, key, reason, context
    tx: Session,
    actor: Actor,
    patient_id: int,
    key: str,
    reason: str,
    today: date,
    zone: tzinfo,
    content: ClinicalContent,
) -> None:
    """Dismiss the suggestion ``key`` with the clinician's reason (kept and audited); it is
    not suggested again for the same evidence."""
    text = reason.strip()
    if not text:
        raise InvalidInput("say why you dismiss this suggestion", field="reason")
    suggestion = _find(tx, actor, patient_id, key, today, zone, content)
    _record(tx, actor, patient_id, suggestion, "dismissed", text[:_REASON_MAX], None)
