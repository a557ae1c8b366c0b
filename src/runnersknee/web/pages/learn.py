"""Portal pages /me/learn: the education topics of the patient's plan (services/care/learn.py)
and the general pages about runner's knee (web/presenters/education.py), each in plain words with
its sources behind a "where this comes from" link, and a diagram where one helps.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from runnersknee.clinical.errors import NotFound
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import learn
from runnersknee.web.auth import CurrentActor, own_patient
from runnersknee.web.common import database
from runnersknee.web.presenters.education import TOPICS
from runnersknee.web.render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

#: General pages that say the same as a plan topic (the plan's page is listed instead).
_SAME_AS = {
    "what-is-runners-knee": "what_is_runners_knee",
    "why-early-treatment-matters": "why_early_treatment",
}


def _general(plan_slugs: set[str]) -> tuple[learn.LearnTopic, ...]:
    return tuple(
        learn.LearnTopic(t.slug, t.title, t.paragraphs, t.citation_ids, False, None)
        for t in TOPICS
        if _SAME_AS.get(t.slug) not in plan_slugs
    )


def _all(request: Request, actor: Actor) -> tuple[tuple[learn.LearnTopic, ...], learn.PainScale]:
    patient_id = own_patient(actor)
    with database(request).transaction() as tx:
        topics, scale = learn.topics_for(tx, actor, patient_id)
    slugs = {t.slug for t in topics}
    return topics + _general(slugs), scale


@router.get("/me/learn")
def learn_page(request: Request, actor: CurrentActor) -> Response:
    """Every topic: the plan's first, then the others."""
    topics, _ = _all(request, actor)
    return render(request, "portal/learn.html", topics=topics)


@router.get("/me/learn/{slug}")
def topic_page(request: Request, actor: CurrentActor, slug: str) -> Response:
    """One topic, with its diagram."""
    topics, scale = _all(request, actor)
    found = next((t for t in topics if t.slug == slug), None)
    if found is None:
        raise NotFound("no such topic", slug=slug[:80])
    return render(request, "portal/topic.html", topic=found, topics=topics, scale=scale)
