"""Patient-facing wording of the today page: plain doses, no citations, exercises then advice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.exercises import Exercise
from runnersknee.content.citations import load_citations
from runnersknee.services.care.patient_text import (
    arrange,
    discomfort_line,
    library_dose,
    per_week_text,
    plain_dose,
    strip_citations,
)
from runnersknee.services.care.plan_document import PlanItemDoc
from tests.content import CONTENT

CITATION_ID = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b|\bKB \d")


@dataclass(frozen=True)
class Entry:
    item: PlanItemDoc
    exercise: Exercise | None
    sets_done_today: int = 0


def _dose(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = dict.fromkeys(
        ("sets", "reps", "hold_s", "rest_s", "per_week", "duration_min")
    )
    base.update(fields)
    return base


def test_sets_and_reps_read_as_the_patient_says_them() -> None:
    dose = plain_dose(_dose(sets=3, reps=10, per_week=5))
    assert dose is not None
    assert dose.text == "3 sets × 10 reps, 5 times a week"
    assert dose.loggable
    assert not dose.holds_only
    assert dose.hold_s is None


def test_holds_with_reps_name_the_hold_first() -> None:
    dose = plain_dose(_dose(sets=2, reps=15, hold_s=10, per_week=5))
    assert dose is not None
    assert dose.amount == "hold 10 s, 15 times, 2 sets"
    assert dose.text == "hold 10 s, 15 times, 2 sets, 5 times a week"
    assert dose.loggable
    assert dose.hold_s == 10


def test_holds_without_reps_count_the_holds_and_name_the_rest() -> None:
    dose = plain_dose(_dose(sets=3, hold_s=30, rest_s=15, per_week=7))
    assert dose is not None
    assert dose.text == "hold 30 s, 3 times, every day, rest 15 s between holds"
    assert dose.holds_only
    assert dose.loggable


def test_singular_counts() -> None:
    dose = plain_dose(_dose(sets=1, reps=1, per_week=1))
    assert dose is not None
    assert dose.text == "1 set × 1 rep, once a week"
    held = plain_dose(_dose(sets=1, reps=1, hold_s=5))
    assert held is not None
    assert held.amount == "hold 5 s, once, 1 set"


def test_a_timed_drill_is_an_exercise_without_a_log_form() -> None:
    dose = plain_dose(_dose(duration_min=15, per_week=4))
    assert dose is not None
    assert dose.text == "15 min, 4 times a week"
    assert not dose.loggable


def test_guidance_only_is_not_an_exercise_dose() -> None:
    assert plain_dose(_dose(load_guidance="As needed for comfort (KB 5.8)")) is None
    assert plain_dose(None) is None
    assert plain_dose({}) is None


def test_a_non_numeric_dose_field_is_refused_with_its_name() -> None:
    with pytest.raises(InvalidInput) as raised:
        plain_dose(_dose(sets="3", reps=10))
    assert raised.value.field == "sets"
    with pytest.raises(InvalidInput):
        plain_dose(_dose(sets=True, reps=10))


@pytest.mark.parametrize(
    ("per_week", "text"),
    [
        (None, ""),
        (1, "once a week"),
        (2, "twice a week"),
        (3, "3 times a week"),
        (5, "5 times a week"),
        (7, "every day"),
        (14, "twice a day"),
    ],
)
def test_sessions_per_week_in_words(per_week: int | None, text: str) -> None:
    assert per_week_text(None if per_week is None else float(per_week)) == text


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (
            "As needed for comfort after activity. Ice is not recommended as a treatment "
            "(CONS-2018); self-managed ice for comfort is an adjunct only (KB 5.8)",
            "As needed for comfort after activity. Ice is not recommended as a treatment; "
            "self-managed ice for comfort is an adjunct only",
        ),
        (
            "Use with exercise for short-term (about 4 weeks) benefit (CPG-2019); tailored "
            "taping helps more (Barton 2014).",
            "Use with exercise for short-term (about 4 weeks) benefit; tailored taping helps more.",
        ),
        ("Knee 90°→45° only (open chain, Powers 2014).", "Knee 90°→45° only."),
        ("Hold it [CPG-2019, BARTON-2014-TAPING] gently", "Hold it gently"),
        ("Plain words stay (as they are).", "Plain words stay (as they are)."),
    ],
)
def test_strip_citations(raw: str, plain: str) -> None:
    assert strip_citations(raw) == plain


@settings(max_examples=200, derandomize=True)
@given(st.sampled_from(sorted(load_citations())), st.text(max_size=40))
def test_no_citation_id_survives_in_brackets(cite: str, words: str) -> None:
    words = words.replace("(", "").replace(")", "").replace("[", "").replace("]", "")
    assert cite not in strip_citations(f"{words} ({cite})").replace(words, "", 1)


def test_discomfort_line_is_the_kb_8_2_wording_with_the_plan_limit() -> None:
    assert discomfort_line(3.0) == (
        "Some discomfort during exercise can be acceptable if it stays at or below 3 out of "
        "10 and settles by the next morning."
    )
    assert discomfort_line(None) == ""


def _item(exercise_id: str | None, title: str, **extra: Any) -> dict[str, Any]:
    exercise = CONTENT.exercises.get(exercise_id) if exercise_id else None
    dose = extra.pop("dose", None)
    return {
        "id": f"x:{exercise_id or title}",
        "title": title,
        "exercise_id": exercise_id,
        "advice": extra.pop("advice", None),
        "dose": dose if dose is not None else (exercise.name if exercise else ""),
        "reason": "because",
        "citation_ids": ["CONS-2018"],
        "verified": True,
        **extra,
    }


def _entry(exercise_id: str, dose: str | None = None, done: int = 0) -> Entry:
    exercise = CONTENT.exercises[exercise_id]
    clinical = dose
    if clinical is None:
        clinical = f"as instructed; {exercise.dose.load_guidance}"
    return Entry(
        PlanItemDoc.from_json(_item(exercise_id, exercise.name, dose=clinical)), exercise, done
    )


def _generated(exercise_id: str) -> Entry:
    """An entry whose dose text is the generator's (library text first, then guidance)."""
    library = CONTENT.exercises[exercise_id]
    text = f"{library.dose.describe()}; {library.dose.load_guidance} (KB 5.2)"
    return _entry(exercise_id, text)


def test_arrange_puts_exercises_first_by_component_then_advice() -> None:
    entries = [
        _entry("ice-for-comfort"),
        _entry("patellar-taping-with-exercise"),
        _generated("gait-cadence-metronome"),
        _generated("stretch-calf-soleus"),
        _generated("quad-iso-90"),
        _generated("clamshell"),
        _entry("footwear-check"),
        _entry("gait-cadence-self-monitor"),
    ]
    advice = [
        _item(None, "Pain medicines", advice="Ask a pharmacist (KB 8.3).", dose="None."),
        {
            **_item(None, "Shoes", advice="Comfort first.", dose="Once."),
            "id": "footwear_orthoses:x",
        },
        {
            **_item(None, "Cadence", advice="Step a bit quicker.", dose="8 sessions (DAVIS-2020)"),
            "id": "gait_retraining:cadence",
        },
    ]
    advice[0]["id"] = "pain_management:medicines"
    page = arrange(entries, [PlanItemDoc.from_json(a) for a in advice], 3)
    assert [c.exercise_id for c in page.exercises] == [
        "quad-iso-90",
        "clamshell",
        "stretch-calf-soleus",
        "gait-cadence-metronome",
    ]
    assert [c.title for c in page.advice] == [
        "Pain medicines",
        "Ice for comfort (self-managed)",
        "Patellar taping worn during exercise",
        "Cadence",
        "Cadence self-monitoring on the run",
        "Shoes",
        "Footwear check",
    ]
    assert page.advice[0].text == "Ask a pharmacist."
    assert page.advice[3].when == "8 sessions"
    assert page.discomfort.startswith("Some discomfort")


def test_exercise_cards_log_and_time_only_what_their_dose_allows() -> None:
    page = arrange(
        [
            _generated("quad-iso-90"),
            _generated("clamshell"),
            _generated("stretch-calf-soleus"),
            _generated("gait-cadence-metronome"),
        ],
        [],
    )
    cards = {c.exercise_id: c for c in page.exercises}
    assert cards["quad-iso-90"].dose.loggable
    assert cards["quad-iso-90"].timer
    assert cards["clamshell"].dose.loggable
    assert not cards["clamshell"].timer
    assert cards["stretch-calf-soleus"].dose.holds_only
    assert cards["stretch-calf-soleus"].timer
    assert not cards["gait-cadence-metronome"].dose.loggable
    assert not cards["gait-cadence-metronome"].timer
    assert page.discomfort == ""


def test_patient_dose_lines_carry_no_citations_and_why_keeps_the_source_ids() -> None:
    page = arrange([_generated("quad-iso-90"), _entry("ice-for-comfort")], [])
    (card,) = page.exercises
    assert card.dose.text == "hold 10 s, 15 times, 2 sets, 5 times a week"
    assert not CITATION_ID.search(card.dose.text)
    assert card.edited_dose == ""
    # the plan's wording behind "Why?" loses its section numbers; the sources stay as ids,
    # which the page names in plain words (content/sources.py)
    assert card.why.clinical_dose.startswith("2 × 15 × 10 s hold")
    assert not CITATION_ID.search(card.why.clinical_dose)
    assert card.why.citation_ids == ("CONS-2018",)
    (ice,) = page.advice
    assert ice.how is not None
    assert not CITATION_ID.search(ice.text)
    assert ice.text.startswith("Advice, not a treatment")


def test_a_clinician_edited_dose_is_shown_as_written_without_a_timer() -> None:
    page = arrange([_entry("quad-iso-90", dose="2 × 8 gentle holds (KB 5.2)")], [])
    (card,) = page.exercises
    assert card.edited_dose == "2 × 8 gentle holds"
    assert not card.timer
    assert card.dose.loggable


def test_a_plan_exercise_missing_from_the_library_becomes_advice_with_its_dose() -> None:
    gone = Entry(
        PlanItemDoc.from_json(
            _item("no-longer-in-library", "Old exercise", dose="3 × 10 (KB 5.2)")
        ),
        None,
    )
    page = arrange([gone], [])
    assert page.exercises == ()
    (card,) = page.advice
    assert card.when == "3 × 10"
    assert card.how is None


def test_every_library_exercise_is_exactly_one_kind() -> None:
    for exercise_id in CONTENT.exercises:
        exercise = CONTENT.exercises[exercise_id]
        dose = library_dose(exercise.dose)
        component = exercise.component.value
        if component in ("pain_management", "footwear_orthoses"):
            assert dose is None, exercise_id
        if component in ("strengthening", "stretching"):
            assert dose is not None, exercise_id
            assert dose.loggable, exercise_id
        if dose is not None:
            assert not CITATION_ID.search(dose.text), exercise_id


def test_every_registered_citation_id_is_stripped_from_brackets() -> None:
    for cite in load_citations():
        assert strip_citations(f"Do this ({cite}).") == "Do this.", cite
        assert strip_citations(f"Do this [{cite}, KB 5.2].") == "Do this.", cite
