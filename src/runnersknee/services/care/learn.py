"""The Learn pages of the portal: every education topic of the patient's signed plan (with the
plan's pain limit filled in), then the other topics for everyone, with a diagram where one
helps (the 0-10 pain scale with the limits in force).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from runnersknee.clinical.pain_monitoring import PainMonitoringConfig
from runnersknee.content.assessment import load_plan_config
from runnersknee.content.education import load_education
from runnersknee.services.access.authz import Actor, authorize_record
from runnersknee.services.care.logs import signed_plan
from runnersknee.store.json_document import json_list
from runnersknee.store.mapping import JSONObject

__all__ = ["DIAGRAMS", "LearnTopic", "PainScale", "topics_for"]

#: Topic id → the diagram its page shows.
DIAGRAMS = {
    "pain_monitoring": "pain_scale",
    "load_management": "steps",
    "running_changes": "walk_run",
}


@dataclass(frozen=True, slots=True)
class PainScale:
    """The limits the pain-scale diagram colours: during exercise and after it (0-10)."""

    during_max: float
    after_max: float


@dataclass(frozen=True, slots=True)
class LearnTopic:
    """One education page."""

    slug: str
    title: str
    paragraphs: tuple[str, ...]
    citation_ids: tuple[str, ...]
    in_plan: bool
    diagram: str | None


def _default_threshold() -> float:
    return float(load_plan_config().pain_threshold_nprs.value)


def _topic(raw: JSONObject, in_plan: bool) -> LearnTopic:
    ident, cites = str(raw["id"]), raw.get("citation_ids")
    return LearnTopic(
        slug=ident,
        title=str(raw["title"]),
        paragraphs=(str(raw["body"]),),
        citation_ids=tuple(str(c) for c in cites) if isinstance(cites, list) else (),
        in_plan=in_plan,
        diagram=DIAGRAMS.get(ident),
    )


def topics_for(
    tx: Session, actor: Actor, patient_id: int
) -> tuple[tuple[LearnTopic, ...], PainScale]:
    """The plan's topics first (as signed), then every other topic for all audiences; and the
    pain limits of the patient's plan (the configured defaults without a plan)."""
    authorize_record(tx, actor, "patient.read", patient_id)
    plan = signed_plan(tx, patient_id)
    data: JSONObject = dict(plan.data or {}) if plan is not None else {}
    planned = [t for t in json_list(data.get("education")) if t.get("id")]
    threshold = data.get("pain_threshold_nprs")
    limit = float(threshold) if isinstance(threshold, int | float) else _default_threshold()
    found = [_topic(t, True) for t in planned]
    seen = {t.slug for t in found}
    text = f"{limit:g}"
    for topic in load_education():
        if topic.id in seen or topic.audience != "all":
            continue
        raw: JSONObject = {
            "id": topic.id,
            "title": topic.title,
            "body": topic.body.replace("{pain_threshold}", text),
            "citation_ids": list(topic.citation_ids),
        }
        found.append(_topic(raw, False))
    return tuple(found), PainScale(limit, PainMonitoringConfig().after_max_nprs)
