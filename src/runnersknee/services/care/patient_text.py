"""Patient-facing wording for the portal's "today" page, derived from plan and library data.

Plan items carry clinician wording: a dose line that joins the library dose, its load guidance
with study names and knowledge-base section numbers, and the citation ids. Patients see plain
text built from the library :class:`~runnersknee.clinical.exercises.Dose` numbers instead
(``3 sets × 10 reps, 5 times a week``; ``hold 10 s, 15 times, 2 sets``); the clinician wording
and the citations stay available under "Why this exercise?".

Only library items whose dose is sets with reps or holds get a logging form (the log records
sets and reps); a timed dose (``duration_min``: running drills) is an exercise without it.
Everything else (advice items and library items with guidance only: ice, taping, orthoses,
footwear) is advice. Pure functions over the JSON forms; no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.exercises import Dose, Exercise
from runnersknee.services.care.plan_document import PlanItemDoc
from runnersknee.services.care.plan_dose import side_text

__all__ = [
    "ADVICE_ORDER",
    "EXERCISE_ORDER",
    "AdviceCard",
    "ExerciseCard",
    "PatientToday",
    "PlainDose",
    "TodayEntry",
    "Why",
    "arrange",
    "discomfort_line",
    "library_dose",
    "per_week_text",
    "plain_dose",
    "strip_citations",
]

#: Order of exercise cards by library component (within one component: plan order).
EXERCISE_ORDER = ("strengthening", "stretching", "gait_retraining")
#: Order of advice by plan component (the plan's own component order).
ADVICE_ORDER = (
    "pain_management",
    "stretching",
    "strengthening",
    "gait_retraining",
    "footwear_orthoses",
)

_DOSE_FIELDS = ("sets", "reps", "hold_s", "rest_s", "per_week", "duration_min")
# A parenthesis or bracket that names a source: a knowledge-base section ("KB 5.8"), a
# citation id ("CONS-2018", "BARTON-2014-TAPING"), an author and year ("Barton 2014") or
# "et al". Plain asides such as "(about 4 weeks)" stay.
_SOURCE = re.compile(
    r"\bKB \d|\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b|\b[A-Z][a-z]+(?: et al\.?)? (?:19|20)\d\d\b"
    r"|\bet al\b"
)
_GROUP = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")


@dataclass(frozen=True, slots=True)
class PlainDose:
    """A library dose in plain words, and what the page offers for it."""

    amount: str
    frequency: str
    rest: str
    loggable: bool
    holds_only: bool
    hold_s: float | None
    rest_s: float | None

    @property
    def text(self) -> str:
        """The whole dose in one line, e.g. ``3 sets × 10 reps, 5 times a week``."""
        return ", ".join(p for p in (self.amount, self.frequency, self.rest) if p)


@dataclass(frozen=True, slots=True)
class Why:
    """The reason for an item, the clinician's wording of its dose and its sources."""

    reason: str
    clinical_dose: str
    citation_ids: tuple[str, ...]
    verified: bool


@dataclass(frozen=True, slots=True)
class ExerciseCard:
    """One exercise to do today."""

    exercise_id: str
    title: str
    dose: PlainDose
    edited_dose: str
    exercise: Exercise
    sets_done_today: int
    note: str
    timer: bool
    why: Why
    #: Which leg the clinician set ("left leg", "right leg", "each leg"; "" = not said).
    side: str = ""
    #: The load or intensity the clinician set when it differs from the library's wording.
    load: str = ""


@dataclass(frozen=True, slots=True)
class AdviceCard:
    """One piece of advice (no sets to log); ``how`` is the library entry when there is one."""

    title: str
    text: str
    when: str
    how: Exercise | None
    note: str
    why: Why


@dataclass(frozen=True, slots=True)
class PatientToday:
    """The patient's day: exercises first (in :data:`EXERCISE_ORDER`), then advice."""

    exercises: tuple[ExerciseCard, ...]
    advice: tuple[AdviceCard, ...]
    discomfort: str


class TodayEntry(Protocol):
    """A plan item with a library exercise id (``services.care.today_view.TodayItem``)."""

    @property
    def item(self) -> PlanItemDoc:
        """The stored plan item."""

    @property
    def exercise(self) -> Exercise | None:
        """The library exercise, or None when the library no longer has it."""

    @property
    def sets_done_today(self) -> int:
        """Sets logged today."""


def _number(dose: Mapping[str, Any], key: str) -> float | None:
    value = dose.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"dose {key} must be a number", field=key, got=value)
    return float(value) if value > 0 else None


def _n(value: float) -> str:
    return f"{value:g}"


def _count(value: float, one: str, many: str) -> str:
    return f"1 {one}" if value == 1 else f"{_n(value)} {many}"


def per_week_text(per_week: float | None) -> str:
    """Sessions per week in words: ``every day``, ``twice a day``, ``3 times a week``."""
    if not per_week:
        return ""
    named = {1.0: "once a week", 2.0: "twice a week", 7.0: "every day", 14.0: "twice a day"}
    return named.get(float(per_week), f"{_n(per_week)} times a week")


def _amount(sets: float | None, reps: float | None, hold: float | None) -> str:
    if sets and reps and hold:
        times = "once" if reps == 1 else f"{_n(reps)} times"
        return f"hold {_n(hold)} s, {times}, {_count(sets, 'set', 'sets')}"
    if sets and reps:
        return f"{_count(sets, 'set', 'sets')} × {_count(reps, 'rep', 'reps')}"
    if sets and hold:
        return f"hold {_n(hold)} s, " + ("once" if sets == 1 else f"{_n(sets)} times")
    if sets:
        return _count(sets, "set", "sets")
    return ""


def plain_dose(dose: Mapping[str, Any] | None) -> PlainDose | None:
    """The dose (JSON form) in plain words; None when it has neither sets nor a duration."""
    if not dose:
        return None
    return _plain(tuple(_number(dose, k) for k in _DOSE_FIELDS))


def library_dose(dose: Dose) -> PlainDose | None:
    """A library exercise's dose in plain words (None as for :func:`plain_dose`)."""
    return _plain(_numbers(dose))


def _numbers(dose: Dose) -> tuple[float | None, ...]:
    """The dose's numbers in :data:`_DOSE_FIELDS` order (0 and unset: None)."""
    values = (dose.sets, dose.reps, dose.hold_s, dose.rest_s, dose.per_week, dose.duration_min)
    return tuple(float(v) if v else None for v in values)


@lru_cache(maxsize=1024)
def _plain(numbers: tuple[float | None, ...]) -> PlainDose | None:
    """:func:`plain_dose` of checked numbers (memoized: a few dozen library doses)."""
    sets, reps, hold, rest, per_week, minutes = numbers
    amount = _amount(sets, reps, hold)
    if minutes:
        amount = f"{amount}; {_n(minutes)} min" if amount else f"{_n(minutes)} min"
    if not amount:
        return None
    holds_only = bool(sets and hold and not reps)
    rest_text = ""
    if rest:
        rest_text = f"rest {_n(rest)} s between " + ("holds" if holds_only else "sets")
    return PlainDose(
        amount=amount,
        frequency=per_week_text(per_week),
        rest=rest_text,
        loggable=bool(sets and (reps or hold)),
        holds_only=holds_only,
        hold_s=hold,
        rest_s=rest,
    )


def strip_citations(text: str) -> str:
    """``text`` without bracketed sources, e.g. ``(KB 5.8)``, ``(CONS-2018)``, ``[CPG-2019]``."""
    return _strip(text)


@lru_cache(maxsize=4096)
def _strip(text: str) -> str:
    def drop(match: re.Match[str]) -> str:
        return "" if _SOURCE.search(match.group(1)) else match.group(0)

    cleaned = _GROUP.sub(drop, text)
    cleaned = re.sub(r"\s+([.,;:])", r"\1", cleaned)
    cleaned = re.sub(r"([.,;:])\1+", r"\1", cleaned)
    return re.sub(r"\s{2,}", " ", cleaned).strip()


def discomfort_line(limit_nprs: float | None) -> str:
    """Knowledge base 8.2 expectation wording with the plan's pain limit ('' without one)."""
    if limit_nprs is None:
        return ""
    return (
        "Some discomfort during exercise can be acceptable if it stays at or below "
        f"{_n(limit_nprs)} out of 10 and settles by the next morning."
    )


@lru_cache(maxsize=512)
def _library_text(numbers: tuple[float | None, ...]) -> str:
    """The generator's own dose text for these numbers (``Dose.describe``)."""
    sets, reps, hold, rest, per_week, minutes = numbers
    return Dose(
        sets=None if sets is None else int(sets),
        reps=None if reps is None else int(reps),
        hold_s=hold,
        rest_s=rest,
        per_week=None if per_week is None else int(per_week),
        duration_min=minutes,
    ).describe()


def _edited(item: PlanItemDoc, dose: Dose) -> str:
    """The clinician's own dose text when it no longer contains the library dose, else ''."""
    written = str(item.fields.get("dose") or "")
    library = _library_text(_numbers(dose))
    if not library or library in written:
        return ""
    return strip_citations(written)


def _why(item: PlanItemDoc) -> Why:
    fields = item.fields
    cited = fields.get("citation_ids")
    return Why(
        reason=str(fields.get("reason") or ""),
        clinical_dose=strip_citations(str(fields.get("dose") or "")),
        citation_ids=tuple(str(c) for c in cited) if isinstance(cited, list) else (),
        verified=bool(fields.get("verified", True)),
    )


def _exercise_card(entry: TodayEntry, exercise: Exercise, dose: PlainDose) -> ExerciseCard:
    item = entry.item
    edited = _edited(item, exercise.dose)
    return ExerciseCard(
        exercise_id=str(item.exercise_id),
        title=item.title or exercise.name,
        dose=dose,
        edited_dose=edited,
        exercise=exercise,
        sets_done_today=entry.sets_done_today,
        note=item.clinician_note,
        timer=bool(dose.loggable and dose.hold_s and not edited),
        why=_why(item),
        side=side_text(item.side),
        load=_set_load(item, exercise),
    )


def _set_load(item: PlanItemDoc, exercise: Exercise) -> str:
    """The clinician's load wording, unless it is the library's own (already on the card)."""
    dose_fields = item.fields.get("dose_fields")
    written = dose_fields.get("intensity") if isinstance(dose_fields, dict) else None
    load = strip_citations(str(written or ""))
    return "" if load == strip_citations(exercise.dose.intensity) else load


def _advice_card(item: PlanItemDoc, how: Exercise | None) -> AdviceCard:
    if how is not None:
        text, when = how.setup, ""
    else:
        text = strip_citations(str(item.fields.get("advice") or ""))
        when = strip_citations(str(item.fields.get("dose") or ""))
    return AdviceCard(
        title=item.title or "",
        text=text,
        when=when,
        how=how,
        note=item.clinician_note,
        why=_why(item),
    )


def _component(item: PlanItemDoc, exercise: Exercise | None) -> str:
    if exercise is not None:
        return exercise.component.value
    if item.component:
        return item.component
    return (item.id or "").partition(":")[0]


def _rank(order: Sequence[str], component: str) -> int:
    return order.index(component) if component in order else len(order)


def arrange(
    entries: Iterable[TodayEntry],
    advice: Iterable[PlanItemDoc],
    pain_limit_nprs: float | None = None,
) -> PatientToday:
    """Split today's plan into exercise cards and advice, in the order a patient reads them.

    ``entries`` are the plan items with a library id, ``advice`` the items without one, both
    in plan order. Exercises follow :data:`EXERCISE_ORDER`, advice :data:`ADVICE_ORDER`
    (stable: plan order within a component; advice without a library entry first).
    """
    exercises: list[tuple[int, ExerciseCard]] = []
    tips: list[tuple[int, AdviceCard]] = [
        (_rank(ADVICE_ORDER, _component(item, None)), _advice_card(item, None)) for item in advice
    ]
    for entry in entries:
        library = entry.exercise
        dose = library_dose(library.dose) if library is not None else None
        component = _component(entry.item, library)
        if library is not None and dose is not None:
            card = _exercise_card(entry, library, dose)
            exercises.append((_rank(EXERCISE_ORDER, component), card))
        else:
            tips.append((_rank(ADVICE_ORDER, component), _advice_card(entry.item, library)))
    return PatientToday(
        exercises=tuple(card for _, card in sorted(exercises, key=lambda pair: pair[0])),
        advice=tuple(card for _, card in sorted(tips, key=lambda pair: pair[0])),
        discomfort=discomfort_line(pain_limit_nprs),
    )
