"""Return to running: a walk-run stage table gated by the pain-monitoring model.

Knowledge base 7.1-7.4. The stage table (7.2) comes from the *Trials* 2023 protocol
(TRIALS-2023-RTR): complete each stage at least twice before progressing, at least one rest
day between runs, do not progress with swelling, stiffness or increased pain. Each session is
judged by :mod:`runnersknee.clinical.pain_monitoring` (KB 5.5, 7.3). After the last stage, or
when the runner has run in the last 30 days and keeps no walk-run log, the next run is capped
at the longest run of the previous 30 days (hold); only when the pain log says "progress" may it
grow, and then by at most the single-session spike rule (FRANDSEN-2025): 110 % of that run.
Without pain data there is no increase (docs/clinical-basis.md, "Return to running"). After a
layoff (no run in 30 days) the stage table applies, never a %.

The next run is always a concrete prescription with its reasons and citations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from runnersknee.clinical._fields import bounded, check_bounds
from runnersknee.clinical.errors import InvalidInput
from runnersknee.clinical.load import LOOKBACK_DAYS, SPIKE_OK_FRACTION, RunLike, longest_in_window
from runnersknee.clinical.pain_monitoring import (
    PainAssessment,
    PainDecision,
    PainMonitoringConfig,
    SessionPain,
    assess_session,
    decide_progression,
)

__all__ = [
    "METRES_PER_MILE",
    "EntryCriterion",
    "Prescription",
    "PrescriptionKind",
    "ProgrammeState",
    "ReturnToRunProtocol",
    "WalkRunStage",
    "next_run",
    "replay_programme",
]

#: International mile, exactly 1609.344 m (used to convert the Trials 2023 table).
METRES_PER_MILE = 1609.344


@dataclass(frozen=True, slots=True)
class WalkRunStage:
    """One stage: walk ``walk_s`` then run ``run_s`` (``None`` = continuous) to a distance."""

    number: int = bounded(1, 50, default=1)
    rpe: int = bounded(0, 10, "RPE", default=3)
    walk_s: int = bounded(0, 3600, "s", default=0)
    run_s: int | None = bounded(1, 3600, "s", default=None)
    total_distance_m: float = bounded(1, 100_000, "m", default=1.0)

    def __post_init__(self) -> None:
        check_bounds(self)

    @property
    def continuous(self) -> bool:
        """True when the stage is continuous running."""
        return self.run_s is None

    def describe(self) -> str:
        """Plain-language instruction for this stage."""
        km = self.total_distance_m / 1000
        if self.continuous:
            return f"Run continuously for {km:.2f} km, effort {self.rpe}/10, level ground."
        return (
            f"Walk {self.walk_s // 60:g} min, run {(self.run_s or 0) / 60:g} min, repeat until "
            f"{km:.2f} km in total; effort {self.rpe}/10, level ground, no hills."
        )


@dataclass(frozen=True, slots=True)
class EntryCriterion:
    """A check before the first run (KB 7.1; most are unverified clinic-protocol defaults)."""

    id: str
    text: str
    verified: bool
    citation_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReturnToRunProtocol:
    """The stage table and its rules, loaded from content."""

    stages: tuple[WalkRunStage, ...]
    entry_criteria: tuple[EntryCriterion, ...]
    citation_ids: tuple[str, ...]
    completions_required: int = 2
    min_rest_days: int = 1
    layoff_days: int = LOOKBACK_DAYS
    spike_cap_fraction: float = SPIKE_OK_FRACTION
    spike_citation_ids: tuple[str, ...] = ("FRANDSEN-2025",)
    rules: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.stages:
            raise InvalidInput("a return-to-run protocol needs at least one stage", field="stages")
        numbers = [s.number for s in self.stages]
        if numbers != list(range(1, len(numbers) + 1)):
            raise InvalidInput(
                "stages must be numbered 1, 2, 3, ... in order", field="stages", got=numbers
            )
        if self.completions_required < 1 or self.min_rest_days < 0 or self.layoff_days < 1:
            raise InvalidInput("protocol counts out of range", field="completions_required")


class PrescriptionKind(StrEnum):
    """A walk-run stage, or a distance cap from the spike rule."""

    WALK_RUN = "walk_run"
    DISTANCE_CAP = "distance_cap"


@dataclass(frozen=True, slots=True)
class Prescription:
    """The next run: what to do, from when, why, and on which sources."""

    kind: PrescriptionKind
    earliest_day: date
    distance_m: float
    stage: WalkRunStage | None
    decision: PainDecision
    clinician_review: bool
    instruction: str
    reasons: tuple[str, ...]
    citation_ids: tuple[str, ...]
    entry_checks: tuple[EntryCriterion, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ProgrammeState:
    """Where the replay of a pain log leaves the runner."""

    stage_index: int
    graduated: bool
    regressions: int
    sessions_at_level: tuple[SessionPain, ...]
    last: PainAssessment


def _weekly_morning(sessions: Sequence[SessionPain]) -> list[float]:
    weeks: dict[date, list[float]] = {}
    for session in sessions:
        if session.next_morning_nprs is not None:
            monday = session.day - timedelta(days=session.day.weekday())
            weeks.setdefault(monday, []).append(session.next_morning_nprs)
    return [sum(v) / len(v) for _, v in sorted(weeks.items())]


def replay_programme(
    sessions: Sequence[SessionPain],
    protocol: ReturnToRunProtocol,
    config: PainMonitoringConfig,
    *,
    start_graduated: bool = False,
) -> ProgrammeState:
    """Replay a pain log: progress, hold or regress after each session.

    Starts at stage 1, or past the table (free running under the spike cap) when
    ``start_graduated``; a breach in free running re-enters the last stage (KB-RUNNING-DESIGN).
    """
    stage, graduated, regressions = 0, False, 0
    if start_graduated:
        stage, graduated = len(protocol.stages) - 1, True
    level: list[SessionPain] = []
    seen: list[SessionPain] = []
    last = PainAssessment(PainDecision.HOLD, ("no sessions logged yet",), config.citation_ids)
    for session in sorted(sessions, key=lambda s: s.day):
        seen.append(session)
        single = assess_session(session, config)
        if single.decision is PainDecision.REGRESS:
            regressions += 1
            stage = len(protocol.stages) - 1 if graduated else max(0, stage - 1)
            graduated, level = False, []
            review = regressions >= config.regressions_before_review
            decision = PainDecision.CLINICIAN_REVIEW if review else PainDecision.REGRESS
            note = "clinician review needed" if review else "regress one stage"
            last = PainAssessment(decision, (*single.reasons, note), config.citation_ids)
            continue
        level.append(session)
        last = decide_progression(
            level,
            config,
            completions_required=protocol.completions_required,
            weekly_morning_pain=_weekly_morning(seen),
            prior_regressions=regressions,
        )
        if last.decision is PainDecision.PROGRESS:
            level = []
            if stage + 1 < len(protocol.stages):
                stage += 1
            else:
                graduated = True
    return ProgrammeState(stage, graduated, regressions, tuple(level), last)


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _earliest(
    runs: Sequence[RunLike], sessions: Sequence[SessionPain], today: date, rest: int
) -> date:
    days = [r.start.date() for r in runs] + [s.day for s in sessions]
    last = max((d for d in days if d <= today), default=None)
    if last is None:
        return today
    return max(today, last + timedelta(days=rest + 1))


_STAGE_VERBS = {
    PainDecision.PROGRESS: "Move up to stage {n}",
    PainDecision.HOLD: "Stay at stage {n}",
    PainDecision.REGRESS: "Step back to stage {n}",
    PainDecision.CLINICIAN_REVIEW: (
        "Pause progression until a clinician has reviewed. Meanwhile at most stage {n}"
    ),
}


def _stage_instruction(decision: PainDecision, stage: WalkRunStage, *, entry: bool) -> str:
    """The walk-run instruction, worded after the decision it carries out."""
    head = f"Start at stage {stage.number}" if entry else _STAGE_VERBS[decision]
    return f"{head.format(n=stage.number)}: {stage.describe()}"


def _walk_run(
    protocol: ReturnToRunProtocol,
    index: int,
    state: ProgrammeState | None,
    earliest: date,
    reasons: list[str],
    *,
    entry: bool,
) -> Prescription:
    stage = protocol.stages[index]
    decision = state.last.decision if state else PainDecision.HOLD
    review = decision is PainDecision.CLINICIAN_REVIEW
    if state:
        reasons.extend(state.last.reasons)
    reasons.append(
        f"stage {stage.number} of {len(protocol.stages)}: complete it "
        f"{protocol.completions_required} times within the pain limits before progressing; "
        f"at least {protocol.min_rest_days} rest day between runs"
    )
    cites = protocol.citation_ids + (state.last.citation_ids if state else ())
    return Prescription(
        kind=PrescriptionKind.WALK_RUN,
        earliest_day=earliest,
        distance_m=stage.total_distance_m,
        stage=stage,
        decision=decision,
        clinician_review=review,
        instruction=_stage_instruction(decision, stage, entry=entry),
        reasons=tuple(reasons),
        citation_ids=tuple(dict.fromkeys(cites)),
        entry_checks=protocol.entry_criteria if entry else (),
    )


def _capped(
    protocol: ReturnToRunProtocol,
    longest_m: float,
    state: ProgrammeState | None,
    earliest: date,
    reasons: list[str],
) -> Prescription:
    """Free running: +spike cap only when the pain rule says progress, else hold at the longest.

    With no pain data the decision is HOLD: the spike rule (Frandsen 2025) is an injury-risk
    threshold for healthy runners, not a rehabilitation progression, so a symptomatic runner
    without pain data is never told to run further than before.
    """
    decision = state.last.decision if state else PainDecision.HOLD
    grow = decision is PainDecision.PROGRESS
    cap = longest_m * (1.0 + protocol.spike_cap_fraction if grow else 1.0)
    if state is None:
        reasons.append(
            "no pain log yet: hold, with no run longer than the longest recent run, until pain "
            "during, after and the morning after runs is recorded (a rise above 10 % is an "
            "injury-risk threshold, not a rehabilitation step)"
        )
    else:
        reasons.extend(state.last.reasons)
    reasons.append(
        f"longest run in the last {protocol.layoff_days} days: {longest_m / 1000:.2f} km; "
        + (
            f"keep the next run within +{protocol.spike_cap_fraction:.0%} of it"
            if grow
            else "hold: no longer than that run until the pain rule allows progress"
        )
    )
    cites = protocol.spike_citation_ids + (state.last.citation_ids if state else ())
    if grow:
        instruction = f"Progress: easy run of at most {cap / 1000:.2f} km on level ground."
    else:
        instruction = (
            f"Hold: easy run no longer than {cap / 1000:.2f} km (your longest recent run) on "
            "level ground; shorter if pain rises. Record pain during, after and the next morning."
        )
    return Prescription(
        kind=PrescriptionKind.DISTANCE_CAP,
        earliest_day=earliest,
        distance_m=cap,
        stage=None,
        decision=decision,
        clinician_review=decision is PainDecision.CLINICIAN_REVIEW,
        instruction=instruction,
        reasons=tuple(reasons),
        citation_ids=tuple(dict.fromkeys(cites)),
    )


def next_run(
    runs: Sequence[RunLike],
    sessions: Sequence[SessionPain],
    protocol: ReturnToRunProtocol,
    config: PainMonitoringConfig,
    *,
    today: date,
) -> Prescription:
    """The next run for someone whose runs and pain log are known up to ``today``.

    * pain log present -> replayed from stage 1 if there was no run in the ``layoff_days``
      before its first session (a return after a layoff), else from free running;
      while the stage table is not completed -> that walk-run stage;
    * no run in the last ``layoff_days`` days -> stage table (stage 1 unless the log says more);
    * otherwise -> a distance cap of 1 x the 30-day longest run (hold; always so without a
      pain log), or (1 + spike_cap_fraction) x that run when the pain rule says progress.
    """
    past_runs = [r for r in runs if r.start.date() <= today]
    past_sessions = [s for s in sessions if s.day <= today]
    longest = longest_in_window(past_runs, _end_of(today), protocol.layoff_days)
    earliest = _earliest(past_runs, past_sessions, today, protocol.min_rest_days)
    state = None
    if past_sessions:
        first = min(s.day for s in past_sessions)
        before = datetime.combine(first, time(0), tzinfo=UTC)
        running = longest_in_window(past_runs, before, protocol.layoff_days) > 0
        state = replay_programme(past_sessions, protocol, config, start_graduated=running)
    if longest <= 0:
        reasons = [
            f"no run in the last {protocol.layoff_days} days: the walk-run stage table "
            "applies, not a percentage increase"
        ]
        if state and not state.graduated:
            return _walk_run(protocol, state.stage_index, state, earliest, reasons, entry=False)
        if state and state.graduated:
            reasons.append("the stage table was completed before the layoff: restart at stage 1")
        return _walk_run(protocol, 0, None, earliest, reasons, entry=True)
    if state and not state.graduated:
        return _walk_run(protocol, state.stage_index, state, earliest, [], entry=False)
    if state and state.graduated:
        reasons = ["free running (stage table completed or not needed): spike rule applies"]
        return _capped(protocol, longest, state, earliest, reasons)
    return _capped(protocol, longest, None, earliest, [])
