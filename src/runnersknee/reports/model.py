"""What each printed document shows, as typed values (the services fill them from the same
presenters the pages use; :mod:`runnersknee.reports.pdf` lays them out)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = [
    "Criterion",
    "EvaluationReport",
    "Handout",
    "HandoutAdvice",
    "HandoutExercise",
    "Heading",
    "PlanPart",
    "ProgressReport",
    "Reason",
    "Table",
]


@dataclass(frozen=True, slots=True)
class Heading:
    """Who the document is about, and when it was made."""

    title: str
    patient_name: str
    patient_ref: str
    birth_year: int | None
    generated_on: date
    clinician: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A simple table of text cells (already formatted)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason with the numbers of its references (``[1, 3]``)."""

    text: str
    refs: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanPart:
    """One plan component: status, reason and items (title, dose, reason)."""

    name: str
    status: str
    reason: Reason
    items: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    """The evaluation report for the patient's doctor or insurer."""

    heading: Heading
    history: tuple[tuple[str, str], ...]
    triage_level: str
    triage_reasons: tuple[Reason, ...]
    safety_text: str
    scores: Table
    measures: Table
    strength: Table
    findings: Table
    phase: str
    phase_reason: Reason
    plan: tuple[PlanPart, ...]
    plan_status: str
    signed_by: str
    signed_on: date | None
    sign_note: str
    references: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Criterion:
    """One outcome criterion and whether it is met (None: not measured yet)."""

    text: str
    met: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """The progress / discharge report."""

    heading: Heading
    period: tuple[date, date]
    score_changes: Table
    pain_svg: str
    adherence_svg: str
    running_svg: str
    weekly_load: Table
    gait: Table
    criteria: tuple[Criterion, ...]
    plan_status: str


@dataclass(frozen=True, slots=True)
class HandoutExercise:
    """One exercise in plain words, with its drawing (a ``data:`` URI of the content SVG)."""

    title: str
    illustration_uri: str
    setup: str
    steps: tuple[str, ...]
    tips: tuple[str, ...]
    avoid: tuple[str, ...]
    dose: str
    side: str
    note: str


@dataclass(frozen=True, slots=True)
class HandoutAdvice:
    """One piece of advice in plain words."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Handout:
    """The home-exercise handout for the patient (no sources, no rule ids)."""

    heading: Heading
    exercises: tuple[HandoutExercise, ...]
    advice: tuple[HandoutAdvice, ...]
    pain_rule: str
    stop_rules: str
    medicines: str
