"""The home-exercise handout: the portal's patient wording (``patient_text.arrange``) of the
signed plan, with each exercise's drawing and instructions, the pain rule and the stop rules.

Patients see no sources, rule ids or thresholds' names here: only plain words.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from runnersknee.clinical.errors import NotFound
from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.content.bundle import ClinicalContent
from runnersknee.content.exercises import illustration_file
from runnersknee.reports.model import Handout, HandoutAdvice, HandoutExercise, Heading
from runnersknee.services.access.authz import Actor
from runnersknee.services.care import intake, logs, patient_text, today_view
from runnersknee.services.care.plan_document import PlanItemDoc
from runnersknee.services.care.records import plan_items
from runnersknee.services.care.safety_gate import gate_for, require_exercises
from runnersknee.store.tables import PatientRow

__all__ = ["case_handout", "patient_handout"]

_SIDES = {"left": "Left leg", "right": "Right leg", "both": "Both legs"}


def _illustration(library: ExerciseLibrary, exercise_id: str) -> str:
    """The drawing as a ``data:`` URI (a packaged content file), or ''."""
    path = illustration_file(library.get(exercise_id))
    if path is None:
        return ""
    return "data:image/svg+xml;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _side(item: Mapping[str, Any], knee_side: str | None) -> str:
    """The leg named by the plan item's findings, else the painful knee from the intake."""
    named = {str(a).rsplit(":", 1)[-1] for a in item.get("answers") or () if ":" in str(a)}
    named &= {"left", "right"}
    if len(named) == 1:
        return _SIDES[named.pop()]
    if len(named) == 2:
        return _SIDES["both"]
    if knee_side in ("left", "right"):
        return f"{_SIDES['both']} (painful knee: {knee_side})"
    return _SIDES["both"]


def _exercise(
    card: patient_text.ExerciseCard,
    item: Mapping[str, Any],
    knee_side: str | None,
    library: ExerciseLibrary,
) -> HandoutExercise:
    ex = card.exercise
    return HandoutExercise(
        title=card.title,
        illustration_uri=_illustration(library, card.exercise_id),
        setup=ex.setup,
        steps=ex.steps,
        tips=ex.cues,
        avoid=ex.common_errors,
        dose=card.edited_dose or card.dose.text,
        side=_side(item, knee_side),
        note=card.note,
    )


def _handout(
    heading: Heading,
    page: patient_text.PatientToday,
    items: Mapping[str, Mapping[str, Any]],
    knee_side: str | None,
    content: ClinicalContent,
) -> Handout:
    exercises = tuple(
        _exercise(card, items.get(card.exercise_id, {}), knee_side, content.exercises)
        for card in page.exercises
    )
    advice = tuple(
        HandoutAdvice(card.title, " ".join(p for p in (card.text, card.when) if p))
        for card in page.advice
    )
    stop = content.safety
    return Handout(heading, exercises, advice, page.discomfort, stop.stop_rules, stop.medicines)


def _by_exercise(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(i["exercise_id"]): i for i in plan_items(plan) if i.get("exercise_id")}


def patient_handout(
    tx: Session, actor: Actor, patient_id: int, today: date, *, content: ClinicalContent
) -> Handout:
    """The handout of a stored patient's signed plan (refused while the safety gate allows no
    exercises: a red flag, a referral, no signed plan)."""
    view = today_view.today(tx, actor, patient_id, today, content=content)
    require_exercises(gate_for(tx, patient_id, content))
    signed = logs.signed_plan(tx, patient_id)
    if view.plan_version is None or signed is None:
        raise NotFound("there is no signed plan yet, so there is no handout", field="plan")
    found = intake.latest_intake(tx, actor, patient_id)
    knee = str(found.case_data.side) if found else None
    record = tx.get(PatientRow, patient_id)
    name = record.display_name if record else ""
    heading = Heading("Your home exercises", name, "", None, today)
    return _handout(heading, view.patient, _by_exercise(signed.data), knee, content)


def case_handout(
    plan: Mapping[str, Any], case: Mapping[str, Any], heading: Heading, content: ClinicalContent
) -> Handout:
    """The handout of a plan proposed for a case file."""
    library = content.exercises
    entries: list[today_view.TodayItem] = []
    advice: list[PlanItemDoc] = []
    for item in map(PlanItemDoc.from_json, plan_items(plan)):
        exercise = library.get(item.exercise_id) if item.exercise_id else None
        if exercise is None:
            advice.append(item)
        else:
            entries.append(today_view.TodayItem(item, exercise, 0))
    page = patient_text.arrange(entries, advice, plan.get("pain_threshold_nprs"))
    knee = str(case.get("side")) if case.get("side") else None
    return _handout(heading, page, _by_exercise(plan), knee, content)
