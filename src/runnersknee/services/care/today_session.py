"""Today's exercise session and what the pain-monitoring "next step" changes for the patient.

The decision of the pain-monitoring model (``TodayView.decision``) is never only a label:

* ``regress``: the session shows each exercise's easier level (the library's
  ``regression_id``) in place of the plan's, until a session within the limits is recorded;
  the clinician has an alert (raised when the pain was logged, services/care/logs.py).
* ``progress``: the clinician has an alert that the patient is ready for the next level
  (services/care/logs.py); the plan changes only when the clinician signs a new version.
* ``hold``: the same exercises, and the patient is told what is still missing.
* ``clinician_review``: the safety gate holds the plan (no harder level, no runs) and says
  so; the clinician has an alert.

Pure functions over the today view; the patient wording here is plain language only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from runnersknee.clinical.library import ExerciseLibrary
from runnersknee.clinical.pain_monitoring import PainAssessment
from runnersknee.services.care import patient_text
from runnersknee.services.care.plan_document import PlanItemDoc
from runnersknee.services.care.today_view import TodayItem, TodayView

__all__ = [
    "NextStep",
    "SessionExercise",
    "TodaySession",
    "easier_entry",
    "easier_of",
    "find",
    "next_step",
    "session_for",
    "session_of_cards",
    "sets_target",
]


@dataclass(frozen=True, slots=True)
class NextStep:
    """The decision in the patient's words and what it changed."""

    decision: str
    title: str
    text: str
    #: True when the decision put an alert or message in front of the clinician.
    clinician_told: bool


@dataclass(frozen=True, slots=True)
class SessionExercise:
    """One exercise of today's session (possibly the easier level of a plan exercise)."""

    card: patient_text.ExerciseCard
    #: The plan exercise this one stands in for (None when it is the plan's own).
    replaces: str | None
    #: The plan exercise's title when ``replaces`` is set.
    replaces_title: str
    #: The library's easier level of this exercise (offered under "too painful").
    easier_id: str | None


@dataclass(frozen=True, slots=True)
class TodaySession:
    """The exercises of today's session, in order, and the next step."""

    exercises: tuple[SessionExercise, ...]
    #: Plan exercises without sets to log (timed running drills): recorded on the Runs page.
    other: tuple[patient_text.ExerciseCard, ...]
    advice: tuple[patient_text.AdviceCard, ...]
    discomfort: str
    next_step: NextStep | None


_WORDING = {
    "progress": (
        "You are ready for the next level",
        "Your knee has handled your recent sessions well. Your physiotherapist has been told "
        "and will move your plan up a level. Until then, keep going with these exercises.",
        True,
    ),
    "hold": (
        "Keep going at this level",
        "Carry on with the same exercises. Record your pain during and after each session, "
        "and again the next morning, so we can tell when you are ready to move on.",
        False,
    ),
    "regress": (
        "Easier exercises for now",
        "Your knee was sorer than it should be after a recent session, so today's session "
        "uses the easier version of your exercises. Your physiotherapist has been told. You "
        "go back to your usual exercises once a session goes well.",
        True,
    ),
    "clinician_review": (
        "Your physiotherapist will check in",
        "Your knee has been sore after sessions more than once. Your physiotherapist has "
        "been told and will look at your plan. Until then, do not make the exercises harder; "
        'use the easier version under "Too painful?" if you need it.',
        True,
    ),
}


def next_step(decision: PainAssessment | None) -> NextStep | None:
    """The pain-monitoring decision in the patient's words (None: no decision)."""
    if decision is None:
        return None
    kind = decision.decision.value
    title, text, told = _WORDING.get(kind, _WORDING["hold"])
    return NextStep(kind, title, text, told)


def easier_of(exercise_id: str, library: ExerciseLibrary) -> str | None:
    """The library's easier level of an exercise (its ``regression_id``), if it has one."""
    exercise = library.get(exercise_id)
    found = getattr(exercise, "regression_id", None)
    if not found or library.get(found) is None:
        return None
    return str(found)


def _swapped(
    item: TodayItem, easier_id: str, done: Mapping[str, int], exercises: ExerciseLibrary
) -> TodayItem | None:
    """``item`` replaced by its easier level (library dose and wording; plan reason kept)."""
    library = exercises.get(easier_id)
    if library is None:
        return None
    cited = item.item.fields.get("citation_ids")
    stand_in = PlanItemDoc.from_json(
        {
            "exercise_id": easier_id,
            "title": library.name or easier_id,
            "reason": f"An easier version of {item.item.title or ''} while your knee settles.",
            "citation_ids": [str(c) for c in cited] if isinstance(cited, list) else [],
            "clinician_note": item.item.clinician_note,
        }
    )
    return TodayItem(stand_in, library, done.get(easier_id, 0))


def session_for(
    view: TodayView, library: ExerciseLibrary, done_today: Mapping[str, int] | None = None
) -> TodaySession:
    """Today's session from the gated today view (no exercises when the gate allows none).

    ``done_today`` maps exercise ids to sets logged today (needed for easier levels, which
    are not plan items); the plan items' own counts come from the view.
    """
    step = next_step(view.decision)
    done = dict(done_today or {})
    regress = step is not None and step.decision == "regress"
    entries: list[TodayItem] = []
    replaced: dict[str, tuple[str | None, str]] = {}
    for item in view.items:
        plan_id = item.item.exercise_id or ""
        easier = easier_of(plan_id, library) if regress else None
        swapped = _swapped(item, easier, done, library) if easier else None
        if swapped is not None and easier is not None:
            replaced[easier] = (plan_id, item.item.title or "")
            entries.append(swapped)
        else:
            entries.append(item)
    page = patient_text.arrange(entries, view.advice, view.pain_limit_nprs)
    exercises: list[SessionExercise] = []
    other: list[patient_text.ExerciseCard] = []
    for card in page.exercises:
        if not card.dose.loggable:
            other.append(card)
            continue
        replaces, plan_title = replaced.get(card.exercise_id, (None, ""))
        exercises.append(
            SessionExercise(card, replaces, plan_title, easier_of(card.exercise_id, library))
        )
    return TodaySession(tuple(exercises), tuple(other), page.advice, page.discomfort, step)


def session_of_cards(
    cards: Sequence[patient_text.ExerciseCard],
    done: Mapping[str, int],
    discomfort: str,
    decision: PainAssessment | None,
    library: ExerciseLibrary,
) -> TodaySession:
    """:func:`session_for` from already built exercise cards of the plan (the today page's
    per-plan cache) and today's sets; only when no easier level replaces a plan exercise
    (the decision is not ``regress``). The advice is left to the caller's cache."""
    step = next_step(decision)
    if step is not None and step.decision == "regress":
        msg = "a regress decision needs session_for (easier levels replace plan exercises)"
        raise ValueError(msg)
    exercises: list[SessionExercise] = []
    other: list[patient_text.ExerciseCard] = []
    for card in cards:
        sets = done.get(card.exercise_id, 0)
        today = card if sets == card.sets_done_today else replace(card, sets_done_today=sets)
        if card.dose.loggable:
            exercises.append(SessionExercise(today, None, "", easier_of(card.exercise_id, library)))
        else:
            other.append(today)
    return TodaySession(tuple(exercises), tuple(other), (), discomfort, step)


def sets_target(card: patient_text.ExerciseCard) -> int:
    """How many tap targets the exercise's sets (or holds) get today."""
    sets = card.exercise.dose.sets
    return sets if sets else 1


def find(session: TodaySession, exercise_id: str) -> int | None:
    """The 0-based place of ``exercise_id`` in the session (None when it is not in it)."""
    return next(
        (n for n, e in enumerate(session.exercises) if e.card.exercise_id == exercise_id), None
    )


def easier_entry(
    entry: SessionExercise, done: Mapping[str, int], library: ExerciseLibrary
) -> SessionExercise | None:
    """The easier level of a session exercise in its place (None when the library has none)."""
    if entry.easier_id is None:
        return None
    plan_item = TodayItem(
        PlanItemDoc.from_json({"exercise_id": entry.card.exercise_id, "title": entry.card.title}),
        entry.card.exercise,
        entry.card.sets_done_today,
    )
    swapped = _swapped(plan_item, entry.easier_id, done, library)
    if swapped is None:
        return None
    page = patient_text.arrange([swapped], ())
    if not page.exercises:
        return None
    card = page.exercises[0]
    return SessionExercise(
        card, entry.card.exercise_id, entry.card.title, easier_of(card.exercise_id, library)
    )
