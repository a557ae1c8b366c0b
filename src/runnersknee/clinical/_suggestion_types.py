"""Types of the plan-change suggestions (clinical/suggestions.py): the content's rules, the
evidence a service gathers, and the changes a suggestion proposes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

__all__ = [
    "Evidence",
    "FollowUpConfig",
    "ItemFacts",
    "PlanChange",
    "RunFacts",
    "ScoreFacts",
    "Settings",
    "Suggestion",
    "SuggestionRule",
]


@dataclass(frozen=True, slots=True)
class SuggestionRule:
    """A rule as the content describes it: label, sources, verification, parameters."""

    id: str
    label: str
    citation_ids: tuple[str, ...]
    verified: bool
    note: str = ""
    #: A library exercise the rule adds (``start_cadence_change``, ``non_responder_adjunct``).
    exercise_id: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUpConfig:
    """The follow-up content: the non-responder time point and the suggestion rules."""

    non_responder_weeks: int
    non_responder_instruments: tuple[str, ...]
    non_responder_citation_ids: tuple[str, ...]
    non_responder_verified: bool
    rules: Mapping[str, SuggestionRule] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Settings:
    """Numbers of other content files a rule reads, each with its sources."""

    completions_required: int
    completions_citation_ids: tuple[str, ...]
    orthoses_max_weeks: float
    orthoses_citation_ids: tuple[str, ...]
    cadence_min_pct: float
    cadence_max_pct: float
    cadence_citation_ids: tuple[str, ...]
    running_min_phase: int


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One item of the current plan version with what the record says about it."""

    item_id: str
    title: str
    exercise_id: str | None
    #: Distinct days the exercise was logged since the newest signed version.
    days_logged: int = 0
    #: The day the earliest signed version holding this item was signed (None: not signed).
    first_signed_on: date | None = None


@dataclass(frozen=True, slots=True)
class ScoreFacts:
    """A questionnaire's first and latest scores, judged against its minimal important change."""

    instrument_id: str
    label: str
    baseline_on: date
    latest_on: date
    latest_id: int
    before: float
    after: float
    #: True: clinically important improvement; False: not; None: cannot be judged.
    responded: bool | None
    mcid: float | None
    citation_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RunFacts:
    """Running: cadence baseline and target, recent spikes (day, % over the 30-day longest)."""

    baseline_spm: float | None
    latest_spm: float | None
    below_target: bool
    recent_spikes: tuple[tuple[date, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the record says today (gathered by the service, judged here)."""

    today: date
    signed_version: int | None
    plan_phase: int | None
    items: tuple[ItemFacts, ...]
    pain_decision: str | None = None
    pain_reasons: tuple[str, ...] = ()
    pain_citation_ids: tuple[str, ...] = ()
    #: The latest pain log since the newest sign-off (part of the pain rules' evidence key).
    pain_day: date | None = None
    runner: bool = False
    running_held: bool = False
    runs: RunFacts | None = None
    scores: tuple[ScoreFacts, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanChange:
    """One change to the plan: ``step`` (an item along the library), ``add`` (a library
    exercise, with a note for the patient), ``remove`` (an item), ``running`` (hold or not)."""

    kind: str
    item_id: str | None = None
    direction: str | None = None
    exercise_id: str | None = None
    note: str = ""
    hold: bool = False


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A concrete, cited change, why it is proposed, and its evidence key."""

    rule: str
    label: str
    key: str
    title: str
    reason: str
    changes: tuple[PlanChange, ...]
    citation_ids: tuple[str, ...]
    verified: bool
